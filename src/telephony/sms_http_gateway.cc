#include <utility>  // before any Asio header (Boost 1.74 with GCC 12)

#include "telephony/sms_http_gateway.h"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <charconv>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <type_traits>
#include <vector>

#include "base/log.h"
#include "text/pii.h"
#include "text/utf8.h"

namespace zx::telephony {

std::string JsonEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static const char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  return out;
}

Result<std::string> RenderSmsBody(std::string_view body_template, const SmsMessage& message,
                                  const std::string& sign) {
  std::string out;
  size_t i = 0;
  while (i < body_template.size()) {
    char c = body_template[i];
    if (c != '{') {
      out += c;
      ++i;
      continue;
    }
    size_t j = i + 1;
    while (j < body_template.size() &&
           (std::islower(static_cast<unsigned char>(body_template[j])) || body_template[j] == '_'))
      ++j;
    if (j == i + 1 || j >= body_template.size() || body_template[j] != '}') {
      out += c;  // JSON's own brace
      ++i;
      continue;
    }
    std::string_view name = body_template.substr(i + 1, j - i - 1);
    if (name == "to") {
      out += JsonEscape(message.to);
    } else if (name == "text") {
      out += JsonEscape(message.text);
    } else if (name == "id") {
      out += JsonEscape(message.id);
    } else if (name == "sign") {
      out += JsonEscape(sign);
    } else {
      return InvalidArgument("unknown placeholder {" + std::string(name) +
                             "} (known: {to} {text} {id} {sign})");
    }
    i = j + 1;
  }
  return out;
}

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr size_t kMaxAnswerBytes = 64 * 1024;

struct Reply {
  int status = 0;
  std::string body;
};

// One request and its answer on `stream`, every step bounded by one deadline (the tcp_stream's
// timer covers connect, TLS, write and read; the caller's run_until covers name resolution).
template <typename Stream>
class Exchange {
 public:
  Exchange(asio::io_context& ioc, Stream& stream, const HttpUrl& url, bool tls_verify,
           http::request<http::string_body>& request, std::chrono::milliseconds timeout)
      : resolver_(ioc),
        stream_(stream),
        url_(url),
        tls_verify_(tls_verify),
        request_(request),
        timeout_(timeout) {
    parser_.body_limit(kMaxAnswerBytes);
  }

  void Start(SteadyTime deadline) {
    beast::get_lowest_layer(stream_).expires_at(deadline);
    resolver_.async_resolve(url_.host, std::to_string(url_.port),
                            [this](beast::error_code ec, tcp::resolver::results_type results) {
                              if (done_) return;
                              if (ec) return Fail("resolving " + url_.host, ec);
                              Connect(results);
                            });
  }

  // Stops what is still pending (the deadline passed during name resolution).
  void Abandon() {
    if (!done_) Fail("resolving " + url_.host, asio::error::timed_out);
    resolver_.cancel();
    beast::get_lowest_layer(stream_).close();
  }

  bool done() const { return done_; }
  const std::optional<Status>& error() const { return error_; }
  Reply reply() {
    Reply out;
    out.status = static_cast<int>(parser_.get().result_int());
    out.body = parser_.get().body();
    return out;
  }

 private:
  void Connect(const tcp::resolver::results_type& results) {
    beast::get_lowest_layer(stream_).async_connect(
        results, [this](beast::error_code ec, const tcp::endpoint&) {
          if (done_) return;
          if (ec) return Fail("connecting", ec);
          if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
            beast::error_code not_an_address;
            asio::ip::make_address(url_.host, not_an_address);
            if (not_an_address)  // SNI carries names only
              SSL_set_tlsext_host_name(stream_.native_handle(), url_.host.c_str());
            if (tls_verify_) {
              stream_.set_verify_mode(ssl::verify_peer);
              stream_.set_verify_callback(ssl::host_name_verification(url_.host));
            } else {
              stream_.set_verify_mode(ssl::verify_none);
            }
            stream_.async_handshake(ssl::stream_base::client, [this](beast::error_code ec) {
              if (done_) return;
              if (ec) return Fail("TLS handshake", ec);
              Write();
            });
          } else {
            Write();
          }
        });
  }

  void Write() {
    http::async_write(stream_, request_, [this](beast::error_code ec, size_t) {
      if (done_) return;
      if (ec) return Fail("sending the request", ec);
      http::async_read(stream_, buffer_, parser_, [this](beast::error_code ec, size_t) {
        if (done_) return;
        if (ec) return Fail("reading the answer", ec);
        done_ = true;
        beast::error_code ignored;
        beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
      });
    });
  }

  void Fail(const std::string& stage, beast::error_code ec) {
    if (done_) return;
    done_ = true;
    bool timeout = ec == beast::error::timeout || ec == asio::error::timed_out;
    error_ = Unavailable(timeout ? "no answer within " + std::to_string(timeout_.count()) +
                                       " ms (sms.timeout_ms) while " + stage
                                 : stage + ": " + ec.message());
  }

  tcp::resolver resolver_;
  Stream& stream_;
  const HttpUrl& url_;
  bool tls_verify_;
  http::request<http::string_body>& request_;
  std::chrono::milliseconds timeout_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  bool done_ = false;
  std::optional<Status> error_;
};

