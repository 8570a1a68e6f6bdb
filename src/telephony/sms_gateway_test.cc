// The SMS gateways (telephony/sms_gateway.h): validation, the body template, the HTTP JSON
// gateway against a small HTTP(S) test server in this file (Boost.Beast on loopback; it records
// each request and answers by the number it finds in the body), the file sink, the rate limit
// on a FakeClock, the [sms] section and the doctor's check.
#include <utility>  // before any Asio header (Boost 1.74 with GCC 12)

#include "telephony/sms_gateway.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/config.h"
#include "base/testing/temp_dir.h"
#include "telephony/probes.h"
#include "telephony/sms_config.h"
#include "telephony/sms_file_sink.h"
#include "telephony/sms_http_gateway.h"
#include "telephony/sms_rate_limit.h"

namespace zx::telephony {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// Numbers the test server answers in their own way; any other number is accepted.
constexpr char kAccepted[] = "13800000001";    // 200 {"code":"0","data":{"id":"prov-1"}}
constexpr char kRejected[] = "13800000002";    // 200 {"code":"1001",...} echoing a number
constexpr char kBroken[] = "13800000003";      // 500
constexpr char kSlow[] = "13800000004";        // answers after 1.5 s
constexpr char kBusy[] = "13800000005";        // 429
constexpr char kBadRequest[] = "13800000006";  // 400
constexpr char kNotJson[] = "13800000007";     // 200 "OK"

struct Recorded {
  std::string method, target, body;
  std::map<std::string, std::string> headers;  // names in lower case
};

// A one-thread HTTP/1.1 server on 127.0.0.1, plain or TLS (cert and key PEM files).
class TestSmsServer {
 public:
  explicit TestSmsServer(const std::string& cert = "", const std::string& key = "") {
    if (!cert.empty()) {
      tls_ = std::make_unique<ssl::context>(ssl::context::tls_server);
      tls_->use_certificate_chain_file(cert);
      tls_->use_private_key_file(key, ssl::context::pem);
    }
    acceptor_.open(tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Loop(); });
  }
  ~TestSmsServer() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    asio::io_context wake_ioc;
    tcp::socket wake(wake_ioc);
    beast::error_code ec;
    wake.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
    thread_.join();
  }

  std::string url(const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_) + "/sms/send?v=1";
  }
  uint16_t port() const { return port_; }
  std::vector<Recorded> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void Loop() {
    for (;;) {
      tcp::socket socket(ioc_);
      beast::error_code ec;
      acceptor_.accept(socket, ec);
      {
        std::lock_guard lock(mu_);
        if (stop_) return;
      }
      if (ec) continue;
      if (tls_) {
        ssl::stream<tcp::socket&> stream(socket, *tls_);
        stream.handshake(ssl::stream_base::server, ec);
        if (!ec) Serve(stream);  // a client that refused the certificate stops here
      } else {
        Serve(socket);
      }
    }
  }

  template <typename Stream>
  void Serve(Stream& stream) {
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    beast::error_code ec;
    http::read(stream, buffer, request, ec);
    if (ec) return;
    Recorded r;
    r.method = std::string(request.method_string());
    r.target = std::string(request.target());
    r.body = request.body();
    for (const auto& field : request) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = std::string(field.value());
    }
    {
      std::lock_guard lock(mu_);
      requests_.push_back(r);
    }
    int status = 200;
    std::string body = R"({"code":0,"msgid":"m-default"})";
    auto has = [&](const char* number) { return r.body.find(number) != std::string::npos; };
    if (has(kAccepted)) {
      body = R"({"code":"0","data":{"id":"prov-1"}})";
    } else if (has(kRejected)) {
      body = R"({"code":"1001","msg":"号码 13912345678 在黑名单"})";
    } else if (has(kBroken)) {
      status = 500;
      body = "internal error";
    } else if (has(kSlow)) {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, 1500ms, [&] { return stop_; });
    } else if (has(kBusy)) {
      status = 429;
      body = R"({"code":"throttled"})";
    } else if (has(kBadRequest)) {
      status = 400;
      body = R"({"error":"bad template"})";
    } else if (has(kNotJson)) {
      body = "OK";
    }
    http::response<http::string_body> response{static_cast<http::status>(status), 11};
    response.set(http::field::content_type, "application/json; charset=utf-8");
    response.keep_alive(false);
    response.body() = body;
    response.prepare_payload();
    http::write(stream, response, ec);  // the client may have given up (kSlow)
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  std::unique_ptr<ssl::context> tls_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<Recorded> requests_;
};

