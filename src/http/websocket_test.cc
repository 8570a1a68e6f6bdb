// The WebSocket transport end to end: a real Server on 127.0.0.1 port 0 with test routes, and
// a Beast WebSocket client (http/testing/ws_client.h).
#include <utility>  // before any Asio header (Boost 1.74 with GCC 12)

#include "http/websocket.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "base/metrics.h"
#include "http/server.h"
#include "http/testing/ws_client.h"

namespace zx::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;
using testing::WsClient;

// What the server side saw, shared by every connection of a test.
struct Seen {
  std::mutex mu;
  std::condition_variable changed;
  std::vector<std::string> messages;
  std::vector<int> close_codes;
  std::weak_ptr<WebSocketConnection> last;

  bool WaitForClose(std::chrono::milliseconds wait) {
    std::unique_lock lock(mu);
    return changed.wait_for(lock, wait, [&] { return !close_codes.empty(); });
  }
  std::shared_ptr<WebSocketConnection> WaitForOpen(std::chrono::milliseconds wait) {
    std::unique_lock lock(mu);
    changed.wait_for(lock, wait, [&] { return !last.expired(); });
    return last.lock();
  }
};

// An echo route: "bye" closes with 4000 after "ok", "throw" throws, anything else comes back.
std::shared_ptr<WebSocketHandler> EchoHandler(std::shared_ptr<Seen> seen, int idle_ms) {
  auto h = std::make_shared<WebSocketHandler>();
  auto conn = std::make_shared<std::weak_ptr<WebSocketConnection>>();
  h->on_open = [seen, conn](std::shared_ptr<WebSocketConnection> c) {
    *conn = c;
    std::lock_guard lock(seen->mu);
    seen->last = c;
    seen->changed.notify_all();
  };
  h->on_message = [seen, conn](std::string_view text) {
    {
      std::lock_guard lock(seen->mu);
      seen->messages.emplace_back(text);
    }
    auto c = conn->lock();
    if (!c) return;
    if (text == "bye") {
      c->Send("ok");
      c->Close(4000, "bye");
    } else if (text == "throw") {
      throw std::runtime_error("handler bug");
    } else {
      c->Send(std::string(text));
    }
  };
  h->on_close = [seen](int code) {
    std::lock_guard lock(seen->mu);
    seen->close_codes.push_back(code);
    seen->changed.notify_all();
  };
  h->max_message_bytes = 64 * 1024;
  h->idle_timeout_ms = idle_ms;
  return h;
}

class WebSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto router = std::make_shared<Router>();
    router->Add("GET", "/ws", [seen = seen_](const Request& req) {
      return UpgradeToWebSocket(req, EchoHandler(seen, 60000));
    });
    router->Add("GET", "/ws/idle", [seen = seen_](const Request& req) {
      return UpgradeToWebSocket(req, EchoHandler(seen, 300));
    });
    auto server = Server::Start({"127.0.0.1", 0, 2, 64 * 1024, 3000}, router, metrics_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }

  std::string Read(WsClient& c) {
    std::string out;
    auto ec = c.Read(&out);
    EXPECT_FALSE(ec) << ec.message();
    return out;
  }

  Metrics metrics_;
  std::shared_ptr<Seen> seen_ = std::make_shared<Seen>();
  std::unique_ptr<Server> server_;
};

TEST_F(WebSocketTest, EchoesTextMessagesInOrder) {
  WsClient c;
  beast::websocket::response_type res;
  ASSERT_FALSE(c.Connect(server_->port(), "/ws", &res));
  EXPECT_EQ(res.result_int(), 101);
  EXPECT_EQ(res["X-Request-Id"].size(), 16u);
  for (std::string m : {"一", "二", "三 three"}) ASSERT_FALSE(c.Write(m));
  EXPECT_EQ(Read(c), "一");
  EXPECT_EQ(Read(c), "二");
  EXPECT_EQ(Read(c), "三 three");
  ASSERT_FALSE(c.Close());
  ASSERT_TRUE(seen_->WaitForClose(3s));
  EXPECT_EQ(seen_->close_codes, std::vector<int>{1000});
  EXPECT_NE(metrics_.RenderText().find("route=\"/ws\",status=\"101\""), std::string::npos);
}