template <typename Stream>
Result<Reply> Run(asio::io_context& ioc, Stream& stream, const HttpUrl& url, bool tls_verify,
                  http::request<http::string_body>& request, std::chrono::milliseconds timeout) {
  SteadyTime deadline = std::chrono::steady_clock::now() + timeout;
  Exchange<Stream> exchange(ioc, stream, url, tls_verify, request, timeout);
  exchange.Start(deadline);
  ioc.run_until(deadline + std::chrono::milliseconds(50));  // the stream's timer fires first
  if (!exchange.done()) {
    // Still resolving: a lookup already running finishes on the resolver's thread.
    exchange.Abandon();
    ioc.restart();
    ioc.run();
  }
  if (exchange.error()) return *exchange.error();
  return exchange.reply();
}

// The value at a dotted path ("result.code", "data.0.id") of `json`, as text: strings as they
// are, numbers and booleans as JSON writes them. nullopt when absent.
std::optional<std::string> FieldText(const nlohmann::json& json, const std::string& path) {
  const nlohmann::json* at = &json;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string key =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (at->is_object()) {
      auto it = at->find(key);
      if (it == at->end()) return std::nullopt;
      at = &*it;
    } else if (at->is_array()) {
      size_t index = 0;
      auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), index);
      if (key.empty() || ec != std::errc() || end != key.data() + key.size() || index >= at->size())
        return std::nullopt;
      at = &(*at)[index];
    } else {
      return std::nullopt;
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (at->is_string()) return at->get<std::string>();
  if (at->is_null()) return std::nullopt;
  return at->dump();
}

// The start of an answer for error messages: at most 200 bytes, whole characters, one line,
// phone and ID numbers masked (a provider may echo the number).
std::string Excerpt(const std::string& body) {
  std::string cut = body;
  if (auto bad = text::utf8::FindIllFormed(cut)) cut.resize(*bad);
  if (cut.size() > 200) cut.resize(text::utf8::CodePointStart(cut, 200));
  for (char& c : cut)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return text::MaskText(cut);
}

class HttpJsonSmsGateway final : public SmsGateway {
 public:
  HttpJsonSmsGateway(HttpSmsOptions options, HttpUrl url, std::unique_ptr<ssl::context> tls,
                     const Clock& clock)
      : options_(std::move(options)), url_(std::move(url)), tls_(std::move(tls)), clock_(clock) {}

  Result<SmsReceipt> Send(const SmsMessage& message) override {
    ZX_RETURN_IF_ERROR(ValidateSmsMessage(message, options_.sign, options_.max_chars));
    ZX_ASSIGN_OR_RETURN(std::string body,
                        RenderSmsBody(options_.body_template, message, options_.sign));
    auto reply = Post(body);
    if (!reply.ok()) {
      log::Warn("sms.unavailable id={} to={} host={} reason={}", message.id,
                text::MaskPhone(message.to), url_.host, reply.status().message());
      return Unavailable("sms: " + url_.host + ": " + reply.status().message());
    }
    int status = reply->status;
    if (status >= 500 || status == 408 || status == 429) {
      log::Warn("sms.unavailable id={} to={} host={} status={}", message.id,
                text::MaskPhone(message.to), url_.host, status);
      return Unavailable("sms: " + url_.host + " answered HTTP " + std::to_string(status) + ": " +
                         Excerpt(reply->body));
    }
    SmsReceipt receipt = Judge(*reply);
    receipt.at_ms = clock_.NowUnixMillis();
    log::Info("sms.sent id={} to={} gateway=http status={} accepted={} provider_id={}{}{}",
              message.id, text::MaskPhone(message.to), status, receipt.accepted ? 1 : 0,
              receipt.provider_id, receipt.error.empty() ? "" : " error=", receipt.error);
    return receipt;
  }

