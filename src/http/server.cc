#include <utility>  // before any Asio header (Boost 1.74 with GCC 12)

#include "http/server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/log.h"
#include "http/errors.h"
#include "http/websocket_session.h"

namespace zx::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::chrono::milliseconds kMaxLinger{3000};  // draining a closing connection
constexpr std::chrono::milliseconds kStopLinger{200};  // the same while stopping

bool SaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':';
  });
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}() ^
                                   static_cast<uint64_t>(Clock::now().time_since_epoch().count())};
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t v = rng();
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) id[i] = kHex[v & 15];
  return id;
}

// A bounded label for a method: the standard ones as they are, anything else "other".
std::string_view MethodLabel(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET",    "HEAD",  "POST",   "PUT",
                                                "DELETE", "PATCH", "OPTIONS"};
  for (auto m : kKnown)
    if (m == method) return m;
  return "other";
}

// RFC 9110 token characters: what a header name may contain.
bool HeaderName(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// A header value must not smuggle a line break (response splitting).
bool HeaderValue(std::string_view s) { return s.find_first_of("\r\n") == std::string_view::npos; }

std::string_view Std(boost::beast::string_view s) { return {s.data(), s.size()}; }

bool IsHttpParseError(const boost::system::error_code& ec) {
  return ec.category() ==
         boost::beast::http::make_error_code(boost::beast::http::error::bad_method).category();
}

}  // namespace

class Session;

// Everything sessions share; lives as long as the last session.
struct Shared {
  ServerOptions options;
  std::shared_ptr<const Router> router;
  CounterFamily& requests;
  HistogramFamily& duration;
  std::atomic<bool> stopping{false};
  std::atomic<size_t> websockets{0};  // open WebSocket connections

  std::mutex mu;
  std::condition_variable sessions_gone;
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions;  // guarded by mu

  Shared(ServerOptions o, std::shared_ptr<const Router> r, Metrics& metrics)
      : options(std::move(o)),
        router(std::move(r)),
        requests(metrics.AddCounter("zhixian_http_requests_total",
                                    "HTTP requests answered, by method, route pattern and status.",
                                    {"method", "route", "status"})),
        duration(metrics.AddHistogram("zhixian_http_request_duration_seconds",
                                      "Time from a request's header to its response written.",
                                      {"route"}, kLatencyBuckets)) {}

  std::chrono::milliseconds Timeout() const {
    return std::chrono::milliseconds(options.request_timeout_ms);
  }
};

