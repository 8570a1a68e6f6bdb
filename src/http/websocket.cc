#include <utility>  // before any Asio header (Boost 1.74 with GCC 12)

#include "http/websocket.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <deque>
#include <exception>

#include "base/log.h"
#include "http/errors.h"
#include "http/websocket_session.h"

namespace zx::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;

namespace {

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether the comma-separated header `list` has `token` (case-insensitive).
bool HasToken(std::string_view list, std::string_view token) {
  while (true) {
    size_t comma = list.find(',');
    if (EqualsIgnoreCase(TrimSpace(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) return false;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace

bool IsWebSocketUpgrade(const Request& request) {
  return request.method == "GET" && HasToken(request.Header("Upgrade"), "websocket") &&
         HasToken(request.Header("Connection"), "upgrade") &&
         !TrimSpace(request.Header("Sec-WebSocket-Key")).empty() &&
         TrimSpace(request.Header("Sec-WebSocket-Version")) == "13";
}

Response UpgradeToWebSocket(const Request& request, std::shared_ptr<WebSocketHandler> handler) {
  if (!handler) return ErrorResponse(Internal("WebSocket route without a handler"));
  if (!IsWebSocketUpgrade(request)) {
    Response r = ErrorResponse(426, "upgrade_required",
                               "this address takes WebSocket connections only (GET with "
                               "Upgrade: websocket and Sec-WebSocket-Version: 13)");
    r.headers.emplace_back("Upgrade", "websocket");
    r.headers.emplace_back("Sec-WebSocket-Version", "13");
    return r;
  }
  if (!SameOrigin(request)) {
    return ErrorResponse(403, "permission_denied",
                         "WebSocket connections are accepted only from this server's own pages "
                         "(the Origin differs from the Host)");
  }
  Response r;
  r.status = 101;
  r.content_type.clear();
  r.websocket = std::move(handler);
  return r;
}

bool SameOrigin(const Request& request) {
  // Browsers send Origin with every WebSocket handshake; other clients (integrations, tests)
  // usually send none, and are not what cross-site WebSocket hijacking abuses.
  std::string_view origin = TrimSpace(request.Header("Origin"));
  if (origin.empty()) return true;
  size_t scheme = origin.find("://");
  if (scheme == std::string_view::npos) return false;  // "null" (sandboxed, file:) and garbage
  std::string_view authority = origin.substr(scheme + 3);
  std::string_view host = TrimSpace(request.Header("Host"));
  if (authority.size() != host.size()) return false;
  for (size_t i = 0; i < host.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authority[i])) !=
        std::tolower(static_cast<unsigned char>(host[i])))
      return false;
  return true;
}

namespace internal {
namespace {

constexpr int kAbnormal = 1006;
constexpr size_t kReadChunk = 16 * 1024;

class Session final : public WebSocketConnection,
                      public WebSocketSession,
                      public std::enable_shared_from_this<Session> {
 public:
  Session(beast::tcp_stream stream, std::shared_ptr<WebSocketHandler> handler, WebSocketStart start)
      : ws_(std::move(stream)),
        executor_(ws_.get_executor()),
        handler_(std::move(handler)),
        request_id_(std::move(start.request_id)),
        handshake_timeout_(start.handshake_timeout),
        on_done_(std::move(start.on_done)),
        max_queued_bytes_(handler_->max_queued_bytes) {}

  ~Session() override = default;

  void Run(bhttp::request<bhttp::string_body> request) {
    upgrade_ = std::move(request);
    beast::get_lowest_layer(ws_).expires_never();  // the WebSocket has its own timeouts
    websocket::stream_base::timeout timeout;
    timeout.handshake_timeout = handshake_timeout_;
    timeout.idle_timeout = std::chrono::milliseconds(std::max(1, handler_->idle_timeout_ms));
    timeout.keep_alive_pings = true;
    ws_.set_option(timeout);
    ws_.set_option(
        websocket::stream_base::decorator([id = request_id_](websocket::response_type& res) {
          res.set("X-Request-Id", id);
          res.set(bhttp::field::server, "zhixian");
        }));
    // The size limit is enforced in OnRead rather than by Beast: Beast 1.74 closes the socket
    // right after its close frame while the peer is still sending, so the peer gets a reset
    // instead of 1009. Reading on (and discarding) until the peer's close frame is clean.
    ws_.read_message_max(0);
    ws_.text(true);
    ws_.async_accept(upgrade_,
                     [self = shared_from_this()](beast::error_code ec) { self->OnAccept(ec); });
  }

  // WebSocketConnection
  bool Send(std::string text) override {
    if (closed_.load()) return false;
    asio::post(executor_, [self = shared_from_this(), text = std::move(text)]() mutable {
      self->Enqueue(std::move(text));
    });
    return true;
  }

  void Close(int code, std::string reason) override {
    if (closed_.exchange(true)) return;
    if (reason.size() > 123) {  // a close frame's limit; cut at a UTF-8 character boundary
      size_t n = 123;
      while (n > 0 && (static_cast<unsigned char>(reason[n]) & 0xC0) == 0x80) --n;
      reason.resize(n);
    }
    asio::post(executor_, [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
      self->BeginClose(code, std::move(reason));
    });
  }

  const std::string& request_id() const override { return request_id_; }

  // WebSocketSession
  void Stop() override { Close(1001, "server stopping"); }

 private:
  void OnAccept(beast::error_code ec) {
    upgrade_ = {};
    if (ec) {
      log::Debug("ws_handshake_failed id={} error=\"{}\"", request_id_, ec.message());
      return Finish(kAbnormal);
    }
    opened_ = true;
    log::Debug("ws_open id={}", request_id_);
    Call("on_open", [&] {
      if (handler_->on_open) handler_->on_open(shared_from_this());
    });
    Read();
  }

  void Read() {
    ws_.async_read_some(
        buffer_, kReadChunk,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec) {
      int code = kAbnormal;
      if (ec == websocket::error::closed) {
        code = ws_.reason().code != websocket::close_code::none ? int(ws_.reason().code)
               : close_code_ != 0                               ? close_code_
                                                                : 1005;
      } else if (close_code_ != 0) {
        code = close_code_;
      }
      log::Debug("ws_closed id={} code={} messages={} error=\"{}\"", request_id_, code, messages_,
                 ec.message());
      return Finish(code);
    }
    // While closing, what the peer still sends is read and dropped until its close frame
    // completes the read with error::closed.
    if (closing_) {
      buffer_.consume(buffer_.size());
      return Read();
    }
    if (!ws_.got_text()) {
      buffer_.consume(buffer_.size());
      Fail(1003, "text messages only");
      return Read();
    }
    if (buffer_.size() > handler_->max_message_bytes) {
      buffer_.consume(buffer_.size());
      Fail(1009, "message too big");
      return Read();
    }
    if (!ws_.is_message_done()) return Read();
    std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    ++messages_;
    Call("on_message", [&] {
      if (handler_->on_message) handler_->on_message(text);
    });
    Read();
  }

  void Fail(int code, const char* reason) {
    closed_ = true;
    BeginClose(code, reason);
  }

  // Runs a callback; an exception is a bug of the handler: logged, and the connection closes.
  template <typename F>
  void Call(const char* what, F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      log::Error("ws_handler_exception id={} callback={} what=\"{}\"", request_id_, what, e.what());
      Fail(1011, "internal error");
    } catch (...) {
      log::Error("ws_handler_exception id={} callback={} what=unknown", request_id_, what);
      Fail(1011, "internal error");
    }
  }

  void Enqueue(std::string text) {
    if (closing_ || finished_) return;
    if (queued_bytes_ + text.size() > max_queued_bytes_) {
      log::Warn("ws_slow_reader id={} queued_bytes={} action=close", request_id_, queued_bytes_);
      closed_ = true;
      closing_ = true;
      close_code_ = 1013;
      queue_.clear();
      beast::error_code ignored;
      beast::get_lowest_layer(ws_).socket().close(ignored);  // the pending read fails
      return;
    }
    queued_bytes_ += text.size();
    queue_.push_back(std::move(text));
    if (!writing_) Write();
  }

  void Write() {
    writing_ = true;
    ws_.async_write(
        asio::buffer(queue_.front()),
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    writing_ = false;
    if (ec) {
      queue_.clear();
      queued_bytes_ = 0;
      beast::error_code ignored;
      beast::get_lowest_layer(ws_).socket().close(ignored);  // the pending read fails
      return;
    }
    queued_bytes_ -= queue_.front().size();
    queue_.pop_front();
    if (!queue_.empty()) return Write();
    if (close_pending_) SendClose();
  }

  // On the strand: what is queued goes out first, then the close frame.
  void BeginClose(int code, std::string reason) {
    if (closing_ || finished_) return;
    closing_ = true;
    // Only codes a close frame may carry (RFC 6455 7.4); 1005, 1006, 1015 and others are not.
    bool sendable = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                    (code >= 3000 && code <= 4999);
    close_code_ = sendable ? code : 1000;
    close_reason_ = std::move(reason);
    if (writing_ || !queue_.empty())
      close_pending_ = true;
    else
      SendClose();
  }

  void SendClose() {
    close_pending_ = false;
    websocket::close_reason reason(static_cast<websocket::close_code>(close_code_), close_reason_);
    ws_.async_close(reason, [self = shared_from_this()](beast::error_code ec) {
      if (ec) {
        beast::error_code ignored;
        beast::get_lowest_layer(self->ws_).socket().close(ignored);
      }
    });
  }

  void Finish(int code) {
    if (finished_) return;
    finished_ = true;
    closed_ = true;
    queue_.clear();
    if (opened_) {
      Call("on_close", [&] {
        if (handler_->on_close) handler_->on_close(code);
      });
    }
    handler_.reset();  // breaks cycles a handler may have made with its connection
    auto done = std::move(on_done_);
    on_done_ = nullptr;
    done = nullptr;
  }

  websocket::stream<beast::tcp_stream> ws_;
  asio::any_io_executor executor_;  // the connection's strand
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> upgrade_;
  std::shared_ptr<WebSocketHandler> handler_;
  const std::string request_id_;
  const std::chrono::milliseconds handshake_timeout_;
  std::function<void()> on_done_;
  const size_t max_queued_bytes_;

  std::atomic<bool> closed_{false};  // no more Send or Close accepted
  // On the strand:
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool opened_ = false;
  bool closing_ = false;
  bool close_pending_ = false;  // close once the queue is empty
  bool finished_ = false;
  int close_code_ = 0;
  std::string close_reason_;
  int64_t messages_ = 0;
};

}  // namespace

std::shared_ptr<WebSocketSession> StartWebSocket(beast::tcp_stream stream,
                                                 bhttp::request<bhttp::string_body> request,
                                                 std::shared_ptr<WebSocketHandler> handler,
                                                 WebSocketStart start) {
  auto session = std::make_shared<Session>(std::move(stream), std::move(handler), std::move(start));
  session->Run(std::move(request));
  return session;
}

}  // namespace internal
}  // namespace zx::http