HttpSmsOptions Options(const std::string& url) {
  HttpSmsOptions o;
  o.url = url;
  o.auth_header_name = "X-Api-Key";
  o.auth_header_value = "secret-key-1";
  o.body_template = R"({"mobile":"{to}","content":"{sign}{text}","outId":"{id}","kind":{"a":1}})";
  o.success_field = "code";
  o.success_value = "0";
  o.id_field = "data.id";
  o.timeout = 300ms;
  o.sign = "【示例市12345】";
  o.max_chars = 70;
  return o;
}

std::unique_ptr<SmsGateway> Gateway(const HttpSmsOptions& options, const Clock& clock) {
  auto made = MakeHttpJsonSmsGateway(options, clock);
  EXPECT_TRUE(made.ok()) << made.status().ToString();
  return made.ok() ? std::move(made).value() : nullptr;
}

// A port on loopback that nobody listens on.
uint16_t ClosedPort() {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// ----- validation and the template -----

TEST(SmsValidation, MobileNumbers) {
  EXPECT_TRUE(IsMobileNumber("13812345678"));
  EXPECT_TRUE(IsMobileNumber("19912345678"));
  EXPECT_FALSE(IsMobileNumber("12812345678"));     // 12x is not a mobile prefix
  EXPECT_FALSE(IsMobileNumber("1381234567"));      // 10 digits
  EXPECT_FALSE(IsMobileNumber("+8613812345678"));  // not normalised
  EXPECT_FALSE(IsMobileNumber("1381234567x"));
  EXPECT_FALSE(IsMobileNumber("01012345678"));  // a landline
}

TEST(SmsValidation, EachRuleNamesWhatIsWrong) {
  SmsMessage ok{"13812345678", "您的社保卡已制好。", "c1-t2-a3"};
  EXPECT_TRUE(ValidateSmsMessage(ok, "【示例】", 20).ok());

  SmsMessage m = ok;
  m.to = "1381234567";
  Status s = ValidateSmsMessage(m, "", 20);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("not a mobile number"), std::string::npos) << s.message();
  m.to = "23812345678";  // eleven digits, wrong prefix: still masked in the message
  s = ValidateSmsMessage(m, "", 20);
  EXPECT_EQ(s.message().find("23812345678"), std::string::npos) << s.message();

  m = ok;
  m.text = "";
  EXPECT_NE(ValidateSmsMessage(m, "", 20).message().find("empty"), std::string::npos);
  m.text = "\xff\xfe";
  EXPECT_NE(ValidateSmsMessage(m, "", 20).message().find("UTF-8"), std::string::npos);

  // Characters, not bytes, and the sign counts: 4 + 9 = 13.
  m = ok;
  EXPECT_TRUE(ValidateSmsMessage(m, "【示例】", 13).ok());
  s = ValidateSmsMessage(m, "【示例】", 12);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("13 characters"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("sms.max_chars"), std::string::npos) << s.message();

  m = ok;
  m.id = "";
  EXPECT_EQ(ValidateSmsMessage(m, "", 20).code(), Code::kInvalidArgument);
  m.id = std::string(65, 'a');
  EXPECT_EQ(ValidateSmsMessage(m, "", 20).code(), Code::kInvalidArgument);
  m.id = std::string(64, 'a');
  EXPECT_TRUE(ValidateSmsMessage(m, "", 20).ok());
  m.id = "c1 t2";
  EXPECT_EQ(ValidateSmsMessage(m, "", 20).code(), Code::kInvalidArgument);
  m.id = "c1\"}";
  EXPECT_EQ(ValidateSmsMessage(m, "", 20).code(), Code::kInvalidArgument);
  m.id = "Camp_1.t-2:a3";
  EXPECT_TRUE(ValidateSmsMessage(m, "", 20).ok());
}