// One connection: read a request, answer it, repeat; all on the connection's strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Shared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {
    boost::system::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }

  ~Session() {
    std::lock_guard lock(shared_->mu);
    shared_->sessions.erase(this);
    if (shared_->sessions.empty()) shared_->sessions_gone.notify_all();
  }

  void Run() {
    {
      std::lock_guard lock(shared_->mu);
      shared_->sessions.emplace(this, weak_from_this());
    }
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
  }

  // Called on Stop: an idle connection closes now, a busy one after its current response.
  void OnStop() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->state_ == State::kWebSocket) {
        if (auto ws = self->websocket_.lock()) ws->Stop();
        return;
      }
      if (self->state_ == State::kStreaming) {
        // A write in progress ends the stream itself when it completes (StreamWait).
        if (!self->writing_) self->EndStream();
        return;
      }
      bool idle = self->state_ == State::kReadingHeader && self->buffer_.size() == 0 &&
                  !(self->parser_ && self->parser_->got_some());
      if (idle || self->state_ == State::kLingering) self->stream_.cancel();
    });
  }

 private:
  enum class State {
    kReadingHeader,
    kReadingBody,
    kHandling,
    kWriting,
    kLingering,
    kWebSocket,
    kStreaming
  };

  struct Pending {  // the request being answered, for metrics and logs
    std::string method = "other";
    std::string route;
    std::string request_id;
    Clock::time_point start = Clock::now();
    int status = 0;
  };

  void ReadHeader() {
    if (shared_->stopping) return Linger();
    state_ = State::kReadingHeader;
    parser_.emplace();
    parser_->header_limit(
        static_cast<uint32_t>(std::min<size_t>(shared_->options.max_header_bytes, UINT32_MAX)));
    body_limit_ = shared_->options.max_body_bytes;
    // The largest any route takes: the route's own limit is applied once the header is read.
    parser_->body_limit(static_cast<uint64_t>(
        std::max(shared_->options.max_body_bytes, shared_->router->LargestBodyLimit())));
    stream_.expires_after(shared_->Timeout());
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  // The body limit of the request whose header was read: its route's or the server's.
  size_t RouteBodyLimit() const {
    const auto& req = parser_->get();
    return std::max(shared_->options.max_body_bytes,
                    shared_->router->BodyLimit(Std(req.method_string()), Std(req.target())));
  }

  void OnHeader(beast::error_code ec) {
    pending_ = Pending{};
    if (parser_->is_header_done())
      pending_.method = MethodLabel(Std(parser_->get().method_string()));
    if (ec) return OnReadError(ec);
    state_ = State::kReadingBody;
    const auto& req = parser_->get();
    // An upload route may take more than the server's limit (Router::AllowBodyUpTo).
    body_limit_ = RouteBodyLimit();
    parser_->body_limit(static_cast<uint64_t>(body_limit_));
    if (auto length = parser_->content_length(); length && *length > body_limit_)
      return OnReadError(bhttp::error::body_limit);
    if (req.version() >= 11 && EqualsIgnoreCase(Std(req[bhttp::field::expect]), "100-continue") &&
        !parser_->is_done()) {
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = shared_from_this()](beast::error_code ec, size_t) {
                          if (ec) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) return self->OnReadError(ec);
                        self->Handle();
                      });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      body_limit_ = RouteBodyLimit();  // the start line is read even when the header is not
      return WriteError(
          ErrorResponse(ResourceExhausted("request body is larger than the limit of " +
                                          std::to_string(body_limit_) + " bytes"),
                        413));
    }
    if (ec == bhttp::error::header_limit) {
      return WriteError(ErrorResponse(
          ResourceExhausted("request header is larger than the limit of " +
                            std::to_string(shared_->options.max_header_bytes) + " bytes"),
          431));
    }
    // A client that leaves, goes silent or sends half a request is not answered.
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
        !IsHttpParseError(ec)) {
      if (ec == beast::error::timeout) log::Debug("http_timeout state=read");
      return Close();
    }
    WriteError(ErrorResponse(InvalidArgument("malformed HTTP request: " + ec.message())));
  }

  void Handle() {
    state_ = State::kHandling;
    bhttp::request<bhttp::string_body> in = parser_->release();
    Request req;
    req.method = std::string(Std(in.method_string()));
    std::string_view target = Std(in.target());
    size_t q = target.find('?');
    req.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) req.query = ParseQuery(target.substr(q + 1));
    for (const auto& f : in) req.headers.emplace_back(Std(f.name_string()), Std(f.value()));
    req.body = std::move(in.body());
    req.remote_address = remote_;
    std::string_view given_id = Std(in["X-Request-Id"]);
    req.request_id = SaneRequestId(given_id) ? std::string(given_id) : NewRequestId();
    pending_.request_id = req.request_id;

    Response res;
    if (req.path.empty() || req.path[0] != '/') {
      res = ErrorResponse(InvalidArgument("the request target must be a path starting with '/'"));
    } else {
      try {
        res = shared_->router->Handle(req, &pending_.route);
      } catch (const std::exception& e) {
        log::Error("http_handler_exception id={} method={} route={} what={}", req.request_id,
                   pending_.method, pending_.route, e.what());
        res = ErrorResponse(Internal("the server failed to answer; request id " + req.request_id));
      } catch (...) {
        log::Error("http_handler_exception id={} method={} route={} what=unknown", req.request_id,
                   pending_.method, pending_.route);
        res = ErrorResponse(Internal("the server failed to answer; request id " + req.request_id));
      }
    }
    if (res.deferred) {
      return Defer(std::move(res.deferred), in.version(), in.keep_alive(),
                   in.method() == bhttp::verb::head, req.path);
    }
    res = Checked(std::move(res));
    if (res.stream) {
      bool head = in.method() == bhttp::verb::head;
      if (!head && res.stream->next && !shared_->stopping)
        return StartStream(std::move(res), in.version(), req.path);
      if (!head)
        res = res.stream->next ? ErrorResponse(Unavailable("the server is stopping"))
                               : ErrorResponse(Internal("a stream without a source"));
      res.stream.reset();  // HEAD: the headers of the stream, no body
    }
    if (res.websocket && ++shared_->websockets > shared_->options.max_websockets) {
      --shared_->websockets;  // each holds a socket and a session: refuse, do not fall over
      log::Warn("websocket.refused reason=capacity max={}", shared_->options.max_websockets);
      res = ErrorResponse(Unavailable("too many open WebSocket connections; try again shortly"));
      res.headers.emplace_back("Retry-After", "5");
    }
    if (res.websocket) {
      if (!shared_->stopping && in.method() == bhttp::verb::get)
        return UpgradeWebSocket(std::move(in), std::move(res.websocket));
      --shared_->websockets;
      res = shared_->stopping ? ErrorResponse(Unavailable("the server is stopping"))
                              : ErrorResponse(Internal("a WebSocket upgrade answered a non-GET"));
    }
    bool keep_alive = in.keep_alive() && !shared_->stopping;
    bool head = in.method() == bhttp::verb::head;
    Send(std::move(res), in.version(), keep_alive, head, req.path);
  }

  // A status the server can send; else a 500 naming the request.
  Response Checked(Response res) {
    if (res.status < 100 || res.status > 999) {
      log::Error("http_bad_status id={} route={} status={}", pending_.request_id, pending_.route,
                 res.status);
      res =
          ErrorResponse(Internal("the server failed to answer; request id " + pending_.request_id));
    }
    return res;
  }

  // The handler answered Response::Later: the answer comes later, from another thread (e.g. the
  // login pool), and is sent from this connection's strand. Meanwhile the connection reads
  // nothing more (pipelined requests stay in order) and this server thread is free.
  void Defer(std::function<void(Responder)> start, unsigned version, bool keep_alive, bool head,
             std::string path) {
    auto answered = std::make_shared<std::atomic<bool>>(false);
    Responder done = [self = shared_from_this(), answered, version, keep_alive, head,
                      path = std::move(path)](Response res) {
      if (answered->exchange(true)) return;  // once
      asio::post(self->stream_.get_executor(),
                 [self, res = std::move(res), version, keep_alive, head, path]() mutable {
                   self->FinishDeferred(std::move(res), version, keep_alive, head, path);
                 });
    };
    try {
      start(done);
    } catch (const std::exception& e) {
      log::Error("http_handler_exception id={} method={} route={} what={}", pending_.request_id,
                 pending_.method, pending_.route, e.what());
      done(ErrorResponse(
          Internal("the server failed to answer; request id " + pending_.request_id)));
    }
  }

  void FinishDeferred(Response res, unsigned version, bool keep_alive, bool head,
                      const std::string& path) {
    res = Checked(std::move(res));
    if (res.websocket || res.deferred || res.stream) {
      log::Error("http_bad_deferred id={} route={}", pending_.request_id, pending_.route);
      res =
          ErrorResponse(Internal("the server failed to answer; request id " + pending_.request_id));
    }
    Send(std::move(res), version, keep_alive && !shared_->stopping, head, path);
  }

  // The handler answered UpgradeToWebSocket (http/websocket.h): the connection becomes a
  // WebSocket, which keeps this session alive (registered for Stop) until it ends.
  void UpgradeWebSocket(bhttp::request<bhttp::string_body> in,
                        std::shared_ptr<WebSocketHandler> handler) {
    state_ = State::kWebSocket;
    pending_.status = 101;
    Record();
    // on_done runs when the WebSocket has ended: the slot is free again.
    auto slot = std::shared_ptr<void>(nullptr, [shared = shared_](void*) { --shared->websockets; });
    internal::WebSocketStart start{pending_.request_id, shared_->Timeout(),
                                   [self = shared_from_this(), slot] {}};
    websocket_ = internal::StartWebSocket(std::move(stream_), std::move(in), std::move(handler),
                                          std::move(start));
  }

  // An error before a request could be routed: answer and close the connection.
  void WriteError(Response res) {
    if (pending_.request_id.empty()) {
      std::string_view given_id =
          parser_ && parser_->is_header_done() ? Std(parser_->get()["X-Request-Id"]) : "";
      pending_.request_id = SaneRequestId(given_id) ? std::string(given_id) : NewRequestId();
    }
    Send(std::move(res), 11, false, false, "");
  }

  // The status line and headers of `res`, with the ones the server adds to every answer.
  template <typename Body>
  void SetHeaders(bhttp::response<Body>& out, const Response& res, unsigned version,
                  std::string_view path) const {
    out.version(version);
    out.result(static_cast<unsigned>(res.status));
    for (const auto& [name, value] : res.headers) {
      if (!HeaderName(name) || !HeaderValue(value)) continue;
      // One Retry-After: the handler's own replaces ErrorResponse's default.
      if (EqualsIgnoreCase(name, "Retry-After"))
        out.set(bhttp::field::retry_after, value);
      else
        out.insert(name, value);
    }
    if (!res.content_type.empty() && HeaderValue(res.content_type))
      out.set(bhttp::field::content_type, res.content_type);
    out.set("X-Request-Id", pending_.request_id);
    out.set("X-Content-Type-Options", "nosniff");
    out.set("Referrer-Policy", "no-referrer");
    out.set("X-Frame-Options", "DENY");
    if (path.rfind("/api/", 0) == 0) out.set(bhttp::field::cache_control, "no-store");
  }

  void Send(Response res, unsigned version, bool keep_alive, bool head, std::string_view path) {
    state_ = State::kWriting;
    pending_.status = res.status;
    auto out = std::make_shared<bhttp::response<bhttp::string_body>>();
    SetHeaders(*out, res, version, path);
    out->keep_alive(keep_alive);
    out->body() = std::move(res.body);
    out->prepare_payload();
    if (head) out->body().clear();  // Content-Length stays that of the GET answer
    stream_.expires_after(shared_->Timeout());
    bhttp::async_write(stream_, *out,
                       [self = shared_from_this(), out, keep_alive](beast::error_code ec, size_t) {
                         self->OnWritten(ec, keep_alive);
                       });
  }

  void OnWritten(beast::error_code ec, bool keep_alive) {
    Record();
    if (ec) return Close();
    if (!keep_alive) return Linger();
    ReadHeader();
  }

  // A streamed answer (Response::Stream): the header, then each piece the source gives as a
  // chunk (HTTP/1.0: raw, ended by closing), then the last chunk and the end of the connection.
  // The client sends nothing more; WatchClient notices when it goes. Recorded once, at the end.
  void StartStream(Response res, unsigned version, std::string_view path) {
    state_ = State::kStreaming;
    pending_.status = res.status;
    events_ = std::move(res.stream);
    tick_.emplace(stream_.get_executor());
    chunked_ = version >= 11;
    auto out = std::make_shared<bhttp::response<bhttp::empty_body>>();
    SetHeaders(*out, res, version, path);
    out->set(bhttp::field::cache_control, "no-store");
    out->keep_alive(false);
    if (chunked_) out->chunked(true);
    auto serializer = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*out);
    writing_ = true;
    stream_.expires_after(shared_->Timeout());
    bhttp::async_write_header(
        stream_, *serializer,
        [self = shared_from_this(), out, serializer](beast::error_code ec, size_t) {
          self->writing_ = false;
          if (ec) return self->StreamGone();
          self->WatchClient();
          self->StreamNext();
        });
  }

  // Reads the socket itself (outside the write deadlines of stream_): what a client sends is
  // discarded; its end, or an error, means it has gone.
  void WatchClient() {
    if (!scratch_) scratch_ = std::make_unique<std::array<char, 16 * 1024>>();
    stream_.socket().async_read_some(asio::buffer(*scratch_),
                                     [self = shared_from_this()](beast::error_code ec, size_t) {
                                       if (!ec) return self->WatchClient();
                                       self->StreamGone();
                                     });
  }

  void StreamNext() {
    if (stream_done_ || ending_) return;
    if (shared_->stopping) return EndStream();
    std::optional<std::string> piece;
    try {
      piece = events_->next();
    } catch (const std::exception& e) {
      log::Error("http_stream_exception id={} route={} what={}", pending_.request_id,
                 pending_.route, e.what());
    }
    if (!piece) return EndStream();
    if (piece->empty()) return StreamWait();
    auto bytes = std::make_shared<std::string>(std::move(*piece));
    auto written = [self = shared_from_this(), bytes](beast::error_code ec, size_t) {
      self->writing_ = false;
      if (ec) return self->StreamGone();
      self->StreamWait();
    };
    writing_ = true;
    stream_.expires_after(shared_->Timeout());
    if (chunked_)
      asio::async_write(stream_, bhttp::make_chunk(asio::buffer(*bytes)), std::move(written));
    else
      asio::async_write(stream_, asio::buffer(*bytes), std::move(written));
  }

  void StreamWait() {
    if (stream_done_ || ending_) return;
    if (shared_->stopping) return EndStream();
    tick_->expires_after(events_->every);
    tick_->async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->StreamNext();  // cancelled: ended or gone
    });
  }

  // The end of the body, then of the connection: the client closes in turn (WatchClient), or
  // is closed after a short linger.
  void EndStream() {
    if (stream_done_ || ending_) return;
    ending_ = true;
    tick_->cancel();
    auto finish = [self = shared_from_this()](beast::error_code ec, size_t) {
      self->writing_ = false;
      if (ec) return self->StreamGone();
      self->RecordStream();
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      auto linger = std::min<std::chrono::milliseconds>(
          self->shared_->Timeout(), self->shared_->stopping ? kStopLinger : kMaxLinger);
      self->tick_->expires_after(linger);
      self->tick_->async_wait([self](beast::error_code ec) {
        if (!ec) self->StreamGone();
      });
    };
    writing_ = true;
    stream_.expires_after(shared_->Timeout());
    if (chunked_)
      asio::async_write(stream_, bhttp::make_chunk_last(), std::move(finish));
    else
      asio::post(stream_.get_executor(),
                 [finish = std::move(finish)]() mutable { finish(beast::error_code{}, 0); });
  }

  void StreamGone() {
    if (stream_done_) return;
    stream_done_ = true;
    if (tick_) tick_->cancel();
    Close();
    RecordStream();
  }

  void RecordStream() {
    if (stream_recorded_) return;
    stream_recorded_ = true;
    Record();
  }

  // Metrics and the log line of the answered request.
  void Record() {
    std::string route = pending_.route.empty() ? "unmatched" : pending_.route;
    std::string status = std::to_string(pending_.status);
    shared_->requests.With({pending_.method, route, status}).Inc();
    double seconds = std::chrono::duration<double>(Clock::now() - pending_.start).count();
    shared_->duration.With({route}).Observe(seconds);
    if (pending_.status >= 500)
      log::Warn("http_request id={} method={} route={} status={} ms={:.1f}", pending_.request_id,
                pending_.method, route, status, seconds * 1e3);
    else
      log::Debug("http_request id={} method={} route={} status={} ms={:.1f}", pending_.request_id,
                 pending_.method, route, status, seconds * 1e3);
  }

  // Half-closes, then discards what the client still sends (e.g. the rest of a body over the
  // limit) until it closes too, so that it reads our answer instead of a connection reset.
  void Linger() {
    state_ = State::kLingering;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    // Stopping servers wait less: the answer is out, only a reset could still spoil it.
    auto linger = std::min<std::chrono::milliseconds>(shared_->Timeout(),
                                                      shared_->stopping ? kStopLinger : kMaxLinger);
    stream_.expires_after(linger);
    if (!scratch_) scratch_ = std::make_unique<std::array<char, 16 * 1024>>();
    stream_.async_read_some(asio::buffer(*scratch_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->Close();
                              self->LingerMore();
                            });
  }
  void LingerMore() {
    stream_.async_read_some(asio::buffer(*scratch_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->Close();
                              self->LingerMore();
                            });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<Shared> shared_;
  std::string remote_;
  State state_ = State::kReadingHeader;
  Pending pending_;
  size_t body_limit_ = 0;  // of the request being read: the route's or the server's
  std::unique_ptr<std::array<char, 16 * 1024>> scratch_;
  std::weak_ptr<internal::WebSocketSession> websocket_;  // in State::kWebSocket
  // State::kStreaming: the source, its timer (then the linger), and where the stream is.
  std::shared_ptr<EventStream> events_;
  std::optional<asio::steady_timer> tick_;
  bool chunked_ = false;
  bool writing_ = false;      // a write of the stream is in progress
  bool ending_ = false;       // the last chunk is written or being written
  bool stream_done_ = false;  // closed
  bool stream_recorded_ = false;
};

