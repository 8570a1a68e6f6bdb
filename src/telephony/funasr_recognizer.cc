#include <utility>  // before any Asio header (Boost 1.74 with GCC 12)

#include "telephony/funasr_recognizer.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <deque>
#include <exception>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "base/log.h"
#include "telephony/media.h"
#include "telephony/resampler.h"

namespace zx::telephony {

Result<WebSocketUrl> ParseWebSocketUrl(std::string_view url) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument("speech recognition url '" + std::string(url) + "': " + why);
  };
  if (url.empty())
    return InvalidArgument("speech recognition url is empty (expected ws://host:port)");
  for (char c : url)
    if (static_cast<unsigned char>(c) <= ' ') return bad("contains spaces or control characters");

  WebSocketUrl out;
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos)
    return bad("no scheme (expected ws://host:port or wss://host:port)");
  std::string scheme(url.substr(0, scheme_end));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme == "ws") {
    out.tls = false;
  } else if (scheme == "wss") {
    out.tls = true;
  } else {
    return bad("scheme '" + scheme + "' is not ws or wss");
  }

  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find('#') != std::string_view::npos) return bad("a fragment (#...) is not allowed");
  size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  if (path_start == std::string_view::npos) {
    out.target = "/";
  } else {
    out.target = std::string(rest.substr(path_start));
    if (out.target[0] == '?') out.target.insert(out.target.begin(), '/');
  }
  if (authority.find('@') != std::string_view::npos)
    return bad("user names and passwords in the url are not supported");
  if (authority.empty()) return bad("no host");

  std::string_view port_text;
  bool has_port = false;
  if (authority.front() == '[') {  // [IPv6]:port
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("'[' without ']' around an IPv6 address");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("unexpected '" + std::string(after) + "' after ']'");
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    size_t colon = authority.find(':');
    if (colon != std::string_view::npos && authority.find(':', colon + 1) != std::string_view::npos)
      return bad("an IPv6 address needs brackets, e.g. ws://[::1]:10095");
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
  }
  if (out.host.empty()) return bad("no host");
  if (has_port) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
        value == 0 || value > 65535)
      return bad("port '" + std::string(port_text) + "' is not a number from 1 to 65535");
    out.port = static_cast<uint16_t>(value);
  } else {
    out.port = out.tls ? 443 : 80;
  }
  return out;
}

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kEngineRate = 16000;             // what FunASR's models take
constexpr size_t kMaxServerMessage = 1 << 20;  // one result; sentence time stamps included

class FunAsrRecognizer;
class Session;

// What a stream's handle (caller threads) and its session (the I/O thread) share.
struct StreamState {
  StreamState(uint64_t id_, std::string name_, std::vector<std::string> hotwords_,
              RecognitionHandler* handler_, FunAsrRecognizer* recognizer_)
      : id(id_),
        name(std::move(name_)),
        hotwords(std::move(hotwords_)),
        handler(handler_),
        recognizer(recognizer_) {}

  const uint64_t id;
  const std::string name;
  const std::vector<std::string> hotwords;
  RecognitionHandler* const handler;
  // Valid while `closed` is false: the recognizer closes every stream before it goes away, so
  // whoever sees `closed == false` under `mutex` may post to its I/O thread.
  FunAsrRecognizer* const recognizer;

  std::mutex mutex;  // guards the fields below
  std::unique_ptr<Resampler> resampler;
  std::vector<int16_t> pending;  // 16 kHz audio the I/O thread has not taken yet
  size_t queued_samples = 0;     // pending plus taken but not yet written to the socket
  bool finish_requested = false;
  bool closed = false;  // cancelled, failed or ended: nothing more goes to the I/O thread
  bool pump_posted = false;

  std::atomic<bool> cancelled{false};
  // Held while the handler runs, so that Cancel() can wait for a callback in progress.
  // Recursive: a handler may cancel its own stream.
  std::recursive_mutex callback_mutex;