TEST(SmsTemplate, PlaceholdersAreJsonEscaped) {
  SmsMessage m{"13812345678", "他说\"好\"\n下一行\\末尾\t\x01", "a-1"};
  auto body = RenderSmsBody(R"({"to":"{to}","msg":"{sign}{text}","id":"{id}","x":{"y":[1]}})", m,
                            "【签名】");
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body,
            R"({"to":"13812345678","msg":"【签名】他说\"好\"\n下一行\\末尾\t\u0001","id":"a-1",)"
            R"("x":{"y":[1]}})");
  auto bad = RenderSmsBody(R"({"to":"{phone}"})", m, "");
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("{phone}"), std::string::npos);
  // Braces that are not placeholders stay: {} {"a"} {A}.
  auto kept = RenderSmsBody("{}{A}{ to}", m, "");
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(*kept, "{}{A}{ to}");
}

TEST(SmsTemplate, Urls) {
  auto url = ParseHttpUrl("http://127.0.0.1:8080/sms/send?v=1");
  ASSERT_TRUE(url.ok());
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->target, "/sms/send?v=1");
  url = ParseHttpUrl("HTTPS://sms.example.cn");
  ASSERT_TRUE(url.ok());
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->target, "/");
  url = ParseHttpUrl("http://[::1]:9/x");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "::1");
  EXPECT_FALSE(ParseHttpUrl("ftp://x/").ok());
  EXPECT_FALSE(ParseHttpUrl("http://user:pw@x/").ok());
  EXPECT_FALSE(ParseHttpUrl("http://x:99999/").ok());
  EXPECT_FALSE(ParseHttpUrl("http:///path").ok());
  EXPECT_FALSE(ParseHttpUrl("sms.example.cn").ok());
}

// ----- the HTTP JSON gateway -----