struct Server::State {
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::acceptor acceptor;
  std::shared_ptr<Shared> shared;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  std::mutex stop_mu;
  bool stopped = false;  // guarded by stop_mu

  asio::steady_timer retry;  // on the acceptor's strand

  explicit State(int threads_hint)
      : ioc(threads_hint), acceptor(asio::make_strand(ioc)), retry(acceptor.get_executor()) {}

  void Accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted || shared->stopping) return;
      if (!ec) {
        std::make_shared<Session>(std::move(s), shared)->Run();
        return Accept();
      }
      // E.g. out of file descriptors: pause rather than spin.
      log::Warn("http_accept_failed error=\"{}\" retry_ms=100", ec.message());
      retry.expires_after(std::chrono::milliseconds(100));
      retry.async_wait([this](beast::error_code ec) {
        if (!ec && !shared->stopping) Accept();
      });
    });
  }
};

Server::Server(std::unique_ptr<State> state) : state_(std::move(state)) {}

Server::~Server() { Stop(); }

uint16_t Server::port() const { return state_->port; }

Result<std::unique_ptr<Server>> Server::Start(ServerOptions options,
                                              std::shared_ptr<const Router> router,
                                              Metrics& metrics) {
  if (!router) return InvalidArgument("http server: no router");
  if (options.threads < 1 || options.threads > 256)
    return InvalidArgument("server.threads must be between 1 and 256, got " +
                           std::to_string(options.threads));
  if (options.max_body_bytes == 0) return InvalidArgument("server.max_body_bytes must be > 0");
  if (options.request_timeout_ms <= 0)
    return InvalidArgument("server.request_timeout_ms must be > 0");
  if (options.max_header_bytes < 1024)
    return InvalidArgument("http server: max_header_bytes must be at least 1024");
  beast::error_code ec;
  auto address = asio::ip::make_address(options.host, ec);
  if (ec)
    return InvalidArgument("server.http: '" + options.host +
                           "' is not an IP address (use e.g. 127.0.0.1 or 0.0.0.0)");
  std::string where = options.host + ":" + std::to_string(options.port);

  auto state = std::make_unique<State>(options.threads);
  tcp::endpoint endpoint(address, options.port);
  auto& acceptor = state->acceptor;
  if (acceptor.open(endpoint.protocol(), ec); ec)
    return Unavailable("cannot open a socket for " + where + ": " + ec.message());
  if (acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec)
    return Unavailable("cannot set SO_REUSEADDR on " + where + ": " + ec.message());
  if (acceptor.bind(endpoint, ec); ec)
    return Unavailable("cannot listen on " + where + ": " + ec.message() +
                       " (is another server running? change server.http)");
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec)
    return Unavailable("cannot listen on " + where + ": " + ec.message());
  state->port = acceptor.local_endpoint(ec).port();
  if (ec) return Unavailable("cannot read the bound port of " + where + ": " + ec.message());

  state->shared = std::make_shared<Shared>(std::move(options), std::move(router), metrics);
  state->work.emplace(state->ioc.get_executor());
  State* s = state.get();
  asio::post(s->acceptor.get_executor(), [s] { s->Accept(); });
  for (int i = 0; i < s->shared->options.threads; ++i) {
    s->threads.emplace_back([s] {
      while (true) {
        try {
          s->ioc.run();
          return;
        } catch (const std::exception& e) {
          log::Error("http_loop_exception what=\"{}\"", e.what());
        }
      }
    });
  }
  log::Info("http_listening address={}:{} threads={}", s->shared->options.host, s->port,
            s->shared->options.threads);
  return std::make_unique<Server>(std::move(state));
}