  std::string Name() const override { return "http"; }

 private:
  SmsReceipt Judge(const Reply& reply) const {
    SmsReceipt receipt;
    receipt.http_status = reply.status;
    if (reply.status < 200 || reply.status >= 300) {
      receipt.error = "HTTP " + std::to_string(reply.status) + ": " + Excerpt(reply.body);
      return receipt;
    }
    nlohmann::json json = nlohmann::json::parse(reply.body, nullptr, false);
    if (!options_.success_field.empty()) {
      if (json.is_discarded()) {
        receipt.error = "the answer is not JSON: " + Excerpt(reply.body);
        return receipt;
      }
      auto value = FieldText(json, options_.success_field);
      if (!value) {
        receipt.error = "the answer has no " + options_.success_field + ": " + Excerpt(reply.body);
        return receipt;
      }
      if (*value != options_.success_value) {
        receipt.error =
            options_.success_field + " = " + text::MaskText(*value) + ": " + Excerpt(reply.body);
        return receipt;
      }
    }
    receipt.accepted = true;
    if (!options_.id_field.empty() && !json.is_discarded())
      receipt.provider_id = FieldText(json, options_.id_field).value_or("");
    return receipt;
  }

  Result<Reply> Post(const std::string& body) {
    try {
      http::request<http::string_body> request{http::verb::post, url_.target, 11};
      std::string host =
          url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
      if (url_.port != (url_.tls ? 443 : 80)) host += ":" + std::to_string(url_.port);
      request.set(http::field::host, host);
      request.set(http::field::user_agent, "zhixian-sms");
      request.set(http::field::content_type, "application/json; charset=utf-8");
      request.set(http::field::accept, "application/json");
      if (!options_.auth_header_name.empty())
        request.set(options_.auth_header_name, options_.auth_header_value);
      request.keep_alive(false);
      request.body() = body;
      request.prepare_payload();
      asio::io_context ioc;
      if (tls_) {
        beast::ssl_stream<beast::tcp_stream> stream(ioc, *tls_);
        return Run(ioc, stream, url_, options_.tls_verify, request, options_.timeout);
      }
      beast::tcp_stream stream(ioc);
      return Run(ioc, stream, url_, options_.tls_verify, request, options_.timeout);
    } catch (const std::exception& e) {
      return Unavailable(std::string("request failed: ") + e.what());
    }
  }

  const HttpSmsOptions options_;
  const HttpUrl url_;
  const std::unique_ptr<ssl::context> tls_;  // https only; shared by requests (thread-safe)
  const Clock& clock_;
};

}  // namespace

Result<std::unique_ptr<SmsGateway>> MakeHttpJsonSmsGateway(const HttpSmsOptions& options,
                                                           const Clock& clock) {
  auto url = ParseHttpUrl(options.url);
  if (!url.ok()) return InvalidArgument("sms.url " + url.status().message());
  SmsMessage probe{"13800000000", "x", "x"};
  if (auto body = RenderSmsBody(options.body_template, probe, options.sign); !body.ok())
    return InvalidArgument("sms.body_template: " + body.status().message());
  if (options.auth_header_value.find_first_of("\r\n") != std::string::npos)
    return InvalidArgument("sms.auth_header_value_env: the value holds a line break");
  if (options.timeout.count() <= 0) return InvalidArgument("sms.timeout_ms must be positive");
  std::unique_ptr<ssl::context> tls;
  if (url->tls) {
    tls = std::make_unique<ssl::context>(ssl::context::tls_client);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (options.tls_verify) {
      beast::error_code ec;
      if (options.tls_ca_file.empty()) {
        tls->set_default_verify_paths(ec);
        if (ec) return InvalidArgument("sms: the system's CA certificates: " + ec.message());
      } else {
        tls->load_verify_file(options.tls_ca_file, ec);
        if (ec)
          return InvalidArgument("sms.tls_ca_file '" + options.tls_ca_file +
                                 "' cannot be loaded: " + ec.message());
      }
    }
  }
  return std::unique_ptr<SmsGateway>(
      new HttpJsonSmsGateway(options, std::move(url).value(), std::move(tls), clock));
}

}  // namespace zx::telephony