TEST(HttpSmsGateway, SendsTheTemplateWithTheAuthHeaderAndReadsTheProviderId) {
  TestSmsServer server;
  FakeClock clock(1767225600000);
  auto gateway = Gateway(Options(server.url()), clock);
  ASSERT_TRUE(gateway);
  EXPECT_EQ(gateway->Name(), "http");
  auto receipt = gateway->Send({kAccepted, "您好，\"社保\"卡\n已制好", "c1-t2-a3"});
  ASSERT_TRUE(receipt.ok()) << receipt.status().ToString();
  EXPECT_TRUE(receipt->accepted) << receipt->error;
  EXPECT_EQ(receipt->provider_id, "prov-1");
  EXPECT_EQ(receipt->http_status, 200);
  EXPECT_EQ(receipt->error, "");
  EXPECT_EQ(receipt->at_ms, 1767225600000);

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const Recorded& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/sms/send?v=1");
  EXPECT_EQ(r.body,
            R"({"mobile":"13800000001","content":"【示例市12345】您好，\"社保\"卡\n已制好",)"
            R"("outId":"c1-t2-a3","kind":{"a":1}})");
  EXPECT_EQ(r.headers.at("x-api-key"), "secret-key-1");
  EXPECT_EQ(r.headers.at("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(r.headers.at("host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(r.headers.at("content-length"), std::to_string(r.body.size()));
}

TEST(HttpSmsGateway, ANumericSuccessValueMatchesAsWritten) {
  TestSmsServer server;
  FakeClock clock;
  HttpSmsOptions options = Options(server.url());
  options.id_field = "msgid";
  auto receipt = Gateway(options, clock)->Send({"13912345678", "测试", "x1"});
  ASSERT_TRUE(receipt.ok()) << receipt.status().ToString();
  EXPECT_TRUE(receipt->accepted) << receipt->error;  // {"code":0} against "0"
  EXPECT_EQ(receipt->provider_id, "m-default");
}

TEST(HttpSmsGateway, ARefusalIsAReceiptWithTheReasonAndNoFullNumber) {
  TestSmsServer server;
  FakeClock clock;
  auto receipt = Gateway(Options(server.url()), clock)->Send({kRejected, "测试", "x2"});
  ASSERT_TRUE(receipt.ok()) << receipt.status().ToString();
  EXPECT_FALSE(receipt->accepted);
  EXPECT_EQ(receipt->http_status, 200);
  EXPECT_EQ(receipt->provider_id, "");
  EXPECT_NE(receipt->error.find("code = 1001"), std::string::npos) << receipt->error;
  EXPECT_NE(receipt->error.find("黑名单"), std::string::npos) << receipt->error;
  EXPECT_EQ(receipt->error.find("13912345678"), std::string::npos) << receipt->error;
  EXPECT_NE(receipt->error.find("139****5678"), std::string::npos) << receipt->error;
}

TEST(HttpSmsGateway, ClientErrorsAreRefusalsAndServerErrorsAreUnavailable) {
  TestSmsServer server;
  FakeClock clock;
  auto gateway = Gateway(Options(server.url()), clock);
  auto bad = gateway->Send({kBadRequest, "测试", "x3"});
  ASSERT_TRUE(bad.ok()) << bad.status().ToString();
  EXPECT_FALSE(bad->accepted);
  EXPECT_EQ(bad->http_status, 400);
  EXPECT_NE(bad->error.find("HTTP 400"), std::string::npos) << bad->error;

  auto broken = gateway->Send({kBroken, "测试", "x4"});
  EXPECT_EQ(broken.status().code(), Code::kUnavailable);
  EXPECT_NE(broken.status().message().find("HTTP 500"), std::string::npos)
      << broken.status().message();
  auto busy = gateway->Send({kBusy, "测试", "x5"});
  EXPECT_EQ(busy.status().code(), Code::kUnavailable);

  auto not_json = gateway->Send({kNotJson, "测试", "x6"});
  ASSERT_TRUE(not_json.ok());
  EXPECT_FALSE(not_json->accepted);
  EXPECT_NE(not_json->error.find("not JSON"), std::string::npos) << not_json->error;
}

TEST(HttpSmsGateway, WithoutASuccessFieldAny2xxIsAccepted) {
  TestSmsServer server;
  FakeClock clock;
  HttpSmsOptions options = Options(server.url());
  options.success_field.clear();
  options.success_value.clear();
  auto receipt = Gateway(options, clock)->Send({kNotJson, "测试", "x7"});
  ASSERT_TRUE(receipt.ok());
  EXPECT_TRUE(receipt->accepted);
  EXPECT_EQ(receipt->provider_id, "");
}

TEST(HttpSmsGateway, ASlowProviderTimesOutAsUnavailable) {
  TestSmsServer server;
  FakeClock clock;
  auto gateway = Gateway(Options(server.url()), clock);
  auto start = std::chrono::steady_clock::now();
  auto slow = gateway->Send({kSlow, "测试", "x8"});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(slow.status().code(), Code::kUnavailable);
  EXPECT_NE(slow.status().message().find("sms.timeout_ms"), std::string::npos)
      << slow.status().message();
  EXPECT_LT(took, 1200ms);  // the 300 ms timeout, not the server's 1.5 s
}

TEST(HttpSmsGateway, ARefusedConnectionIsUnavailable) {
  FakeClock clock;
  auto gateway =
      Gateway(Options("http://127.0.0.1:" + std::to_string(ClosedPort()) + "/send"), clock);
  auto result = gateway->Send({kAccepted, "测试", "x9"});
  EXPECT_EQ(result.status().code(), Code::kUnavailable);
  EXPECT_NE(result.status().message().find("connecting"), std::string::npos)
      << result.status().message();
}

TEST(HttpSmsGateway, AnInvalidMessageIsNeverSent) {
  TestSmsServer server;
  FakeClock clock;
  auto gateway = Gateway(Options(server.url()), clock);
  EXPECT_EQ(gateway->Send({"12345", "测试", "y1"}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(gateway->Send({kAccepted, std::string(100, 'a'), "y2"}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(gateway->Send({kAccepted, "测试", "bad id"}).status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(server.requests().empty());
}

TEST(HttpSmsGateway, BadOptionsNameTheKey) {
  FakeClock clock;
  HttpSmsOptions options = Options("ftp://x/");
  EXPECT_NE(MakeHttpJsonSmsGateway(options, clock).status().message().find("sms.url"),
            std::string::npos);
  options = Options("http://127.0.0.1:1/");
  options.body_template = R"({"to":"{mobile}"})";
  EXPECT_NE(MakeHttpJsonSmsGateway(options, clock).status().message().find("sms.body_template"),
            std::string::npos);
  options = Options("http://127.0.0.1:1/");
  options.auth_header_value = "a\r\nX-Evil: 1";
  EXPECT_EQ(MakeHttpJsonSmsGateway(options, clock).status().code(), Code::kInvalidArgument);
  options = Options("https://127.0.0.1:1/");
  options.tls_ca_file = "/nonexistent/ca.pem";
  EXPECT_NE(MakeHttpJsonSmsGateway(options, clock).status().message().find("sms.tls_ca_file"),
            std::string::npos);
}

TEST(HttpSmsGateway, HttpsVerifiesTheCertificate) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "openssl (the command) is needed to make a test certificate";
  testing::TempDir dir;
  std::string cert = dir.File("cert.pem"), key = dir.File("key.pem");
  std::string make_cert =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(make_cert.c_str()), 0);
  TestSmsServer server(cert, key);
  FakeClock clock;

  HttpSmsOptions options = Options(server.url("https"));
  options.timeout = 3000ms;
  options.tls_ca_file = cert;
  auto trusted = Gateway(options, clock)->Send({kAccepted, "测试", "t1"});
  ASSERT_TRUE(trusted.ok()) << trusted.status().ToString();
  EXPECT_TRUE(trusted->accepted);

  // The system's CAs do not know the test certificate: nothing is sent.
  options.tls_ca_file.clear();
  auto untrusted = Gateway(options, clock)->Send({kAccepted, "测试", "t2"});
  EXPECT_EQ(untrusted.status().code(), Code::kUnavailable);
  EXPECT_NE(untrusted.status().message().find("TLS handshake"), std::string::npos)
      << untrusted.status().message();

  options.tls_verify = false;
  auto unverified = Gateway(options, clock)->Send({kAccepted, "测试", "t3"});
  ASSERT_TRUE(unverified.ok()) << unverified.status().ToString();
  EXPECT_TRUE(unverified->accepted);
  EXPECT_EQ(server.requests().size(), 2u);
}

// ----- the file sink -----

TEST(FileSmsSink, AppendsMaskedJsonLines) {
  testing::TempDir dir;
  FakeClock clock(1767225600000);
  FileSmsOptions options{dir.File("out/sms.jsonl"), "【示例市12345】", 70};
  auto sink = MakeFileSmsSink(options, clock);
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  EXPECT_EQ((*sink)->Name(), "file");
  auto first = (*sink)->Send({"13812345678", "您好\"张*\"，回电 13912345678\n谢谢", "c1-t2-a1"});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->accepted);
  EXPECT_EQ(first->provider_id, "c1-t2-a1");
  EXPECT_EQ(first->at_ms, 1767225600000);
  clock.Advance(1000ms);
  ASSERT_TRUE((*sink)->Send({"15000001111", "第二条", "c1-t3-a1"}).ok());
  EXPECT_EQ((*sink)->Send({"150", "x", "c1"}).status().code(), Code::kInvalidArgument);

  std::string content = ReadFile(options.path);
  EXPECT_EQ(content,
            "{\"at\":1767225600000,\"id\":\"c1-t2-a1\",\"to\":\"138****5678\",\"text\":"
            "\"【示例市12345】您好\\\"张*\\\"，回电 139****5678\\n谢谢\"}\n"
            "{\"at\":1767225601000,\"id\":\"c1-t3-a1\",\"to\":\"150****1111\",\"text\":"
            "\"【示例市12345】第二条\"}\n");
  EXPECT_EQ(content.find("13812345678"), std::string::npos);
}

TEST(FileSmsSink, ConcurrentSendersNeverInterleave) {
  testing::TempDir dir;
  FakeClock clock;
  auto sink = MakeFileSmsSink({dir.File("sms.jsonl"), "", 500}, clock);
  ASSERT_TRUE(sink.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i)
        ASSERT_TRUE((*sink)->Send({"13812345678", std::string(300, 'a' + t), "id"}).ok());
    });
  for (auto& t : threads) t.join();
  std::ifstream in(dir.File("sms.jsonl"));
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    EXPECT_EQ(line.back(), '}');
    EXPECT_EQ(line.size(),
              std::string(R"({"at":0,"id":"id","to":"138****5678","text":""})").size() + 300);
  }
  EXPECT_EQ(lines, 200);
}