  std::weak_ptr<Session> session;  // I/O thread only
};

// The text of a server message for an error message: short, and cut at a UTF-8 boundary.
std::string Excerpt(std::string_view s) {
  constexpr size_t kMax = 60;
  if (s.size() <= kMax) return std::string(s);
  size_t n = kMax;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n)) + "...";
}

std::string Millis(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

std::string HostPort(const WebSocketUrl& url) {
  bool ipv6 = url.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + url.host + "]" : url.host) + ":" + std::to_string(url.port);
}

std::string DisplayUrl(const WebSocketUrl& url) {
  std::string path = url.target.substr(0, url.target.find('?'));
  if (path == "/") path.clear();
  return (url.tls ? "wss://" : "ws://") + HostPort(url) + path;
}

class FunAsrRecognizer final : public SpeechRecognizer {
 public:
  FunAsrRecognizer(FunAsrOptions options, WebSocketUrl url, std::unique_ptr<ssl::context> tls);
  ~FunAsrRecognizer() override;

  std::unique_ptr<RecognitionStream> Open(const RecognitionOptions& options,
                                          RecognitionHandler* handler) override;

  // For streams: runs `event` on the stream's session on the I/O thread. Call with the state's
  // mutex held and `closed` false (see StreamState::recognizer).
  void PostEvent(const std::shared_ptr<StreamState>& state, void (Session::*event)());

  const FunAsrOptions& options() const { return options_; }
  const WebSocketUrl& url() const { return url_; }
  // The server's URL for messages and logs, without a query (it may hold a token).
  const std::string& url_text() const { return url_text_; }
  size_t chunk_samples() const { return chunk_samples_; }
  size_t max_queued_samples() const { return max_queued_samples_; }
  asio::io_context& io() { return ioc_; }
  ssl::context& tls() { return *tls_; }
  std::string StartMessage(const StreamState& state) const;

  // I/O thread only.
  void Forget(uint64_t id) { sessions_.erase(id); }

 private:
  void Start(const std::shared_ptr<StreamState>& state);
  void Shutdown();

  const FunAsrOptions options_;
  const WebSocketUrl url_;
  const std::string url_text_;
  const size_t chunk_samples_;
  const size_t max_queued_samples_;
  // Before ioc_: sessions destroyed with ioc_'s pending handlers may still hold TLS streams.
  std::unique_ptr<ssl::context> tls_;
  asio::io_context ioc_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::unordered_map<uint64_t, std::shared_ptr<Session>> sessions_;  // I/O thread only
  std::atomic<uint64_t> next_id_{1};
  std::thread thread_;
};