void Server::Stop() {
  State& s = *state_;
  std::lock_guard stop_lock(s.stop_mu);
  if (s.stopped) return;
  s.stopped = true;
  s.shared->stopping = true;
  asio::post(s.acceptor.get_executor(), [&s] {
    beast::error_code ec;
    s.acceptor.close(ec);
    s.retry.cancel();
  });
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(s.shared->mu);
    for (auto& [_, weak] : s.shared->sessions)
      if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  for (auto& session : live) session->OnStop();
  live.clear();
  {
    std::unique_lock lock(s.shared->mu);
    auto deadline = Clock::now() + s.shared->Timeout() + kMaxLinger;
    s.shared->sessions_gone.wait_until(lock, deadline, [&] { return s.shared->sessions.empty(); });
  }
  s.work.reset();
  s.ioc.stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  beast::error_code ec;
  s.acceptor.close(ec);  // in case the posted close never ran
  log::Info("http_stopped port={}", s.port);
}

Result<ServerOptions> ServerOptionsFromConfig(const ServerConfig& config) {
  ServerOptions o;
  const std::string& http = config.http;
  size_t colon = http.rfind(':');
  std::string host = colon == std::string::npos ? "" : http.substr(0, colon);
  std::string port = colon == std::string::npos ? "" : http.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  bool ok = !host.empty() && !port.empty() && port.size() <= 5 &&
            std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
            std::stol(port) <= 65535;
  if (!ok) return InvalidArgument("server.http must be HOST:PORT, got '" + http + "'");
  o.max_websockets = static_cast<size_t>(config.max_websockets);
  o.host = host;
  o.port = static_cast<uint16_t>(std::stol(port));
  o.threads = config.threads;
  o.max_body_bytes = static_cast<size_t>(config.max_body_bytes);
  o.request_timeout_ms = config.request_timeout_ms;
  return o;
}

}  // namespace zx::http