// ----- the rate limit -----

TEST(SmsRateLimit, TokenBucketOnTheFakeClock) {
  FakeClock clock;
  TokenBucket bucket(2, clock);  // burst of 2, then one every 500 ms
  EXPECT_EQ(bucket.Reserve(10s), 0ms);
  EXPECT_EQ(bucket.Reserve(10s), 0ms);
  EXPECT_EQ(bucket.Reserve(10s), 500ms);
  EXPECT_EQ(bucket.Reserve(10s), 1000ms);           // after the one reserved ahead
  EXPECT_EQ(bucket.Reserve(1200ms), std::nullopt);  // 1500 ms away: nothing reserved
  clock.Advance(1000ms);                            // the two reserved turns have come
  EXPECT_EQ(bucket.Reserve(10s), 500ms);
  clock.Advance(10s);  // refills to the burst, not beyond
  EXPECT_EQ(bucket.Reserve(0ms), 0ms);
  EXPECT_EQ(bucket.Reserve(0ms), 0ms);
  EXPECT_EQ(bucket.Reserve(0ms), std::nullopt);

  TokenBucket slow(0.5, clock);  // one every 2 s, burst of one
  EXPECT_EQ(slow.Reserve(10s), 0ms);
  EXPECT_EQ(slow.Reserve(10s), 2000ms);
}