// One stream's connection and protocol state, on the I/O thread. The transport (ws:// or
// wss://) is below, in Connection.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(FunAsrRecognizer& recognizer, std::shared_ptr<StreamState> state)
      : recognizer_(recognizer),
        state_(std::move(state)),
        connect_timer_(recognizer.io()),
        final_timer_(recognizer.io()) {}
  virtual ~Session() = default;

  // Starts connecting, unless the stream was closed before it got here.
  void Begin() {
    {
      std::lock_guard lock(state_->mutex);
      if (state_->closed) return;  // its Abort or Overflow event follows
    }
    connect_timer_.expires_after(recognizer_.options().connect_timeout);
    connect_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->done_ || self->open_) return;
      self->Fail(RecognitionErrorCode::kTimeout,
                 "connecting to " + self->recognizer_.url_text() + ": no answer within " +
                     Millis(self->recognizer_.options().connect_timeout));
    });
    Connect();
  }

  // Takes the audio fed so far and, once connected, sends it in frames; after Finish() also
  // the end of audio, and starts waiting for the final result.
  void Pump() {
    if (done_) return;
    std::vector<int16_t> taken;
    bool finish = false;
    {
      std::lock_guard lock(state_->mutex);
      state_->pump_posted = false;
      finish = state_->finish_requested;
      if (open_) taken.swap(state_->pending);
    }
    if (finish && !finishing_) {
      finishing_ = true;
      finish_time_ = Clock::now();
      final_timer_.expires_after(recognizer_.options().final_timeout);
      final_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (ec || self->done_) return;
        self->Fail(RecognitionErrorCode::kTimeout,
                   "no final result from " + self->recognizer_.url_text() + " within " +
                       Millis(self->recognizer_.options().final_timeout) + " of the end of audio");
      });
    }
    if (!open_) return;  // kept in the stream's buffer until connected

    unsent_.insert(unsent_.end(), taken.begin(), taken.end());
    const size_t chunk = recognizer_.chunk_samples();
    size_t offset = 0;
    while (unsent_.size() - offset >= chunk || (finish && offset < unsent_.size())) {
      size_t n = std::min(chunk, unsent_.size() - offset);
      std::string frame(n * 2, '\0');
      for (size_t i = 0; i < n; ++i) {  // s16le whatever the host's byte order
        auto v = static_cast<uint16_t>(unsent_[offset + i]);
        frame[2 * i] = static_cast<char>(v & 0xFF);
        frame[2 * i + 1] = static_cast<char>(v >> 8);
      }
      outbox_.push_back({std::move(frame), false, n});
      offset += n;
    }
    unsent_.erase(unsent_.begin(), unsent_.begin() + static_cast<ptrdiff_t>(offset));
    if (finish && !end_sent_) {
      outbox_.push_back({R"({"is_speaking":false})", true, 0});
      end_sent_ = true;
    }
    WriteNext();
  }

  // Cancel(): ends without a callback.
  void Abort() { End(std::nullopt, /*notify=*/false); }

  // Feed() found too much audio waiting.
  void Overflow() {
    Fail(RecognitionErrorCode::kOverloaded,
         "more than " + Millis(recognizer_.options().max_backlog) +
             " of audio waiting to be sent to " + recognizer_.url_text());
  }

  void Fail(RecognitionErrorCode code, std::string message) {
    End(RecognitionError{code, std::move(message)}, /*notify=*/true);
  }

 protected:
  // The transport. Connect: resolve, TCP, TLS, WebSocket handshake, then Opened() or Fail().
  // Write: one message at a time, then OnWritten(). Read: one message, then OnMessage() or
  // OnReadError(). Close: a closing handshake (bounded by connect_timeout) or at once.
  virtual void Connect() = 0;
  virtual void Write(const std::string& data, bool text) = 0;
  virtual void Read() = 0;
  virtual void Close(bool graceful) = 0;

  void Opened() {
    if (done_) return;
    open_ = true;
    connect_timer_.cancel();
    outbox_.push_back({recognizer_.StartMessage(*state_), true, 0});
    Read();
    Pump();  // the audio buffered while connecting, and the end if Finish() came already
  }

  void OnWritten(beast::error_code ec) {
    writing_ = false;
    size_t samples = outbox_.front().samples;
    outbox_.pop_front();
    {
      std::lock_guard lock(state_->mutex);
      state_->queued_samples -= std::min(samples, state_->queued_samples);
    }
    if (done_) return;
    if (ec) {
      Fail(RecognitionErrorCode::kConnectionLost,
           "sending to " + recognizer_.url_text() + ": " + ec.message());
      return;
    }
    WriteNext();
  }

  void OnMessage(bool text, std::string_view payload) {
    if (done_) return;
    if (!text) {
      Fail(RecognitionErrorCode::kProtocolError,
           recognizer_.url_text() + " sent a binary message (" + std::to_string(payload.size()) +
               " bytes) where FunASR sends JSON text");
      return;
    }
    json message = json::parse(payload, nullptr, /*allow_exceptions=*/false);
    if (message.is_discarded() || !message.is_object()) {
      // Sizes only: a payload may carry what the caller said.
      Fail(RecognitionErrorCode::kProtocolError, recognizer_.url_text() + " sent malformed JSON (" +
                                                     std::to_string(payload.size()) + " bytes)");
      return;
    }
    std::string mode, result_text;
    bool is_final = false;
    if (auto it = message.find("mode"); it != message.end() && !it->is_null()) {
      if (!it->is_string()) return BadField("mode");
      mode = it->get<std::string>();
    }
    if (auto it = message.find("text"); it != message.end() && !it->is_null()) {
      if (!it->is_string()) return BadField("text");
      result_text = it->get<std::string>();
    }
    if (auto it = message.find("is_final"); it != message.end() && !it->is_null()) {
      if (it->is_boolean()) {
        is_final = it->get<bool>();
      } else if (it->is_number_integer()) {
        is_final = it->get<int64_t>() != 0;
      } else {
        return BadField("is_final");
      }
    }

    if (mode == "online" || mode == "2pass-online") {
      pieces_ += result_text;  // a new piece of the sentence being spoken
    } else if (mode == "offline" || mode == "2pass-offline") {
      sentences_ += result_text;  // a whole sentence, replacing its pieces
      pieces_.clear();
    } else if (!mode.empty()) {
      log::Debug("asr.unknown_mode stream={} mode={}", state_->name, Excerpt(mode));
    }

    // The end: "is_final" after our end of audio, or the offline server's single answer.
    if (end_sent_ && (is_final || mode == "offline")) {
      End(std::nullopt, /*notify=*/true);
      return;
    }
    if (!result_text.empty()) {
      RecognitionResult partial{sentences_ + pieces_, false};
      Deliver([&](RecognitionHandler& h) { h.OnPartial(partial); });
    }
    if (!done_) Read();
  }

  void OnReadError(beast::error_code ec, const websocket::close_reason& reason) {
    if (done_) return;
    if (ec == websocket::error::closed) {
      std::string why = "close code " + std::to_string(static_cast<int>(reason.code));
      if (!reason.reason.empty()) why += ", " + Excerpt(reason.reason.c_str());
      Fail(RecognitionErrorCode::kConnectionLost,
           recognizer_.url_text() + " closed the connection before the final result (" + why + ")");
    } else if (ec == websocket::condition::protocol_violation ||
               ec == websocket::error::message_too_big) {
      Fail(RecognitionErrorCode::kProtocolError,
           recognizer_.url_text() + " broke the WebSocket protocol: " + ec.message());
    } else {
      Fail(RecognitionErrorCode::kConnectionLost,
           "connection to " + recognizer_.url_text() +
               " lost before the final result: " + ec.message());
    }
  }

  FunAsrRecognizer& recognizer_;
  std::shared_ptr<StreamState> state_;
  bool open_ = false;  // the WebSocket handshake is done
  bool done_ = false;  // the stream has ended; callbacks delivered; closing

 private:
  struct Outgoing {
    std::string data;
    bool text;
    size_t samples;  // audio samples in a binary frame
  };

  void BadField(const char* field) {
    Fail(RecognitionErrorCode::kProtocolError,
         recognizer_.url_text() + " sent a result whose \"" + field + "\" has the wrong type");
  }

  void WriteNext() {
    if (done_ || writing_ || outbox_.empty()) return;
    writing_ = true;
    Write(outbox_.front().data, outbox_.front().text);
  }

  template <typename Call>
  void Deliver(Call&& call) {
    std::lock_guard lock(state_->callback_mutex);
    if (state_->cancelled.load()) return;
    call(*state_->handler);
  }

  // The one way a stream ends: final result (no error), error, or cancelled (no notify).
  void End(std::optional<RecognitionError> error, bool notify) {
    if (done_) return;
    auto self = shared_from_this();  // Forget() may drop the last other reference
    done_ = true;
    {
      std::lock_guard lock(state_->mutex);
      state_->closed = true;
      std::vector<int16_t>().swap(state_->pending);
    }
    connect_timer_.cancel();
    final_timer_.cancel();
    recognizer_.Forget(state_->id);
    Close(/*graceful=*/!error.has_value());
    if (!notify) {
      log::Debug("asr.cancelled stream={}", state_->name);
      return;
    }
    if (error) {
      log::Warn("asr.error stream={} code={} {}", state_->name,
                RecognitionErrorCodeName(error->code), error->message);
      Deliver([&](RecognitionHandler& h) { h.OnError(*error); });
    } else {
      auto latency =
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - finish_time_);
      log::Debug("asr.final stream={} latency_ms={}", state_->name, latency.count());
      RecognitionResult final_result{sentences_ + pieces_, true};
      Deliver([&](RecognitionHandler& h) { h.OnFinal(final_result); });
    }
  }

  asio::steady_timer connect_timer_;
  asio::steady_timer final_timer_;
  std::deque<Outgoing> outbox_;
  std::vector<int16_t> unsent_;  // less than one frame, waiting for more
  bool writing_ = false;
  bool finishing_ = false;  // Finish() seen: the final timer runs
  bool end_sent_ = false;   // {"is_speaking":false} queued
  Clock::time_point finish_time_;
  std::string sentences_;  // "offline" results so far
  std::string pieces_;     // "online" pieces since the last sentence
};

