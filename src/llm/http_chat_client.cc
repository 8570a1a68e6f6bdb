#include <utility>  // before any Asio header (Boost 1.74 with GCC 12)

#include "llm/http_chat_client.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <exception>
#include <optional>
#include <type_traits>
#include <vector>

#include "llm/chat_json.h"
#include "llm/sse.h"
#include "text/http_url.h"

namespace zx::llm {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kMaxErrorBody = 64 * 1024;
constexpr size_t kMaxStreamBytes = 8 * 1024 * 1024;

Attempt Fault(FaultKind kind, std::string reason, std::string message) {
  Attempt a;
  a.fault.kind = kind;
  a.fault.reason = std::move(reason);
  a.fault.message = std::move(message);
  return a;
}

// One request on one connection. Each step runs the io_context until the step is done or its
// deadline passes; the stream's own timer (expires_at) ends socket operations at the deadline,
// run_until ends a name lookup, which no timer can cancel.
template <typename Stream>
class Exchange {
 public:
  Exchange(asio::io_context& ioc, Stream& stream, const text::HttpUrl& url, const EngineConfig& c,
           const ChatRequest& request, const std::string& api_key, const ContentSink& sink)
      : ioc_(ioc), stream_(stream), url_(url), c_(c), sink_(sink) {
    req_.method(http::verb::post);
    std::string base = url.target == "/" ? "" : url.target;
    while (!base.empty() && base.back() == '/') base.pop_back();
    req_.target(base + "/chat/completions");
    req_.version(11);
    req_.set(http::field::host, url.host);
    req_.set(http::field::user_agent, "zhixian");
    req_.set(http::field::content_type, "application/json");
    req_.set(http::field::accept, request.stream ? "text/event-stream" : "application/json");
    if (!api_key.empty()) req_.set(http::field::authorization, "Bearer " + api_key);
    req_.keep_alive(false);
    req_.body() = EncodeChatRequest(request);
    req_.prepare_payload();
  }

  Attempt Run() {
    Steady::time_point start = Steady::now();
    total_deadline_ = start + milliseconds(c_.total_timeout_ms);
    Steady::time_point connect_deadline =
        std::min(total_deadline_, start + milliseconds(c_.connect_timeout_ms));

    // Resolve (an address needs no lookup: a local engine then costs no resolver thread).
    tcp::resolver resolver(ioc_);
    tcp::resolver::results_type endpoints;
    beast::error_code ec;
    bool done = false;
    beast::error_code not_an_address;
    asio::ip::address address = asio::ip::make_address(url_.host, not_an_address);
    if (!not_an_address) {
      endpoints = tcp::resolver::results_type::create(tcp::endpoint(address, url_.port), url_.host,
                                                      std::to_string(url_.port));
    } else {
      resolver.async_resolve(url_.host, std::to_string(url_.port),
                             [&](beast::error_code e, tcp::resolver::results_type r) {
                               ec = e;
                               endpoints = std::move(r);
                               done = true;
                             });
      if (!Wait(done, connect_deadline, [&] { resolver.cancel(); }))
        return Fault(FaultKind::kRetryElsewhere, "connect_timeout", "resolving " + url_.host);
      if (ec) return Fault(FaultKind::kRetryElsewhere, "connect", "resolving: " + ec.message());
    }

    // Connect (and shake hands).
    beast::get_lowest_layer(stream_).expires_at(connect_deadline);
    done = false;
    beast::get_lowest_layer(stream_).async_connect(endpoints,
                                                   [&](beast::error_code e, const tcp::endpoint&) {
                                                     ec = e;
                                                     done = true;
                                                   });
    if (!Wait(done, connect_deadline, {}) || IsTimeout(ec))
      return Fault(FaultKind::kRetryElsewhere, "connect_timeout",
                   "no connection within " + std::to_string(c_.connect_timeout_ms) + " ms");
    if (ec) return Fault(FaultKind::kRetryElsewhere, "connect", "connecting: " + ec.message());
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::error_code not_an_address;
      asio::ip::make_address(url_.host, not_an_address);
      if (not_an_address)  // SNI carries names only
        SSL_set_tlsext_host_name(stream_.native_handle(), url_.host.c_str());
      if (c_.tls_verify) {
        stream_.set_verify_mode(ssl::verify_peer);
        stream_.set_verify_callback(ssl::host_name_verification(url_.host));
      } else {
        stream_.set_verify_mode(ssl::verify_none);
      }
      done = false;
      stream_.async_handshake(ssl::stream_base::client, [&](beast::error_code e) {
        ec = e;
        done = true;
      });
      if (!Wait(done, connect_deadline, {}) || IsTimeout(ec))
        return Fault(FaultKind::kRetryElsewhere, "connect_timeout", "TLS handshake timed out");
      if (ec) return Fault(FaultKind::kRetryElsewhere, "tls", "TLS handshake: " + ec.message());
    }