class CountingGateway final : public SmsGateway {
 public:
  explicit CountingGateway(const Clock& clock) : clock_(clock) {}
  Result<SmsReceipt> Send(const SmsMessage& message) override {
    sent_at.push_back(clock_.NowUnixMillis());
    SmsReceipt r;
    r.accepted = true;
    r.provider_id = message.id;
    return r;
  }
  std::string Name() const override { return "counting"; }
  std::vector<int64_t> sent_at;

 private:
  const Clock& clock_;
};

TEST(SmsRateLimit, SendWaitsForItsTurnOrGivesUp) {
  FakeClock clock;
  auto counting = std::make_unique<CountingGateway>(clock);
  CountingGateway* inner = counting.get();
  std::vector<int64_t> slept;
  auto limited =
      RateLimitSmsGateway(std::move(counting), 4, 1000ms, clock, [&](std::chrono::milliseconds d) {
        slept.push_back(d.count());
        clock.Advance(d);
      });
  EXPECT_EQ(limited->Name(), "counting");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(limited->Send({"13812345678", "x", "r"}).ok()) << i;
  // 4 at once, then one every 250 ms: 10 messages in 1.5 s, never more than 4 in any second.
  EXPECT_EQ(inner->sent_at, (std::vector<int64_t>{0, 0, 0, 0, 250, 500, 750, 1000, 1250, 1500}));
  EXPECT_EQ(slept, (std::vector<int64_t>{250, 250, 250, 250, 250, 250}));

  // Without sleeping (e.g. many workers at once), turns beyond max_wait are refused.
  auto burst = RateLimitSmsGateway(std::make_unique<CountingGateway>(clock), 4, 500ms, clock,
                                   [](std::chrono::milliseconds) {});
  int ok = 0, exhausted = 0;
  for (int i = 0; i < 10; ++i) {
    auto r = burst->Send({"13812345678", "x", "r"});
    if (r.ok()) ++ok;
    if (r.status().code() == Code::kResourceExhausted) {
      ++exhausted;
      EXPECT_NE(r.status().message().find("sms.max_wait_ms"), std::string::npos);
    }
  }
  EXPECT_EQ(ok, 6);  // 4 now, then the turns 250 and 500 ms ahead
  EXPECT_EQ(exhausted, 4);
}