// The transport: ws:// (kTls false) or wss:// over Beast.
template <bool kTls>
class Connection final : public Session {
  using Ws = std::conditional_t<kTls, websocket::stream<beast::ssl_stream<beast::tcp_stream>>,
                                websocket::stream<beast::tcp_stream>>;

 public:
  Connection(FunAsrRecognizer& recognizer, std::shared_ptr<StreamState> state)
      : Session(recognizer, std::move(state)), resolver_(recognizer.io()) {
    if constexpr (kTls) {
      ws_.emplace(recognizer.io(), recognizer.tls());
    } else {
      ws_.emplace(recognizer.io());
    }
  }

 protected:
  void Connect() override {
    const WebSocketUrl& url = recognizer_.url();
    resolver_.async_resolve(
        url.host, std::to_string(url.port),
        [self = Self()](beast::error_code ec, tcp::resolver::results_type results) {
          if (self->done_) return;
          if (ec) {
            self->Fail(RecognitionErrorCode::kConnectFailed,
                       "resolving " + self->recognizer_.url().host + ": " + ec.message());
            return;
          }
          beast::get_lowest_layer(*self->ws_)
              .async_connect(
                  results, [self](beast::error_code ec, const tcp::endpoint&) { self->OnTcp(ec); });
        });
  }