TEST_F(WebSocketTest, SendFromAnotherThreadIsPushed) {
  WsClient c;
  ASSERT_FALSE(c.Connect(server_->port(), "/ws"));
  auto conn = seen_->WaitForOpen(3s);
  ASSERT_TRUE(conn);
  std::thread t([conn] {
    for (int i = 0; i < 100; ++i) conn->Send("push " + std::to_string(i));
  });
  t.join();
  for (int i = 0; i < 100; ++i) ASSERT_EQ(Read(c), "push " + std::to_string(i));
}

TEST_F(WebSocketTest, MessageOverTheLimitClosesWith1009) {
  WsClient c;
  ASSERT_FALSE(c.Connect(server_->port(), "/ws"));
  std::string just_fits(64 * 1024, 'a');
  ASSERT_FALSE(c.Write(just_fits));
  EXPECT_EQ(Read(c), just_fits);
  c.Write(std::string(64 * 1024 + 1, 'b'));
  std::string out;
  EXPECT_EQ(c.Read(&out), beast::websocket::error::closed);
  EXPECT_EQ(c.close_code(), 1009);
  ASSERT_TRUE(seen_->WaitForClose(3s));
  EXPECT_EQ(seen_->close_codes, std::vector<int>{1009});
}

TEST_F(WebSocketTest, OneMegabyteMessageClosesWith1009AndServerKeepsServing) {
  WsClient c;
  ASSERT_FALSE(c.Connect(server_->port(), "/ws"));
  auto wec = c.Write(std::string(1 << 20, 'x'));
  std::string out;
  auto rec = c.Read(&out);
  EXPECT_FALSE(wec) << wec.message();  // the server reads (and drops) the rest
  EXPECT_EQ(rec, beast::websocket::error::closed) << rec.message();
  EXPECT_EQ(c.close_code(), 1009);
  WsClient d;
  ASSERT_FALSE(d.Connect(server_->port(), "/ws"));
  ASSERT_FALSE(d.Write("still here"));
  EXPECT_EQ(Read(d), "still here");
}

TEST_F(WebSocketTest, BinaryMessageClosesWith1003) {
  WsClient c;
  ASSERT_FALSE(c.Connect(server_->port(), "/ws"));
  ASSERT_FALSE(c.Write("\x01\x02", /*binary=*/true));
  std::string out;
  EXPECT_EQ(c.Read(&out), beast::websocket::error::closed);
  EXPECT_EQ(c.close_code(), 1003);
}

TEST_F(WebSocketTest, HandlerCloseSendsWhatIsQueuedFirst) {
  WsClient c;
  ASSERT_FALSE(c.Connect(server_->port(), "/ws"));
  ASSERT_FALSE(c.Write("bye"));
  EXPECT_EQ(Read(c), "ok");
  std::string out;
  EXPECT_EQ(c.Read(&out), beast::websocket::error::closed);
  EXPECT_EQ(c.close_code(), 4000);
  ASSERT_TRUE(seen_->WaitForClose(3s));
  EXPECT_EQ(seen_->close_codes, std::vector<int>{4000});
}

TEST_F(WebSocketTest, HandlerExceptionClosesWith1011) {
  WsClient c;
  ASSERT_FALSE(c.Connect(server_->port(), "/ws"));
  ASSERT_FALSE(c.Write("throw"));
  std::string out;
  EXPECT_EQ(c.Read(&out), beast::websocket::error::closed);
  EXPECT_EQ(c.close_code(), 1011);
}

TEST_F(WebSocketTest, SilentClientIsClosedAfterTheIdleTimeout) {
  WsClient c;
  ASSERT_FALSE(c.Connect(server_->port(), "/ws/idle"));
  // The client does not read, so it does not answer the server's ping.
  ASSERT_TRUE(seen_->WaitForClose(3s));
  EXPECT_EQ(seen_->close_codes, std::vector<int>{1006});
}

TEST_F(WebSocketTest, PlainGetIsAnswered426) {
  // A plain HTTP request to the WebSocket route.
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/ws", 11};
  req.set(bhttp::field::host, "127.0.0.1");
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  EXPECT_EQ(res.result_int(), 426);
  EXPECT_EQ(res["Upgrade"], "websocket");
  EXPECT_NE(res.body().find("upgrade_required"), std::string::npos);
}

TEST_F(WebSocketTest, UnknownPathRefusesTheHandshake) {
  WsClient c;
  beast::websocket::response_type res;
  EXPECT_TRUE(c.Connect(server_->port(), "/nope", &res));
  EXPECT_EQ(res.result_int(), 404);
}