// ----- configuration, the factory, the doctor -----

Result<SmsConfig> ReadSms(const std::string& toml, const std::vector<std::string>& env = {}) {
  ZX_ASSIGN_OR_RETURN(ConfigDocument doc, ConfigDocument::Parse(toml, "z.toml", env));
  return SmsConfigSection().Read(doc);
}

TEST(SmsConfig, DefaultsAreNoneAndValid) {
  auto c = ReadSms("");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->gateway, "none");
  EXPECT_EQ(c->rate_per_s, 5);
  FakeClock clock;
  auto gateway = MakeSmsGateway(*c, "/nonexistent", clock);
  ASSERT_TRUE(gateway.ok());
  EXPECT_EQ(*gateway, nullptr);
}

TEST(SmsConfig, InvalidSectionsNameTheKey) {
  auto expect_error = [](const std::string& toml, const std::string& key) {
    auto c = ReadSms(toml);
    ASSERT_FALSE(c.ok()) << toml;
    EXPECT_NE(c.status().message().find(key), std::string::npos) << c.status().message();
  };
  expect_error("[sms]\ngateway = \"fax\"\n", "sms.gateway");
  expect_error("[sms]\ngateway = \"http\"\n", "sms.url");
  expect_error("[sms]\ngateway = \"http\"\nurl = \"smtp://x\"\n", "sms.url");
  expect_error("[sms]\ngateway = \"http\"\nurl = \"http://x/\"\nbody_template = \"{to}\"\n",
               "sms.body_template");
  expect_error(
      "[sms]\ngateway = \"http\"\nurl = \"http://x/\"\n"
      "body_template = '{\"to\":\"{phone}\"}'\n",
      "{phone}");
  expect_error("[sms]\nsuccess_value = \"0\"\n", "sms.success_value");
  expect_error("[sms]\nauth_header_name = \"X-Key\"\n", "sms.auth_header_name");
  expect_error("[sms]\nauth_header_name = \"X Key\"\nauth_header_value_env = \"K\"\n",
               "sms.auth_header_name");
  expect_error("[sms]\nrate_per_s = 0\n", "sms.rate_per_s");
  expect_error("[sms]\ntimeout_ms = 10\n", "sms.timeout_ms");
  auto env = ReadSms("", {"ZHIXIAN_SMS_GATEWAY=file"});
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->gateway, "file");
}