  void Write(const std::string& data, bool text) override {
    ws_->text(text);
    ws_->async_write(asio::buffer(data),
                     [self = Self()](beast::error_code ec, size_t) { self->OnWritten(ec); });
  }

  void Read() override {
    ws_->async_read(buffer_, [self = Self()](beast::error_code ec, size_t) {
      if (ec) {
        self->OnReadError(ec, self->ws_->reason());
        return;
      }
      std::string payload = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      self->OnMessage(self->ws_->got_text(), payload);
    });
  }

  void Close(bool graceful) override {
    resolver_.cancel();
    if (graceful && open_ && ws_->is_open()) {
      // Bounded by the stream's handshake timeout (connect_timeout); the socket closes after.
      ws_->async_close(websocket::close_code::normal, [self = Self()](beast::error_code) {});
      return;
    }
    beast::get_lowest_layer(*ws_).close();
  }

 private:
  std::shared_ptr<Connection> Self() {
    return std::static_pointer_cast<Connection>(shared_from_this());
  }

  void OnTcp(beast::error_code ec) {
    if (done_) return;
    if (ec) {
      Fail(RecognitionErrorCode::kConnectFailed,
           "connecting to " + recognizer_.url_text() + ": " + ec.message());
      return;
    }
    beast::error_code ignored;
    beast::get_lowest_layer(*ws_).socket().set_option(tcp::no_delay(true), ignored);
    if constexpr (kTls) {
      const std::string& host = recognizer_.url().host;
      auto& tls_stream = ws_->next_layer();
      beast::error_code not_an_address;
      asio::ip::make_address(host, not_an_address);
      if (not_an_address)  // SNI carries names only
        SSL_set_tlsext_host_name(tls_stream.native_handle(), host.c_str());
      if (recognizer_.options().tls_verify) {
        tls_stream.set_verify_mode(ssl::verify_peer);
        tls_stream.set_verify_callback(ssl::host_name_verification(host));
      } else {
        tls_stream.set_verify_mode(ssl::verify_none);
      }
      tls_stream.async_handshake(ssl::stream_base::client, [self = Self()](beast::error_code ec) {
        if (self->done_) return;
        if (ec) {
          self->Fail(RecognitionErrorCode::kConnectFailed,
                     "TLS handshake with " + self->recognizer_.url_text() + ": " + ec.message());
          return;
        }
        self->Handshake();
      });
    } else {
      Handshake();
    }
  }

