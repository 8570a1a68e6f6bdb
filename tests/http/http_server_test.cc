// The HTTP server end to end: a real server on 127.0.0.1 port 0 with the FakeAssistant, spoken
// to by a Boost.Beast client over loopback.
#include <utility>  // before any Asio header (Boost 1.74 with GCC 12)

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "base/metrics.h"
#include "http/knowledge_routes.h"
#include "http/server.h"
#include "http/system_routes.h"
#include "knowledge/testing/fake_assistant.h"

namespace zx::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using Res = bhttp::response<bhttp::string_body>;

// A blocking client whose every operation gives up after a deadline, so a broken server fails
// the test instead of hanging it.
class Client {
 public:
  explicit Client(uint16_t port) : stream_(ioc_) {
    stream_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  Res Send(bhttp::verb method, const std::string& target, const std::string& body = "",
           const Fields& headers = {}) {
    bhttp::request<bhttp::string_body> req{method, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() || method == bhttp::verb::post) {
      req.set(bhttp::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    beast::error_code ec = Write(req);
    EXPECT_FALSE(ec) << "write: " << ec.message();
    return Read(method == bhttp::verb::head);
  }
  Res Get(const std::string& target, const Fields& headers = {}) {
    return Send(bhttp::verb::get, target, "", headers);
  }
  Res Ask(const std::string& body) { return Send(bhttp::verb::post, "/api/v1/ask", body); }

  template <typename Message>
  beast::error_code Write(Message& message) {
    return Run([&](auto done) { bhttp::async_write(stream_, message, done); });
  }
  beast::error_code WriteRaw(const std::string& bytes) {
    return Run([&](auto done) { asio::async_write(stream_, asio::buffer(bytes), done); });
  }
  Res Read(bool head = false, beast::error_code* error = nullptr) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    parser.skip(head);
    beast::error_code ec =
        Run([&](auto done) { bhttp::async_read(stream_, buffer_, parser, done); });
    if (error)
      *error = ec;
    else
      EXPECT_FALSE(ec) << "read: " << ec.message();
    return parser.release();
  }
  // True when the server closed the connection (EOF or reset) within `wait`.
  bool ClosedWithin(std::chrono::milliseconds wait) {
    char byte;
    beast::error_code ec =
        Run([&](auto done) { stream_.async_read_some(asio::buffer(&byte, 1), done); }, wait);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

 private:
  template <typename Start>
  beast::error_code Run(Start start, std::chrono::milliseconds timeout = 10s) {
    beast::error_code result = asio::error::would_block;
    stream_.expires_after(timeout);
    start([&](beast::error_code ec, size_t) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  asio::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

nlohmann::json Json(const Res& r) { return nlohmann::json::parse(r.body()); }
std::string ErrorCode(const Res& r) { return Json(r)["error"]["code"]; }
std::string ErrorMessage(const Res& r) { return Json(r)["error"]["message"]; }

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }

  void Start(ServerOptions options = {"127.0.0.1", 0, 2, 64 * 1024, 10000}) {
    server_.reset();
    auto router = std::make_shared<Router>();
    AddSystemRoutes(*router, metrics_);
    AddKnowledgeRoutes(*router, assistant_, metrics_);
    router->Add("GET", "/test/throw",
                [](const Request&) -> Response { throw std::runtime_error("handler bug"); });
    // An upload route: up to 1 MiB, beyond the server's 64 KiB.
    router->Add("POST", "/test/upload", [](const Request& r) {
      return Response::Json(200, {{"bytes", r.body.size()}});
    });
    router->AllowBodyUpTo(1 << 20);
    router->Add("GET", "/test/slow", [](const Request&) {
      std::this_thread::sleep_for(300ms);
      return Response::Json(200, {{"slow", true}});
    });
    // Three events 20 ms apart, then the end; and a stream that never ends on its own, whose
    // source lives as long as the server holds it.
    router->Add("GET", "/test/events", [](const Request&) {
      auto stream = std::make_shared<EventStream>();
      stream->every = 20ms;
      stream->next = [n = 0]() mutable -> std::optional<std::string> {
        if (++n > 3) return std::nullopt;
        return SseEvent("tick", std::to_string(n));
      };
      return Response::Stream(stream);
    });
    router->Add("GET", "/test/endless", [watch = alive_](const Request&) {
      auto stream = std::make_shared<EventStream>();
      stream->every = 20ms;
      stream->next = [token = std::make_shared<int>(0), watch]() mutable {
        *watch = token;  // the test watches this one
        return std::optional<std::string>(++*token % 5 ? std::string() : SseComment("beat"));
      };
      return Response::Stream(stream);
    });
    auto server = Server::Start(options, router, metrics_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    ASSERT_NE(server_->port(), 0);
  }
  Client Connect() { return Client(server_->port()); }

  Metrics metrics_;
  // The endless stream's source (while it exists).
  std::shared_ptr<std::weak_ptr<int>> alive_ = std::make_shared<std::weak_ptr<int>>();
  knowledge::testing::FakeAssistant assistant_;
  std::unique_ptr<Server> server_;
};

TEST_F(HttpServerTest, HealthzWithSecurityHeadersAndRequestId) {
  Client c = Connect();
  Res r = c.Get("/healthz");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(Json(r), nlohmann::json::parse(R"({"status":"ok"})"));
  EXPECT_EQ(r[bhttp::field::content_type], "application/json");
  EXPECT_EQ(r["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(r["Referrer-Policy"], "no-referrer");
  EXPECT_EQ(r["X-Frame-Options"], "DENY");
  EXPECT_EQ(r[bhttp::field::cache_control], "");  // only /api is no-store
  EXPECT_EQ(r["X-Request-Id"].size(), 16u);
  EXPECT_NE(c.Get("/healthz")["X-Request-Id"], r["X-Request-Id"]);
}

TEST_F(HttpServerTest, RequestIdIsEchoedWhenSane) {
  Client c = Connect();
  EXPECT_EQ(c.Get("/healthz", {{"X-Request-Id", "call-42.a:b_c"}})["X-Request-Id"],
            "call-42.a:b_c");
  std::string insane(c.Get("/healthz", {{"X-Request-Id", "a b<script>"}})["X-Request-Id"]);
  EXPECT_EQ(insane.size(), 16u);
  EXPECT_EQ(c.Get("/healthz", {{"X-Request-Id", std::string(129, 'a')}})["X-Request-Id"].size(),
            16u);
}

TEST_F(HttpServerTest, HeadAnswersWithoutBody) {
  Client c = Connect();
  Res r = c.Send(bhttp::verb::head, "/healthz");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r[bhttp::field::content_length], "15");
  EXPECT_EQ(r.body(), "");
  EXPECT_EQ(c.Get("/healthz").result_int(), 200);  // the connection is still in step
}

TEST_F(HttpServerTest, AskAnswersWithTheAskJsonShape) {
  Client c = Connect();
  Res r = c.Ask(R"({"question": "社保卡怎么办理？"})");
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(r[bhttp::field::cache_control], "no-store");
  EXPECT_EQ(r[bhttp::field::content_type], "application/json");
  auto j = Json(r);
  for (const char* key : {"question", "topic", "confidence", "answer", "citations", "alternatives"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["question"], "社保卡怎么办理？");
  EXPECT_EQ(j["topic"], "sbk.apply");
  EXPECT_TRUE(j["confidence"].is_number());
  EXPECT_EQ(j["answer"], "社保卡可到合作银行网点申领。");
  ASSERT_EQ(j["citations"].size(), 1u);
  EXPECT_EQ(j["citations"][0],
            nlohmann::json::parse(R"({"id":"sbk.apply","title":"社保卡申领","version":1})"));
  ASSERT_EQ(j["alternatives"].size(), 1u);
  EXPECT_EQ(j["alternatives"][0]["topic"], "sbk.loss");
  EXPECT_TRUE(j["alternatives"][0]["confidence"].is_number());
}

TEST_F(HttpServerTest, EmojiAndEnglishAreAnswered) {
  Client c = Connect();
  EXPECT_EQ(c.Ask(R"({"question": "🙂🙂"})").result_int(), 200);
  EXPECT_EQ(c.Ask(R"({"question": "How do I get a social security card?"})").result_int(), 200);
}

TEST_F(HttpServerTest, UnknownPathIs404Json) {
  Client c = Connect();
  Res r = c.Get("/api/v1/nope?x=1");
  EXPECT_EQ(r.result_int(), 404);
  EXPECT_EQ(r[bhttp::field::content_type], "application/json");
  EXPECT_EQ(ErrorCode(r), "not_found");
  EXPECT_EQ(r[bhttp::field::cache_control], "no-store");
  EXPECT_FALSE(r["X-Request-Id"].empty());
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllow) {
  Client c = Connect();
  Res r = c.Get("/api/v1/ask");
  EXPECT_EQ(r.result_int(), 405);
  EXPECT_EQ(r[bhttp::field::allow], "POST");
  EXPECT_EQ(ErrorCode(r), "method_not_allowed");
  r = c.Send(bhttp::verb::delete_, "/healthz");
  EXPECT_EQ(r.result_int(), 405);
  EXPECT_EQ(r[bhttp::field::allow], "GET, HEAD");
}

TEST_F(HttpServerTest, BadQuestionsAre400WithTheReason) {
  Client c = Connect();
  Res r = c.Ask(R"({"question": "社保)");
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_EQ(ErrorCode(r), "invalid_argument");
  EXPECT_NE(ErrorMessage(r).find("not valid JSON"), std::string::npos) << ErrorMessage(r);

  r = c.Ask("{\"question\": \"\xE7\xA4\xBE\xC3\x28\"}");
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_NE(ErrorMessage(r).find("UTF-8"), std::string::npos) << ErrorMessage(r);

  for (const char* blank : {R"({"question": ""})", R"({"question": " 　 "})"}) {
    r = c.Ask(blank);
    EXPECT_EQ(r.result_int(), 400);
    EXPECT_EQ(ErrorMessage(r), "question must not be empty");
  }

  r = c.Ask(R"({"text": "社保卡"})");
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_NE(ErrorMessage(r).find("\"question\""), std::string::npos);
  r = c.Ask(R"({"question": ["社保卡"]})");
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_NE(ErrorMessage(r).find("must be a string"), std::string::npos);

  std::string long_question(2001, 'a');
  r = c.Ask(nlohmann::json{{"question", long_question}}.dump());
  EXPECT_EQ(r.result_int(), 413);
  EXPECT_NE(ErrorMessage(r).find("2000"), std::string::npos);
  // Every error left the connection usable.
  EXPECT_EQ(c.Get("/healthz").result_int(), 200);
}

// Router::AllowBodyUpTo: one route takes a larger body; the others keep the server's limit.
TEST_F(HttpServerTest, UploadRouteTakesItsOwnLimit) {
  Client c = Connect();
  std::string body(300 * 1024, 'u');
  Res r = c.Send(bhttp::verb::post, "/test/upload", body);
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(Json(r)["bytes"], body.size());
  Client over = Connect();
  r = over.Send(bhttp::verb::post, "/test/upload", std::string((1 << 20) + 1, 'u'));
  EXPECT_EQ(r.result_int(), 413);
  EXPECT_NE(ErrorMessage(r).find("1048576"), std::string::npos) << ErrorMessage(r);
  Client other = Connect();
  r = other.Ask(R"({"question": ")" + std::string(300 * 1024, 'x') + "\"}");
  EXPECT_EQ(r.result_int(), 413);
  EXPECT_NE(ErrorMessage(r).find("65536"), std::string::npos) << ErrorMessage(r);
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413AndTheServerGoesOn) {
  {
    Client c = Connect();
    std::string big = R"({"question": ")" + std::string(2 << 20, 'x') + "\"}";
    Res r = c.Ask(big);  // the whole 2 MB is written before reading
    EXPECT_EQ(r.result_int(), 413);
    EXPECT_EQ(ErrorCode(r), "resource_exhausted");
    EXPECT_NE(ErrorMessage(r).find("65536"), std::string::npos) << ErrorMessage(r);
    EXPECT_FALSE(r.keep_alive());
    EXPECT_FALSE(r["X-Request-Id"].empty());
    EXPECT_TRUE(c.ClosedWithin(5s));
  }
  {
    // Chunked, so that the limit is only found in the middle of the body.
    Client c = Connect();
    std::string head = "POST /api/v1/ask HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    std::string chunk(64 * 1024, 'y');
    std::string bytes = head;
    for (int i = 0; i < 32; ++i) bytes += "10000\r\n" + chunk + "\r\n";
    bytes += "0\r\n\r\n";
    EXPECT_FALSE(c.WriteRaw(bytes));
    Res r = c.Read();
    EXPECT_EQ(r.result_int(), 413);
    EXPECT_TRUE(c.ClosedWithin(5s));
  }
  Client c = Connect();
  EXPECT_EQ(c.Get("/healthz").result_int(), 200);
  EXPECT_EQ(c.Ask(R"({"question": "社保卡"})").result_int(), 200);
}

TEST_F(HttpServerTest, ExpectContinueIsHonoured) {
  Client c = Connect();
  std::string body = R"({"question": "社保卡怎么办"})";
  EXPECT_FALSE(
      c.WriteRaw("POST /api/v1/ask HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                 "Content-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n"));
  Res interim = c.Read();
  EXPECT_EQ(interim.result_int(), 100);
  EXPECT_FALSE(c.WriteRaw(body));
  EXPECT_EQ(c.Read().result_int(), 200);

  // Too large: 413 at once, without 100 and without waiting for the body.
  EXPECT_FALSE(
      c.WriteRaw("POST /api/v1/ask HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                 "Content-Length: 10000000\r\n\r\n"));
  EXPECT_EQ(c.Read().result_int(), 413);
}

TEST_F(HttpServerTest, KeepAliveServesAHundredRequestsOnOneConnection) {
  Client c = Connect();
  for (int i = 0; i < 100; ++i) {
    Res r = i % 2 ? c.Get("/healthz") : c.Ask(R"({"question": "社保卡丢了怎么补办"})");
    ASSERT_EQ(r.result_int(), 200) << "request " << i;
    ASSERT_TRUE(r.keep_alive()) << "request " << i;
  }
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Client c = Connect();
  std::string body = R"({"question": "医保"})";
  std::string bytes =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: one\r\n\r\n"
      "POST /api/v1/ask HTTP/1.1\r\nHost: x\r\nX-Request-Id: two\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body +
      "GET /missing HTTP/1.1\r\nHost: x\r\nX-Request-Id: three\r\n\r\n";
  EXPECT_FALSE(c.WriteRaw(bytes));
  Res a = c.Read(), b = c.Read(), d = c.Read();
  EXPECT_EQ(a.result_int(), 200);
  EXPECT_EQ(a["X-Request-Id"], "one");
  EXPECT_EQ(b.result_int(), 200);
  EXPECT_EQ(b["X-Request-Id"], "two");
  EXPECT_EQ(Json(b)["topic"], "sbk.apply");
  EXPECT_EQ(d.result_int(), 404);
  EXPECT_EQ(d["X-Request-Id"], "three");
}

TEST_F(HttpServerTest, ConcurrentClients) {
  constexpr int kClients = 8, kRequests = 40;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t)
    threads.emplace_back([&] {
      Client c = Connect();
      for (int i = 0; i < kRequests; ++i) {
        Res r = i % 2 ? c.Get("/healthz") : c.Ask(R"({"question": "公积金怎么提取"})");
        if (r.result_int() == 200) ++ok;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, kClients * kRequests);
  std::string text = Connect().Get("/metrics").body();
  EXPECT_NE(text.find("zhixian_answers_total{outcome=\"answered\"} " +
                      std::to_string(kClients * kRequests / 2) + "\n"),
            std::string::npos)
      << text;
}

TEST_F(HttpServerTest, HandlerExceptionIs500AndServingGoesOn) {
  Client c = Connect();
  Res r = c.Get("/test/throw", {{"X-Request-Id", "boom-1"}});
  EXPECT_EQ(r.result_int(), 500);
  EXPECT_EQ(ErrorCode(r), "internal");
  EXPECT_NE(ErrorMessage(r).find("boom-1"), std::string::npos);
  EXPECT_EQ(ErrorMessage(r).find("handler bug"), std::string::npos) << "no internals leak";
  EXPECT_EQ(c.Get("/healthz").result_int(), 200);  // same connection
  EXPECT_EQ(Connect().Get("/healthz").result_int(), 200);
}

TEST_F(HttpServerTest, MetricsCountRequestsByRouteAndStatus) {
  Client c = Connect();
  ASSERT_EQ(c.Get("/healthz").result_int(), 200);
  ASSERT_EQ(c.Get("/healthz").result_int(), 200);
  ASSERT_EQ(c.Get("/no/such/thing/13812345678").result_int(), 404);
  ASSERT_EQ(c.Ask(R"({"question": "社保卡"})").result_int(), 200);
  ASSERT_EQ(c.Ask(R"({"question": ""})").result_int(), 400);
  Res r = c.Get("/metrics");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r[bhttp::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = r.body();
  for (const char* line : {
           "# TYPE zhixian_http_requests_total counter\n",
           "zhixian_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2\n",
           "zhixian_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1\n",
           "zhixian_http_requests_total{method=\"POST\",route=\"/api/v1/ask\",status=\"200\"} 1\n",
           "zhixian_http_requests_total{method=\"POST\",route=\"/api/v1/ask\",status=\"400\"} 1\n",
           "# TYPE zhixian_http_request_duration_seconds histogram\n",
           "zhixian_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 2\n",
           "zhixian_http_request_duration_seconds_count{route=\"/api/v1/ask\"} 2\n",
           "zhixian_answers_total{outcome=\"answered\"} 1\n",
           "zhixian_answer_confidence_bucket{outcome=\"answered\",le=\"0.9\"} 1\n",
       })
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
  EXPECT_EQ(text.find("13812345678"), std::string::npos) << "paths are not labels";
}

TEST_F(HttpServerTest, MalformedHttpIs400AndClosed) {
  {
    Client c = Connect();
    EXPECT_FALSE(c.WriteRaw("GARBAGE\r\n\r\n"));
    Res r = c.Read();
    EXPECT_EQ(r.result_int(), 400);
    EXPECT_EQ(ErrorCode(r), "invalid_argument");
    EXPECT_NE(ErrorMessage(r).find("malformed HTTP"), std::string::npos);
    EXPECT_TRUE(c.ClosedWithin(5s));
  }
  {
    Client c = Connect();
    EXPECT_FALSE(c.WriteRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"));
    EXPECT_EQ(c.Read().result_int(), 400);
    EXPECT_TRUE(c.ClosedWithin(5s));
  }
  EXPECT_EQ(Connect().Get("/healthz").result_int(), 200);
}

TEST_F(HttpServerTest, HeaderOverTheLimitIs431) {
  Client c = Connect();
  EXPECT_FALSE(c.WriteRaw(
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(32 * 1024, 'a') + "\r\n\r\n"));
  Res r = c.Read();
  EXPECT_EQ(r.result_int(), 431);
  EXPECT_EQ(ErrorCode(r), "resource_exhausted");
  EXPECT_TRUE(c.ClosedWithin(5s));
}

TEST_F(HttpServerTest, Http10ClosesAfterTheResponse) {
  Client c = Connect();
  EXPECT_FALSE(c.WriteRaw("GET /healthz HTTP/1.0\r\n\r\n"));
  Res r = c.Read();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.version(), 10u);
  EXPECT_TRUE(c.ClosedWithin(5s));
}

TEST_F(HttpServerTest, SilentClientsAreCutOff) {
  Start({"127.0.0.1", 0, 2, 64 * 1024, 200});
  Client half = Connect();
  EXPECT_FALSE(half.WriteRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n"));  // never finished
  Client idle = Connect();
  EXPECT_EQ(idle.Get("/healthz").result_int(), 200);  // then silent on keep-alive
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(half.ClosedWithin(3s));
  EXPECT_TRUE(idle.ClosedWithin(3s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(Connect().Get("/healthz").result_int(), 200);
}

TEST_F(HttpServerTest, StopFinishesRequestsInProgressAndClosesIdleConnections) {
  Client idle = Connect();
  EXPECT_EQ(idle.Get("/healthz").result_int(), 200);
  Client busy = Connect();
  bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/test/slow", 11};
  req.set(bhttp::field::host, "x");
  EXPECT_FALSE(busy.Write(req));
  std::this_thread::sleep_for(100ms);  // the handler is running
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  Res r = busy.Read();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_FALSE(r.keep_alive());
  EXPECT_TRUE(idle.ClosedWithin(1s));
  server_->Stop();                                       // idempotent
  EXPECT_THROW(Connect(), boost::system::system_error);  // no longer listening
}

// A plain socket reading what a stream sends, with a receive timeout (POSIX recv: Asio's
// blocking reads ignore SO_RCVTIMEO).
class StreamClient {
 public:
  explicit StreamClient(uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    timeval tv{0, 200000};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  void Get(const std::string& target, const std::string& version = "1.1") {
    asio::write(socket_, asio::buffer("GET " + target + " HTTP/" + version +
                                      "\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"));
  }
  // Reads until `needle` has come or the connection has ended (or 5 s); what came so far.
  const std::string& ReadUntil(std::string_view needle) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!ended_ && received_.find(needle) == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      char buf[4096];
      ssize_t n = ::recv(socket_.native_handle(), buf, sizeof buf, 0);
      if (n > 0) received_.append(buf, static_cast<size_t>(n));
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
        ended_ = true;
    }
    return received_;
  }
  bool ended() const { return ended_; }
  void Close() { socket_.close(); }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
  std::string received_;
  bool ended_ = false;
};

TEST_F(HttpServerTest, StreamSendsChunksThenEnds) {
  StreamClient c(server_->port());
  c.Get("/test/events");
  std::string got = c.ReadUntil("\r\n0\r\n\r\n");
  EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
  EXPECT_NE(got.find("Content-Type: text/event-stream; charset=utf-8\r\n"), std::string::npos);
  EXPECT_NE(got.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << got;
  EXPECT_NE(got.find("Cache-Control: no-store\r\n"), std::string::npos) << got;
  EXPECT_NE(got.find("X-Request-Id: "), std::string::npos) << got;
  EXPECT_NE(got.find("Connection: close\r\n"), std::string::npos) << got;
  for (const char* n : {"1", "2", "3"})
    EXPECT_NE(got.find(std::string("event: tick\ndata: ") + n + "\n\n"), std::string::npos) << got;
  EXPECT_TRUE(got.ends_with("\r\n0\r\n\r\n")) << got;
  c.ReadUntil("never");
  EXPECT_TRUE(c.ended());
  // HTTP/1.0: no chunks, the end of the connection ends the body.
  StreamClient old(server_->port());
  old.Get("/test/events", "1.0");
  got = old.ReadUntil("never");
  EXPECT_TRUE(old.ended());
  EXPECT_EQ(got.find("chunked"), std::string::npos) << got;
  EXPECT_TRUE(got.ends_with("event: tick\ndata: 3\n\n")) << got;
  EXPECT_NE(metrics_.RenderText().find("route=\"/test/events\",status=\"200\""), std::string::npos);
}

TEST_F(HttpServerTest, StreamEndsWhenTheClientGoes) {
  StreamClient c(server_->port());
  c.Get("/test/endless");
  c.ReadUntil(": beat\n\n");
  EXPECT_FALSE(alive_->expired());
  c.Close();
  auto deadline = std::chrono::steady_clock::now() + 3s;
  while (!alive_->expired() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(alive_->expired()) << "the server still polls a stream nobody reads";
  EXPECT_EQ(Connect().Get("/healthz").result_int(), 200);
}

TEST_F(HttpServerTest, StopEndsStreams) {
  StreamClient c(server_->port());
  c.Get("/test/endless");
  c.ReadUntil(": beat\n\n");
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_TRUE(c.ReadUntil("\r\n0\r\n\r\n").ends_with("\r\n0\r\n\r\n"));
  EXPECT_TRUE(alive_->expired());
}

TEST(HttpServerStart, ReportsBadOptionsAndBusyPorts) {
  Metrics metrics;
  auto router = std::make_shared<Router>();
  AddSystemRoutes(*router, metrics);
  auto bad = Server::Start({"localhost:80", 0, 2, 1024, 1000}, router, metrics);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  bad = Server::Start({"127.0.0.1", 0, 0, 1024, 1000}, router, metrics);
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);

  auto first = Server::Start({"127.0.0.1", 0, 1, 1024, 1000}, router, metrics);
  ASSERT_TRUE(first.ok());
  auto second = Server::Start({"127.0.0.1", (*first)->port(), 1, 1024, 1000}, router, metrics);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kUnavailable);
  EXPECT_NE(second.status().message().find(std::to_string((*first)->port())), std::string::npos)
      << second.status().message();
}

TEST(HttpServerStart, OptionsFromConfig) {
  ServerConfig config;
  config.http = "0.0.0.0:18080";
  config.threads = 3;
  auto o = ServerOptionsFromConfig(config);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->host, "0.0.0.0");
  EXPECT_EQ(o->port, 18080);
  EXPECT_EQ(o->threads, 3);
  EXPECT_EQ(o->max_body_bytes, 64u * 1024);
  config.http = "[::1]:0";
  o = ServerOptionsFromConfig(config);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->host, "::1");
  config.http = "nohost";
  EXPECT_FALSE(ServerOptionsFromConfig(config).ok());
}

TEST(HttpServerReady, HealthzIs503UntilReady) {
  Metrics metrics;
  std::atomic<bool> ready{false};
  auto router = std::make_shared<Router>();
  AddSystemRoutes(*router, metrics,
                  [&] { return ready.load() ? std::string() : std::string("starting"); });
  auto server = Server::Start({"127.0.0.1", 0, 1, 1024, 1000}, router, metrics);
  ASSERT_TRUE(server.ok());
  Client c((*server)->port());
  Res r = c.Get("/healthz");
  EXPECT_EQ(r.result_int(), 503);
  EXPECT_EQ(ErrorCode(r), "unavailable");
  EXPECT_NE(r.body().find("not ready: starting"), std::string::npos) << r.body();
  ready = true;
  EXPECT_EQ(c.Get("/healthz").result_int(), 200);
}

}  // namespace
}  // namespace zx::http