TEST(SmsConfig, TheFactoryReadsTheSecretAndRateLimits) {
  TestSmsServer server;
  FakeClock clock;
  SmsConfig c;
  c.gateway = "http";
  c.url = server.url();
  c.auth_header_name = "Authorization";
  c.auth_header_value_env = "ZX_SMS_TEST_TOKEN_UNSET";
  ::unsetenv("ZX_SMS_TEST_TOKEN_UNSET");
  auto missing = MakeSmsGateway(c, "/nonexistent", clock);
  EXPECT_EQ(missing.status().code(), Code::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("sms.auth_header_value_env"), std::string::npos);

  ::setenv("ZX_SMS_TEST_TOKEN", "Bearer t-123", 1);
  c.auth_header_value_env = "ZX_SMS_TEST_TOKEN";
  c.rate_per_s = 1;
  c.max_wait_ms = 0;  // no waiting: the second message in the same second is refused
  auto gateway = MakeSmsGateway(c, "/nonexistent", clock);
  ASSERT_TRUE(gateway.ok()) << gateway.status().ToString();
  EXPECT_EQ((*gateway)->Name(), "http");
  auto sent = (*gateway)->Send({"13812345678", "测试", "f1"});
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_TRUE(sent->accepted);  // the default template and rule: any 2xx
  EXPECT_EQ((*gateway)->Send({"13812345678", "测试", "f2"}).status().code(),
            Code::kResourceExhausted);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].headers.at("authorization"), "Bearer t-123");
  EXPECT_EQ(requests[0].body, R"({"mobile":"13812345678","content":"测试","outId":"f1"})");

  // The secret from a file instead.
  testing::TempDir dir;
  std::ofstream(dir.File("token")) << "  file-secret \n";
  c.auth_header_value_env.clear();
  c.auth_header_value_file = dir.File("token");
  clock.Advance(1s);
  auto from_file = MakeSmsGateway(c, "/nonexistent", clock);
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  ASSERT_TRUE((*from_file)->Send({"13812345678", "测试", "f3"}).ok());
  EXPECT_EQ(server.requests().back().headers.at("authorization"), "file-secret");
  c.auth_header_value_file = dir.File("missing");
  EXPECT_NE(MakeSmsGateway(c, "/nonexistent", clock)
                .status()
                .message()
                .find("sms.auth_header_value_file"),
            std::string::npos);
}

TEST(SmsConfig, TheFileGatewayWritesTheDataDirectory) {
  testing::TempDir dir;
  FakeClock clock;
  SmsConfig c;
  c.gateway = "file";
  c.sign = "【示例】";
  auto gateway = MakeSmsGateway(c, dir.File("data"), clock);
  ASSERT_TRUE(gateway.ok()) << gateway.status().ToString();
  ASSERT_TRUE((*gateway)->Send({"13812345678", "您好", "d1"}).ok());
  std::string content = ReadFile(dir.File("data/sms.jsonl"));
  EXPECT_NE(content.find("\"to\":\"138****5678\""), std::string::npos) << content;
  EXPECT_NE(content.find("【示例】您好"), std::string::npos) << content;
}

TEST(SmsDoctor, EachGatewayIsChecked) {
  SmsConfig c;
  HealthCheck none = CheckSms(c, "/nonexistent");
  EXPECT_EQ(none.verdict, HealthCheck::Verdict::kOk);
  EXPECT_NE(none.what.find("not configured"), std::string::npos);

  testing::TempDir dir;
  c.gateway = "file";
  HealthCheck file = CheckSms(c, dir.File("data"));  // not there yet: its parent is writable
  EXPECT_EQ(file.verdict, HealthCheck::Verdict::kOk) << file.what;
  EXPECT_NE(file.what.find("sms.jsonl"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.File("data")));  // nothing created
  if (::geteuid() != 0) {
    HealthCheck unwritable = CheckSms(c, "/proc/zx-no");
    EXPECT_EQ(unwritable.verdict, HealthCheck::Verdict::kFail) << unwritable.what;
  }

  c.gateway = "http";
  c.url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/send";
  HealthCheck closed = CheckSms(c, "/nonexistent", 1000ms);
  EXPECT_EQ(closed.verdict, HealthCheck::Verdict::kFail) << closed.what;
  EXPECT_NE(closed.fix.find("sms.url"), std::string::npos);

  TestSmsServer server;
  c.url = server.url();
  HealthCheck open = CheckSms(c, "/nonexistent", 1000ms);
  EXPECT_EQ(open.verdict, HealthCheck::Verdict::kOk) << open.what;
  EXPECT_TRUE(server.requests().empty());  // a connection only, no message

  c.auth_header_name = "X-Key";
  c.auth_header_value_env = "ZX_SMS_TEST_TOKEN_UNSET";
  HealthCheck no_secret = CheckSms(c, "/nonexistent", 1000ms);
  EXPECT_EQ(no_secret.verdict, HealthCheck::Verdict::kFail);
  EXPECT_NE(no_secret.what.find("ZX_SMS_TEST_TOKEN_UNSET"), std::string::npos);
}

}  // namespace
}  // namespace zx::telephony