  void Handshake() {
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = recognizer_.options().connect_timeout;
    timeouts.idle_timeout = websocket::stream_base::none();  // the server is quiet while we talk
    timeouts.keep_alive_pings = false;
    ws_->set_option(timeouts);
    ws_->set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "zhixian"); }));
    ws_->read_message_max(kMaxServerMessage);
    const WebSocketUrl& url = recognizer_.url();
    ws_->async_handshake(
        response_, HostPort(url), url.target, [self = Self()](beast::error_code ec) {
          if (self->done_) return;
          if (ec == websocket::error::upgrade_declined) {
            self->Fail(RecognitionErrorCode::kConnectFailed,
                       self->recognizer_.url_text() + " declined the WebSocket upgrade (HTTP " +
                           std::to_string(self->response_.result_int()) + ")");
            return;
          }
          if (ec) {
            self->Fail(
                RecognitionErrorCode::kConnectFailed,
                "WebSocket handshake with " + self->recognizer_.url_text() + ": " + ec.message());
            return;
          }
          self->Opened();
        });
  }

  tcp::resolver resolver_;
  std::optional<Ws> ws_;
  beast::flat_buffer buffer_;
  websocket::response_type response_;
};

// The caller's handle.
class FunAsrStream final : public RecognitionStream {
 public:
  explicit FunAsrStream(std::shared_ptr<StreamState> state) : state_(std::move(state)) {}
  ~FunAsrStream() override { Cancel(); }

  void Feed(const int16_t* samples, size_t count) override {
    if (count == 0) return;
    StreamState& s = *state_;
    std::lock_guard lock(s.mutex);
    if (s.closed || s.finish_requested || !s.resampler) return;
    std::vector<int16_t> wide = s.resampler->Process(samples, count);
    s.pending.insert(s.pending.end(), wide.begin(), wide.end());
    s.queued_samples += wide.size();
    if (s.queued_samples > s.recognizer->max_queued_samples()) {
      s.closed = true;
      std::vector<int16_t>().swap(s.pending);
      s.recognizer->PostEvent(state_, &Session::Overflow);
      return;
    }
    if (!s.pump_posted && s.pending.size() >= s.recognizer->chunk_samples()) {
      s.pump_posted = true;
      s.recognizer->PostEvent(state_, &Session::Pump);
    }
  }

  void Finish() override {
    StreamState& s = *state_;
    std::lock_guard lock(s.mutex);
    if (s.closed || s.finish_requested) return;
    s.finish_requested = true;
    if (s.resampler) {
      std::vector<int16_t> tail = s.resampler->Flush();
      s.pending.insert(s.pending.end(), tail.begin(), tail.end());
      s.queued_samples += tail.size();
    }
    s.pump_posted = true;
    s.recognizer->PostEvent(state_, &Session::Pump);
  }