    // Send. The first content must come by the first-token deadline, counted from here.
    Steady::time_point sent = Steady::now();
    first_deadline_ = std::min(total_deadline_, sent + milliseconds(c_.first_token_timeout_ms));
    beast::get_lowest_layer(stream_).expires_at(first_deadline_);
    done = false;
    http::async_write(stream_, req_, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    if (!Wait(done, first_deadline_, {}) || IsTimeout(ec))
      return Fault(FaultKind::kRetryElsewhere, "first_token_timeout", "sending the request");
    if (ec) return Fault(FaultKind::kRetryElsewhere, "connect", "sending: " + ec.message());

    // The status line and headers.
    parser_.body_limit(kMaxStreamBytes);
    done = false;
    http::async_read_header(stream_, buffer_, parser_, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    if (!Wait(done, first_deadline_, {}) || IsTimeout(ec))
      return Fault(FaultKind::kRetryElsewhere, "first_token_timeout",
                   "no answer within " + std::to_string(c_.first_token_timeout_ms) + " ms");
    if (ec) return Fault(FaultKind::kRetryElsewhere, "connect", "reading: " + ec.message());
    int status = static_cast<int>(parser_.get().result_int());
    std::string retry_after(parser_.get()[http::field::retry_after]);
    std::string content_type(parser_.get()[http::field::content_type]);
    if (status / 100 != 2) {
      std::string body = ReadRest(kMaxErrorBody);
      ApiError error = DecodeErrorBody(body);
      Attempt a;
      a.fault = FaultForStatus(status, error, retry_after);
      return a;
    }
    if (content_type.find("text/event-stream") == std::string::npos) return ReadWhole();
    return ReadStream();
  }

 private:
  static bool IsTimeout(const beast::error_code& ec) {
    return ec == beast::error::timeout || ec == asio::error::timed_out;
  }

  // Runs the context until `done` or `deadline` (+ a little: the stream's timer fires first).
  // On the deadline, `cancel` (if any) and a close of the socket end the operation.
  bool Wait(bool& done, Steady::time_point deadline, const std::function<void()>& cancel) {
    ioc_.restart();
    while (!done && Steady::now() < deadline + milliseconds(50)) {
      if (ioc_.run_one_until(deadline + milliseconds(50)) == 0 && ioc_.stopped()) break;
    }
    if (done) return true;
    if (cancel) cancel();
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().close(ignored);
    ioc_.restart();
    ioc_.run();
    return false;
  }

  // Reads some of the body into `out`; false at its end or on an error (in `ec`).
  bool ReadSome(std::string& out, Steady::time_point deadline, beast::error_code& ec) {
    if (parser_.is_done()) return false;
    char chunk[16 * 1024];
    parser_.get().body().data = chunk;
    parser_.get().body().size = sizeof chunk;
    beast::get_lowest_layer(stream_).expires_at(deadline);
    bool done = false;
    http::async_read_some(stream_, buffer_, parser_, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    if (!Wait(done, deadline, {})) ec = beast::error::timeout;
    if (ec == http::error::need_buffer) ec = {};
    out.append(chunk, sizeof chunk - parser_.get().body().size);
    return !ec;
  }

  std::string ReadRest(size_t limit) {
    std::string body;
    beast::error_code ec;
    Steady::time_point deadline =
        std::min(total_deadline_, Steady::now() + milliseconds(c_.chunk_gap_timeout_ms));
    while (body.size() < limit && ReadSome(body, deadline, ec)) {
    }
    return body;
  }

  Attempt ReadWhole() {
    std::string body;
    beast::error_code ec;
    while (body.size() < kMaxStreamBytes && ReadSome(body, total_deadline_, ec)) {
    }
    if (IsTimeout(ec)) return Fault(FaultKind::kRetryElsewhere, "total_timeout", "reading");
    auto chunk = DecodeChatChunk(body);
    if (!chunk.ok())
      return Fault(FaultKind::kRetryElsewhere, "malformed", chunk.status().message());
    return Finish(*chunk, /*streamed=*/false);
  }

  // A whole-answer chunk, or the state at the end of a stream.
  Attempt Finish(const ChatChunk& last, bool streamed) {
    if (!streamed) {
      if (last.error) return Fault(FaultKind::kRetryElsewhere, "engine_error", last.error->message);
      completion_.reasoning += last.reasoning;
      if (last.usage) completion_.usage = *last.usage;
      completion_.finish_reason = last.finish_reason;
      if (last.finish_reason == "content_filter")
        return Fault(FaultKind::kRefusal, "refusal", "content_filter");
      if (last.content.empty()) return Fault(FaultKind::kRetryElsewhere, "empty", "no content");
      if (!sink_(last.content))
        return Fault(FaultKind::kStopped, "stopped", "the caller stopped reading");
      completion_.content = last.content;
    }
    if (completion_.finish_reason == "content_filter")
      return Fault(FaultKind::kRefusal, "refusal", "content_filter");
    if (completion_.content.empty())
      return Fault(FaultKind::kRetryElsewhere, "empty", "the stream held no content");
    Attempt a;
    a.ok = true;
    a.completion = std::move(completion_);
    return a;
  }

  Attempt ReadStream() {
    SseParser sse;
    std::vector<SseEvent> events;
    bool any_content = false;
    for (;;) {
      // Keep-alive comments and reasoning arrive without moving the deadline: until content
      // flows the first-token deadline holds, then each piece must follow within the gap.
      Steady::time_point deadline =
          any_content
              ? std::min(total_deadline_, last_content_ + milliseconds(c_.chunk_gap_timeout_ms))
              : first_deadline_;
      std::string bytes;
      beast::error_code ec;
      bool more = ReadSome(bytes, deadline, ec);
      if (!bytes.empty()) {
        events.clear();
        if (Status s = sse.Feed(bytes, events); !s.ok())
          return Fault(FaultKind::kRetryElsewhere, "malformed", s.message());
        for (const SseEvent& e : events) {
          auto chunk = DecodeChatChunk(e.data);
          if (!chunk.ok())
            return Fault(FaultKind::kRetryElsewhere, "malformed", chunk.status().message());
          if (chunk->done) return Finish(*chunk, /*streamed=*/true);
          if (chunk->error) {
            EngineFault f = FaultForStatus(500, *chunk->error, "");
            Attempt a;
            a.fault = f;
            if (f.kind != FaultKind::kRefusal) a.fault.reason = "engine_error";
            return a;
          }
          completion_.reasoning += chunk->reasoning;
          if (chunk->usage) completion_.usage = *chunk->usage;
          if (!chunk->finish_reason.empty()) completion_.finish_reason = chunk->finish_reason;
          if (!chunk->content.empty()) {
            any_content = true;
            last_content_ = Steady::now();
            completion_.content += chunk->content;
            if (!sink_(chunk->content))
              return Fault(FaultKind::kStopped, "stopped", "the caller stopped reading");
          }
        }
      }
      if (!more) {
        if (IsTimeout(ec))
          return Fault(FaultKind::kRetryElsewhere,
                       !any_content                       ? "first_token_timeout"
                       : Steady::now() >= total_deadline_ ? "total_timeout"
                                                          : "gap_timeout",
                       "the engine went quiet");
        // The connection ended without [DONE]: a cut stream, whatever came before.
        return Fault(FaultKind::kRetryElsewhere, any_content ? "cut" : "empty",
                     ec ? "the stream broke: " + ec.message() : "the stream ended without [DONE]");
      }
    }
  }

  asio::io_context& ioc_;
  Stream& stream_;
  const text::HttpUrl& url_;
  const EngineConfig& c_;
  const ContentSink& sink_;
  http::request<http::string_body> req_;
  beast::flat_buffer buffer_;
  http::response_parser<http::buffer_body> parser_;
  Steady::time_point total_deadline_, first_deadline_, last_content_;
  Completion completion_;
};

class HttpChatClient final : public ChatClient {
 public:
  HttpChatClient(EngineConfig config, text::HttpUrl url, std::string api_key,
                 std::unique_ptr<ssl::context> tls)
      : config_(std::move(config)),
        url_(std::move(url)),
        api_key_(std::move(api_key)),
        tls_(std::move(tls)) {}

  Attempt Complete(const ChatRequest& request, const ContentSink& sink) override {
    try {
      asio::io_context ioc;
      if (tls_) {
        beast::ssl_stream<beast::tcp_stream> stream(ioc, *tls_);
        return Exchange(ioc, stream, url_, config_, request, api_key_, sink).Run();
      }
      beast::tcp_stream stream(ioc);
      return Exchange(ioc, stream, url_, config_, request, api_key_, sink).Run();
    } catch (const std::exception& e) {
      return Fault(FaultKind::kRetryElsewhere, "connect",
                   std::string("request failed: ") + e.what());
    }
  }

 private:
  const EngineConfig config_;
  const text::HttpUrl url_;
  const std::string api_key_;
  const std::unique_ptr<ssl::context> tls_;  // https only; shared by requests (thread-safe)
};

}  // namespace

Result<std::unique_ptr<ChatClient>> MakeHttpChatClient(const EngineConfig& config,
                                                       std::string api_key, const Clock& clock) {
  (void)clock;  // deadlines are monotonic time of the request itself
  auto url = text::ParseHttpUrl(config.base_url);
  if (!url.ok()) return InvalidArgument("base_url " + url.status().message());
  if (api_key.find_first_of("\r\n") != std::string::npos)
    return InvalidArgument("key_env: the key holds a line break");
  std::unique_ptr<ssl::context> tls;
  if (url->tls) {
    tls = std::make_unique<ssl::context>(ssl::context::tls_client);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (config.tls_verify) {
      beast::error_code ec;
      if (config.tls_ca_file.empty()) {
        tls->set_default_verify_paths(ec);
        if (ec) return InvalidArgument("the system's CA certificates: " + ec.message());
      } else {
        tls->load_verify_file(config.tls_ca_file, ec);
        if (ec)
          return InvalidArgument("tls_ca_file '" + config.tls_ca_file +
                                 "' cannot be loaded: " + ec.message());
      }
    }
  }
  return std::unique_ptr<ChatClient>(
      new HttpChatClient(config, std::move(url).value(), std::move(api_key), std::move(tls)));
}

}  // namespace zx::llm