TEST_F(WebSocketTest, StopClosesWith1001Promptly) {
  WsClient c;
  ASSERT_FALSE(c.Connect(server_->port(), "/ws"));
  ASSERT_FALSE(c.Write("hello"));
  EXPECT_EQ(Read(c), "hello");
  auto start = std::chrono::steady_clock::now();
  std::thread stopper([this] { server_->Stop(); });
  std::string out;
  EXPECT_EQ(c.Read(&out), beast::websocket::error::closed);
  EXPECT_EQ(c.close_code(), 1001);
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  ASSERT_TRUE(seen_->WaitForClose(1s));
  EXPECT_EQ(seen_->close_codes, std::vector<int>{1001});
}

TEST(WebSocketUpgrade, RecognisesTheHandshakeHeaders) {
  Request r;
  r.method = "GET";
  r.headers = {{"Upgrade", "WebSocket"},
               {"Connection", "keep-alive, Upgrade"},
               {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
               {"Sec-WebSocket-Version", "13"}};
  EXPECT_TRUE(IsWebSocketUpgrade(r));
  Request no_key = r;
  no_key.headers.erase(no_key.headers.begin() + 2);
  EXPECT_FALSE(IsWebSocketUpgrade(no_key));
  Request old = r;
  old.headers[3].second = "8";
  EXPECT_FALSE(IsWebSocketUpgrade(old));
  Response refused = UpgradeToWebSocket(old, std::make_shared<WebSocketHandler>());
  EXPECT_EQ(refused.status, 426);
  EXPECT_EQ(refused.Header("Sec-WebSocket-Version"), "13");
  Request post = r;
  post.method = "POST";
  EXPECT_FALSE(IsWebSocketUpgrade(post));
  Response ok = UpgradeToWebSocket(r, std::make_shared<WebSocketHandler>());
  EXPECT_EQ(ok.status, 101);
  EXPECT_TRUE(ok.websocket);
}

TEST(WebSocketUpgrade, RefusesAnotherSitesPage) {
  Request r;
  r.method = "GET";
  r.headers = {{"Upgrade", "websocket"},
               {"Connection", "Upgrade"},
               {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
               {"Sec-WebSocket-Version", "13"},
               {"Host", "hotline.example.gov.cn:8080"}};
  EXPECT_TRUE(SameOrigin(r));  // no Origin: not a browser
  for (const char* same :
       {"https://hotline.example.gov.cn:8080", "http://HOTLINE.example.gov.cn:8080"}) {
    Request o = r;
    o.headers.emplace_back("Origin", same);
    EXPECT_TRUE(SameOrigin(o)) << same;
    EXPECT_EQ(UpgradeToWebSocket(o, std::make_shared<WebSocketHandler>()).status, 101);
  }
  for (const char* other : {"https://evil.example.com", "https://hotline.example.gov.cn",
                            "https://hotline.example.gov.cn:8080.evil.com", "null", "x"}) {
    Request o = r;
    o.headers.emplace_back("Origin", other);
    EXPECT_FALSE(SameOrigin(o)) << other;
    EXPECT_EQ(UpgradeToWebSocket(o, std::make_shared<WebSocketHandler>()).status, 403) << other;
  }
}

TEST(WebSocketCapacity, RefusesOverTheLimitAndFreesTheSlot) {
  Metrics metrics;
  auto seen = std::make_shared<Seen>();
  auto router = std::make_shared<Router>();
  router->Add("GET", "/ws", [seen](const Request& req) {
    return UpgradeToWebSocket(req, EchoHandler(seen, 60000));
  });
  ServerOptions options{"127.0.0.1", 0, 2, 64 * 1024, 3000};
  options.max_websockets = 1;
  auto server = Server::Start(options, router, metrics);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  WsClient first;
  ASSERT_FALSE(first.Connect((*server)->port(), "/ws"));
  WsClient second;
  beast::websocket::response_type res;
  EXPECT_TRUE(second.Connect((*server)->port(), "/ws", &res));
  EXPECT_EQ(res.result_int(), 503);
  ASSERT_FALSE(first.Close());
  ASSERT_TRUE(seen->WaitForClose(3s));
  WsClient third;
  bool connected = false;
  for (int i = 0; i < 50 && !connected; ++i) {  // the slot frees once the session has ended
    WsClient attempt;
    connected = !attempt.Connect((*server)->port(), "/ws");
    if (!connected) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(connected);
}

}  // namespace
}  // namespace zx::http