  void Cancel() override {
    StreamState& s = *state_;
    s.cancelled.store(true);
    {
      std::lock_guard lock(s.mutex);
      if (!s.closed) {
        s.closed = true;
        s.recognizer->PostEvent(state_, &Session::Abort);
      }
    }
    // Wait for a callback in progress on the I/O thread; later ones see `cancelled`.
    std::lock_guard wait(s.callback_mutex);
  }

 private:
  std::shared_ptr<StreamState> state_;
};

FunAsrRecognizer::FunAsrRecognizer(FunAsrOptions options, WebSocketUrl url,
                                   std::unique_ptr<ssl::context> tls)
    : options_(std::move(options)),
      url_(std::move(url)),
      url_text_(DisplayUrl(url_)),
      chunk_samples_(static_cast<size_t>(options_.send_chunk_ms) * kEngineRate / 1000),
      max_queued_samples_(static_cast<size_t>(options_.max_backlog.count()) * kEngineRate / 1000),
      tls_(std::move(tls)),
      work_(asio::make_work_guard(ioc_)) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "zx-asr");
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {  // from a handler: log, keep serving the others
        log::Error("asr.io_exception what={}", e.what());
      }
    }
  });
}

FunAsrRecognizer::~FunAsrRecognizer() {
  if (std::this_thread::get_id() == thread_.get_id()) {
    log::Error("asr.misuse the speech recognizer was destroyed from one of its callbacks");
    std::abort();
  }
  asio::post(ioc_, [this] { Shutdown(); });
  thread_.join();
}

void FunAsrRecognizer::Shutdown() {
  auto sessions = sessions_;  // ending a session removes it from sessions_
  for (auto& [id, session] : sessions)
    session->Fail(RecognitionErrorCode::kShutdown,
                  "the speech recognizer shut down with the stream open");
  sessions_.clear();
  work_.reset();
  // Handlers still pending (closing sockets) are destroyed with ioc_, without running.
  ioc_.stop();
}

std::unique_ptr<RecognitionStream> FunAsrRecognizer::Open(const RecognitionOptions& options,
                                                          RecognitionHandler* handler) {
  uint64_t id = next_id_.fetch_add(1);
  std::string name = options.name.empty() ? "asr-" + std::to_string(id) : options.name;
  auto state = std::make_shared<StreamState>(id, std::move(name), options.hotwords, handler, this);
  auto resampler = Resampler::Create(kSampleRate, kEngineRate);
  if (resampler.ok()) state->resampler = std::move(resampler).value();
  // The first event of the stream: later ones (Feed, Cancel...) are posted after it.
  asio::post(ioc_, [this, state] { Start(state); });
  return std::make_unique<FunAsrStream>(state);
}

void FunAsrRecognizer::PostEvent(const std::shared_ptr<StreamState>& state,
                                 void (Session::*event)()) {
  asio::post(ioc_, [state, event] {
    if (auto session = state->session.lock()) (session.get()->*event)();
  });
}

void FunAsrRecognizer::Start(const std::shared_ptr<StreamState>& state) {
  std::shared_ptr<Session> session;
  if (url_.tls) {
    session = std::make_shared<Connection<true>>(*this, state);
  } else {
    session = std::make_shared<Connection<false>>(*this, state);
  }
  state->session = session;
  sessions_.emplace(state->id, session);
  if (!state->resampler) {
    session->Fail(RecognitionErrorCode::kOverloaded, "no memory for the stream's resampler");
  } else if (sessions_.size() > options_.max_streams) {
    session->Fail(RecognitionErrorCode::kOverloaded,
                  std::to_string(options_.max_streams) + " streams already open (max_streams)");
  } else {
    session->Begin();
  }
}

std::string FunAsrRecognizer::StartMessage(const StreamState& state) const {
  json message = {
      {"mode", options_.mode},
      {"chunk_size", options_.chunk_size},
      {"chunk_interval", options_.chunk_interval},
      {"wav_name", state.name},
      {"wav_format", "pcm"},
      {"audio_fs", kEngineRate},
      {"is_speaking", true},
      {"itn", options_.itn},
  };
  std::map<std::string, int> hotwords = options_.hotwords;
  for (const std::string& word : state.hotwords)
    if (!word.empty()) hotwords.emplace(word, options_.hotword_weight);  // configured weight wins
  if (!hotwords.empty()) {
    // The runtime takes the hot words as a JSON object inside a string: "{\"社保\":20}".
    message["hotwords"] = json(hotwords).dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return message.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

Result<std::unique_ptr<SpeechRecognizer>> CreateFunAsrRecognizer(const FunAsrOptions& options) {
  auto url = ParseWebSocketUrl(options.url);
  if (!url.ok()) return url.status();
  auto bad = [](const std::string& why) { return InvalidArgument("funasr options: " + why); };
  if (options.mode != "2pass" && options.mode != "online" && options.mode != "offline")
    return bad("mode '" + options.mode + "' is not one of 2pass, online, offline");
  if (options.chunk_size[0] < 0 || options.chunk_size[1] <= 0 || options.chunk_size[2] < 0)
    return bad("chunk_size needs [look-back >= 0, chunk > 0, look-ahead >= 0], e.g. [5,10,5]");
  if (options.chunk_interval <= 0) return bad("chunk_interval must be positive");
  if (options.send_chunk_ms < 10 || options.send_chunk_ms > 1000)
    return bad("send_chunk_ms " + std::to_string(options.send_chunk_ms) +
               " is not between 10 and 1000");
  if (options.hotword_weight <= 0) return bad("hotword_weight must be positive");
  for (const auto& [word, weight] : options.hotwords)
    if (word.empty() || weight <= 0) return bad("hot word '" + word + "' needs a positive weight");
  if (options.connect_timeout.count() <= 0) return bad("connect_timeout must be positive");
  if (options.final_timeout.count() <= 0) return bad("final_timeout must be positive");
  if (options.max_backlog.count() < options.send_chunk_ms)
    return bad("max_backlog must hold at least one frame (send_chunk_ms)");
  if (options.max_streams == 0) return bad("max_streams must be positive");
  // Checked here so that a stream never fails for it.
  auto resampler = Resampler::Create(kSampleRate, kEngineRate);
  if (!resampler.ok()) return resampler.status();

  std::unique_ptr<ssl::context> tls;
  if (url->tls) {
    tls = std::make_unique<ssl::context>(ssl::context::tls_client);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (options.tls_verify) {
      beast::error_code ec;
      if (options.tls_ca_file.empty()) {
        tls->set_default_verify_paths(ec);
        if (ec)
          return Unavailable("funasr: cannot load the system's CA certificates: " + ec.message());
      } else {
        tls->load_verify_file(options.tls_ca_file, ec);
        if (ec)
          return bad("tls_ca_file '" + options.tls_ca_file + "' cannot be loaded: " + ec.message());
      }
    }
  }
  return std::unique_ptr<SpeechRecognizer>(
      new FunAsrRecognizer(options, std::move(url).value(), std::move(tls)));
}

Result<std::unique_ptr<SpeechRecognizer>> CreateFunAsrRecognizer(const AsrConfig& config) {
  FunAsrOptions asr;
  asr.url = config.url;
  asr.mode = config.mode;
  asr.final_timeout = std::chrono::milliseconds(config.final_timeout_ms);
  auto recognizer = CreateFunAsrRecognizer(asr);
  if (!recognizer.ok())
    return Status(recognizer.status().code(), "asr: " + recognizer.status().message());
  log::Info("voice.asr url={} mode={}", config.url, config.mode);
  return recognizer;
}

}  // namespace zx::telephony
