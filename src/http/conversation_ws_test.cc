// The chat protocol (http/conversation_ws.h) over a fake DialogueService: the channel alone, and
// end to end through the server with a WebSocket client.
#include <utility>  // before any Asio header (Boost 1.74 with GCC 12)

#include "http/conversation_ws.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "base/metrics.h"
#include "http/dialogue_json.h"
#include "http/server.h"
#include "http/staff_event_routes.h"
#include "http/testing/ws_client.h"

namespace zx::http {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Behaves like the real service where the channel can tell: the listener is called on the
// caller's thread after the change, with "citizen" and "reply" events for every Say, "summary"
// on End (also from inside a goodbye Say), "state" and "agent" for agents.
class FakeDialogueService : public dialogue::DialogueService {
 public:
  Result<dialogue::ConversationView> Start(const std::string& channel) override {
    std::unique_lock lock(mu_);
    std::string id = "conv-" + std::to_string(++next_id_);
    auto& c = conversations_[id];
    c.id = id;
    c.channel = channel;
    c.state = dialogue::kActive;
    c.turns.push_back({1, "assistant", "您好，请问有什么可以帮您？", 0, ""});
    dialogue::ConversationView started = c;
    started.token = "token-" + id;
    return started;
  }

  Result<dialogue::Reply> Say(const std::string& id, std::string_view text) override {
    dialogue::Reply reply;
    bool goodbye = false;
    {
      std::unique_lock lock(mu_);
      auto it = conversations_.find(id);
      if (it == conversations_.end()) return NotFound("no conversation " + id);
      auto& c = it->second;
      if (c.state == dialogue::kEnded) return FailedPrecondition("conversation has ended");
      if (text.empty()) return InvalidArgument("text must not be empty");
      if (text.size() > dialogue::kMaxMessageChars)
        return ResourceExhausted("text is longer than 2000 characters");
      c.turns.push_back({int64_t(c.turns.size() + 1), "citizen", std::string(text), 0, ""});
      bool handoff = text == "我要转人工";
      goodbye = text == "再见";
      if (handoff) {
        c.state = dialogue::kQueued;
        c.queue_position = 1;
      }
      reply.text = handoff ? "已为您转接人工" : goodbye ? "再见" : "收到：" + std::string(text);
      reply.handoff = handoff;
      reply.done = goodbye;
      reply.conversation_id = id;
      reply.state = c.state;
      reply.citations = {{"yl.zy", "住院报销"}};
      reply.queue_position = c.queue_position;
      c.turns.push_back(
          {int64_t(c.turns.size() + 1), "assistant", reply.text, 0, ToJson(reply).dump()});
    }
    Notify(dialogue::CitizenSaid{id, std::string(text)});
    Notify(dialogue::TurnAnswered{id, reply});
    if (goodbye) (void)End(id);
    return reply;
  }

  Result<dialogue::ConversationView> Get(const std::string& id,
                                         dialogue::TurnPage = {}) const override {
    std::unique_lock lock(mu_);
    auto it = conversations_.find(id);
    if (it == conversations_.end()) return NotFound("no conversation " + id);
    return it->second;
  }

  Result<dialogue::Summary> End(const std::string& id) override {
    dialogue::Summary summary;
    summary.subject.type = "市民";
    {
      std::unique_lock lock(mu_);
      auto it = conversations_.find(id);
      if (it == conversations_.end()) return NotFound("no conversation " + id);
      it->second.state = dialogue::kEnded;
      it->second.summary = summary;
    }
    Notify(dialogue::SummaryReady{id, summary});
    return summary;
  }

  Status CheckToken(const std::string& id, std::string_view token) const override {
    std::unique_lock lock(mu_);
    if (!conversations_.count(id) || token != "token-" + id)
      return NotFound("no conversation " + id + " for this token");
    return Status::Ok();
  }

  std::vector<dialogue::QueueItem> Queue() const override { return {}; }
  Result<dialogue::ActionRequest> WorkOrderFacts(const std::string&) const override {
    return NotFound("no such conversation");
  }
  Result<std::vector<std::string>> HeldBy(const std::string&) const override {
    return std::vector<std::string>{};
  }

  Result<dialogue::ConversationView> Take(const std::string& id, const dialogue::StaffRef& agent,
                                          bool = false) override {
    {
      std::unique_lock lock(mu_);
      auto it = conversations_.find(id);
      if (it == conversations_.end()) return NotFound("no conversation " + id);
      it->second.state = dialogue::kAgent;
      it->second.agent_id = agent.id;
      it->second.agent = agent.name;
    }
    Notify(dialogue::StateChanged{id, "agent", 0});
    return Get(id);
  }

  Status AgentSay(const std::string& id, const dialogue::StaffRef&,
                  std::string_view text) override {
    Notify(dialogue::AgentSaid{id, std::string(text)});
    return Status::Ok();
  }

  Status CorrectSummary(const std::string&, const dialogue::StaffRef&, std::string_view) override {
    return Status::Ok();
  }

  Result<dialogue::Continued> Continue(const std::string& id, std::string_view text) override {
    {
      std::unique_lock lock(mu_);
      auto it = conversations_.find(id);
      if (it == conversations_.end()) return NotFound("no conversation " + id);
      if (it->second.state != dialogue::kEnded) return FailedPrecondition("not ended");
    }
    dialogue::Continued out;
    ZX_ASSIGN_OR_RETURN(out.started, Start("web"));
    ZX_ASSIGN_OR_RETURN(out.reply, Say(out.started.id, text));
    return out;
  }

  Status Rate(const std::string& id, std::string_view rating) override {
    std::unique_lock lock(mu_);
    auto it = conversations_.find(id);
    if (it == conversations_.end()) return NotFound("no conversation " + id);
    if (it->second.state != dialogue::kEnded) return FailedPrecondition("not ended");
    if (!it->second.satisfaction.empty()) return Status(Code::kAlreadyExists, "rated");
    it->second.satisfaction = std::string(rating);
    return Status::Ok();
  }

  Result<dialogue::Summary> Close(const std::string&, const dialogue::StaffRef&,
                                  std::string_view) override {
    return Internal("not in the fake");
  }
  Status Transfer(const std::string&, const dialogue::StaffRef&, const dialogue::TransferTarget&,
                  std::string_view) override {
    return Internal("not in the fake");
  }
  Result<std::vector<dialogue::ConversationView>> Search(
      const dialogue::ConversationSearch&) const override {
    return std::vector<dialogue::ConversationView>{};
  }

  void Speaking(const std::string& id, std::string_view text) override {
    Notify(dialogue::CitizenSpeaking{id, std::string(text)});
  }

  int Subscribe(const std::string& id, Listener listener) override {
    std::unique_lock lock(mu_);
    listeners_[++next_sub_] = {id, std::move(listener)};
    return next_sub_;
  }
  void Unsubscribe(int subscription) override {
    std::unique_lock lock(mu_);
    listeners_.erase(subscription);
  }
  size_t subscriptions() const {
    std::unique_lock lock(mu_);
    return listeners_.size();
  }

 private:
  void Notify(const dialogue::Event& event) {
    const std::string& id = dialogue::ConversationOf(event);
    std::vector<Listener> targets;
    {
      std::unique_lock lock(mu_);
      for (const auto& [_, l] : listeners_)
        if (l.first.empty() || l.first == id) targets.push_back(l.second);  // "": all
    }
    for (auto& t : targets) t(event);
  }

  mutable std::mutex mu_;
  int next_id_ = 0;
  int next_sub_ = 0;
  std::map<std::string, dialogue::ConversationView> conversations_;
  std::map<int, std::pair<std::string, Listener>> listeners_;
};

// A channel whose frames land in a list.
struct Harness {
  FakeDialogueService service;
  std::mutex mu;
  std::vector<json> frames;
  std::shared_ptr<ChatChannel> channel = ChatChannel::Create(service, [this](std::string f) {
    std::lock_guard lock(mu);
    frames.push_back(json::parse(f));
  });

  // The frames sent since the last call.
  std::vector<json> Take() {
    std::lock_guard lock(mu);
    return std::exchange(frames, {});
  }
  std::vector<json> Send(const json& msg) {
    channel->OnMessage(msg.dump());
    return Take();
  }
  std::vector<std::string> Types(const std::vector<json>& fs) {
    std::vector<std::string> out;
    for (const auto& f : fs) out.push_back(f["type"]);
    return out;
  }
};

TEST(ChatChannel, StartThenMessageGivesOneReply) {
  Harness h;
  auto started = h.Send({{"type", "start"}, {"channel", "web"}});
  ASSERT_EQ(started.size(), 1u);
  EXPECT_EQ(started[0]["type"], "started");
  EXPECT_EQ(started[0]["resumed"], false);
  const json& view = started[0]["conversation"];
  EXPECT_EQ(view["id"], "conv-1");
  EXPECT_EQ(view["state"], "active");
  ASSERT_EQ(view["turns"].size(), 1u);
  EXPECT_EQ(view["turns"][0]["role"], "assistant");
  EXPECT_EQ(h.channel->conversation_id(), "conv-1");

  auto replies = h.Send({{"type", "message"}, {"text", "住院能报多少"}});
  ASSERT_EQ(replies.size(), 1u) << json(replies).dump();  // not again from the listener
  EXPECT_EQ(replies[0]["type"], "reply");
  EXPECT_EQ(replies[0]["reply"], "收到：住院能报多少");
  EXPECT_EQ(replies[0]["citations"][0]["title"], "住院报销");
  EXPECT_TRUE(replies[0]["steps"].is_array());
}

TEST(ChatChannel, MalformedFramesGetErrorsAndTheChannelStaysUsable) {
  Harness h;
  for (std::string bad : {"not json", "[1,2]", "\"text\"", "{}", R"({"type":5})",
                          R"({"type":"dance"})", R"({"type":"start","channel":"../x"})",
                          R"({"type":"resume"})", R"({"type":"resume","id":7})"}) {
    h.channel->OnMessage(bad);
    auto fs = h.Take();
    ASSERT_EQ(fs.size(), 1u) << bad;
    EXPECT_EQ(fs[0]["type"], "error") << bad;
    EXPECT_EQ(fs[0]["error"]["code"], "invalid_argument") << bad;
    EXPECT_FALSE(fs[0]["error"]["message"].get<std::string>().empty()) << bad;
  }
  auto early = h.Send({{"type", "message"}, {"text", "你好"}});
  ASSERT_EQ(early.size(), 1u);
  EXPECT_EQ(early[0]["error"]["code"], "failed_precondition");
  EXPECT_EQ(early[0]["for"], "message");
  EXPECT_EQ(h.Types(h.Send({{"type", "start"}})), std::vector<std::string>{"started"});
  auto no_text = h.Send({{"type", "message"}, {"text", 42}});
  ASSERT_EQ(no_text.size(), 1u);
  EXPECT_EQ(no_text[0]["error"]["code"], "invalid_argument");
  EXPECT_EQ(h.Types(h.Send({{"type", "message"}, {"text", "还在吗"}})),
            std::vector<std::string>{"reply"});
  EXPECT_EQ(h.Types(h.Send({{"type", "ping"}})), std::vector<std::string>{"pong"});
}

TEST(ChatChannel, ServiceErrorsBecomeErrorFrames) {
  Harness h;
  h.Send({{"type", "start"}});
  auto long_text = h.Send({{"type", "message"}, {"text", std::string(3000, 'a')}});
  ASSERT_EQ(long_text.size(), 1u);
  EXPECT_EQ(long_text[0]["error"]["code"], "resource_exhausted");
  auto empty = h.Send({{"type", "message"}, {"text", ""}});
  EXPECT_EQ(empty[0]["error"]["code"], "invalid_argument");
  auto unknown = h.Send({{"type", "resume"}, {"id", "conv-404"}, {"token", "token-conv-404"}});
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0]["error"]["code"], "not_found");
  EXPECT_EQ(unknown[0]["for"], "resume");
}

// Issue 9 (2): the id alone opens nothing; the token the start gave does.
TEST(ChatChannel, ResumeNeedsTheTokenNotJustTheId) {
  Harness h;
  auto started = h.Send({{"type", "start"}});
  ASSERT_EQ(started[0]["token"], "token-conv-1");
  Harness other;
  auto second = ChatChannel::Create(h.service, [&](std::string f) {
    std::lock_guard lock(other.mu);
    other.frames.push_back(json::parse(f));
  });
  second->OnMessage(json{{"type", "resume"}, {"id", "conv-1"}}.dump());
  auto fs = other.Take();
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0]["error"]["code"], "invalid_argument");
  second->OnMessage(json{{"type", "resume"}, {"id", "conv-1"}, {"token", "guess"}}.dump());
  fs = other.Take();
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0]["error"]["code"], "not_found");
  EXPECT_EQ(second->conversation_id(), "");
  second->OnMessage(json{{"type", "message"}, {"text", "我的电话"}}.dump());
  EXPECT_EQ(other.Take()[0]["error"]["code"], "failed_precondition");
  second->OnClose();
}

// Issue 9 (8): frames count against the client's rate limit like requests.
TEST(ChatChannel, FramesBeyondTheRateLimitAreRefused) {
  FakeDialogueService service;
  std::vector<json> frames;
  int budget = 3;
  auto channel = ChatChannel::Create(
      service, [&](std::string f) { frames.push_back(json::parse(f)); }, "t",
      [&](int* retry) {
        *retry = 7;
        return budget-- > 0;
      });
  channel->OnMessage(R"({"type":"start"})");
  channel->OnMessage(R"({"type":"message","text":"一"})");
  channel->OnMessage(R"({"type":"message","text":"二"})");
  channel->OnMessage(R"({"type":"message","text":"三"})");
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(frames[3]["type"], "error");
  EXPECT_EQ(frames[3]["error"]["code"], "rate_limited");
  auto view = service.Get("conv-1");
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->turns.size(), 5u);  // greeting + two turns of two; the third never ran
  channel->OnClose();
}

TEST(ChatChannel, ResumeShowsTheConversationSoFar) {
  Harness h;
  h.Send({{"type", "start"}});
  h.Send({{"type", "message"}, {"text", "第一句"}});
  Harness other;
  // The same service: resume from a second channel (the page after a reload).
  auto second = ChatChannel::Create(h.service, [&](std::string f) {
    std::lock_guard lock(other.mu);
    other.frames.push_back(json::parse(f));
  });
  second->OnMessage(json{{"type", "resume"}, {"id", "conv-1"}, {"token", "token-conv-1"}}.dump());
  auto fs = other.Take();
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0]["type"], "started");
  EXPECT_FALSE(fs[0].contains("token"));  // given once, at the start
  EXPECT_EQ(fs[0]["resumed"], true);
  EXPECT_EQ(fs[0]["conversation"]["turns"].size(), 3u);
  EXPECT_EQ(fs[0]["conversation"]["turns"][2]["meta"]["citations"][0]["id"], "yl.zy");
  // A turn from the first channel reaches the second as a reply (not as the citizen's words).
  h.Send({{"type", "message"}, {"text", "第二句"}});
  auto pushed = other.Take();
  ASSERT_EQ(pushed.size(), 1u);
  EXPECT_EQ(pushed[0]["type"], "reply");
  second->OnClose();
}

TEST(ChatChannel, HandoverThenAgentMessagesArePushedLive) {
  Harness h;
  h.Send({{"type", "start"}});
  auto handoff = h.Send({{"type", "message"}, {"text", "我要转人工"}});
  ASSERT_EQ(handoff.size(), 1u);
  EXPECT_EQ(handoff[0]["handoff"], true);
  EXPECT_EQ(handoff[0]["state"], "queued");
  EXPECT_EQ(handoff[0]["queue_position"], 1);
  // The agent works from another thread (an HTTP request).
  std::thread agent([&] {
    ASSERT_TRUE(h.service.Take("conv-1", {"u:7", "wang.zuoxi"}).ok());
    ASSERT_TRUE(h.service.AgentSay("conv-1", {"u:7", "wang.zuoxi"}, "您好，我是人工客服").ok());
  });
  agent.join();
  auto live = h.Take();
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0]["type"], "state");
  EXPECT_EQ(live[0]["state"], "agent");
  EXPECT_EQ(live[1]["type"], "agent");
  EXPECT_EQ(live[1]["text"], "您好，我是人工客服");
  // Citizens never see a staff login: "agent" is the display name an administrator chose, here
  // none.
  EXPECT_TRUE(live[1]["agent"].is_null());
  // What a recogniser hears of a caller is for staff screens only.
  h.service.Speaking("conv-1", "我的社保卡");
  EXPECT_TRUE(h.Take().empty());
}

TEST(ChatChannel, GoodbyeSummaryFollowsTheReplyAndEndGivesOneSummary) {
  Harness h;
  h.Send({{"type", "start"}});
  EXPECT_EQ(h.Types(h.Send({{"type", "message"}, {"text", "再见"}})),
            (std::vector<std::string>{"reply", "summary"}));
  Harness g;
  g.Send({{"type", "start"}});
  auto ended = g.Send({{"type", "end"}});
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0]["type"], "summary");
  EXPECT_EQ(ended[0]["summary"]["咨询主体"]["type"], "市民");
}

// After the end: the rating is kept once, and a message starts a new conversation that the
// channel follows from then on (issue 11 #8).
TEST(ChatChannel, RatingAndAMessageAfterTheEndStartsANewConversation) {
  Harness h;
  h.Send({{"type", "start"}});
  auto early = h.Send({{"type", "rate"}, {"rating", "满意"}});
  ASSERT_EQ(early.size(), 1u);
  EXPECT_EQ(early[0]["error"]["code"], "failed_precondition");
  h.Send({{"type", "message"}, {"text", "再见"}});
  auto rated = h.Send({{"type", "rate"}, {"rating", "满意"}});
  ASSERT_EQ(rated.size(), 1u);
  EXPECT_EQ(rated[0]["type"], "rated");
  auto again = h.Send({{"type", "rate"}, {"rating", "不满意"}});
  EXPECT_EQ(again[0]["error"]["code"], "already_exists");
  auto restarted = h.Send({{"type", "message"}, {"text", "社保卡丢了"}});
  ASSERT_EQ(restarted.size(), 1u);
  EXPECT_EQ(restarted[0]["type"], "started");
  EXPECT_EQ(restarted[0]["restarted"], true);
  EXPECT_EQ(restarted[0]["conversation"]["id"], "conv-2");
  EXPECT_EQ(restarted[0]["token"], "token-conv-2");
  EXPECT_EQ(h.service.subscriptions(), 1u);
  // The channel now speaks in the new conversation.
  EXPECT_EQ(h.Types(h.Send({{"type", "message"}, {"text", "谢谢"}})),
            (std::vector<std::string>{"reply"}));
}

TEST(ChatChannel, CloseUnsubscribes) {
  Harness h;
  h.Send({{"type", "start"}});
  EXPECT_EQ(h.service.subscriptions(), 1u);
  h.Send({{"type", "start"}});  // a new conversation replaces the old subscription
  EXPECT_EQ(h.service.subscriptions(), 1u);
  h.channel->OnClose();
  EXPECT_EQ(h.service.subscriptions(), 0u);
  ASSERT_TRUE(h.service.AgentSay("conv-2", {"u:1", "a"}, "还在吗").ok());
  EXPECT_TRUE(h.Take().empty());
  h.channel->OnMessage(R"({"type":"ping"})");
  EXPECT_TRUE(h.Take().empty());
}

// Through the server: the route, the upgrade, the transport.
class ConversationWsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto router = std::make_shared<Router>();
    AddConversationWebSocket(*router, service_);
    auto server = Server::Start({"127.0.0.1", 0, 2, 64 * 1024, 3000}, router, metrics_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }
  json Read(testing::WsClient& c) {
    std::string out;
    auto ec = c.Read(&out);
    EXPECT_FALSE(ec) << ec.message();
    return ec ? json() : json::parse(out);
  }

  Metrics metrics_;
  FakeDialogueService service_;
  std::unique_ptr<Server> server_;
};

TEST_F(ConversationWsTest, ChatOverTheWire) {
  testing::WsClient c;
  ASSERT_FALSE(c.Connect(server_->port(), "/api/v1/conversations/ws"));
  ASSERT_FALSE(c.Write(R"({"type":"start","channel":"web"})"));
  json started = Read(c);
  ASSERT_EQ(started["type"], "started");
  std::string id = started["conversation"]["id"];
  ASSERT_FALSE(c.Write(R"({"type":"message","text":"我要转人工"})"));
  json reply = Read(c);
  EXPECT_EQ(reply["type"], "reply");
  EXPECT_EQ(reply["queue_position"], 1);
  ASSERT_TRUE(service_.Take(id, {"u:1", "agent-1"}).ok());
  ASSERT_TRUE(service_.AgentSay(id, {"u:1", "agent-1"}, "您好").ok());
  EXPECT_EQ(Read(c)["type"], "state");
  json agent = Read(c);
  EXPECT_EQ(agent["type"], "agent");
  EXPECT_EQ(agent["text"], "您好");
  ASSERT_FALSE(c.Write("{oops"));
  EXPECT_EQ(Read(c)["type"], "error");
  ASSERT_FALSE(c.Write(R"({"type":"ping"})"));
  EXPECT_EQ(Read(c)["type"], "pong");  // nothing else came in between
}

TEST_F(ConversationWsTest, OneMegabyteFrameClosesAndTheConversationSurvives) {
  std::string id, token;
  {
    testing::WsClient c;
    ASSERT_FALSE(c.Connect(server_->port(), "/api/v1/conversations/ws"));
    ASSERT_FALSE(c.Write(R"({"type":"start"})"));
    json started = Read(c);
    id = started["conversation"]["id"];
    token = started["token"];
    c.Write(json{{"type", "message"}, {"text", std::string(1 << 20, 'a')}}.dump());
    std::string out;
    c.Read(&out);
    EXPECT_EQ(c.close_code(), 1009);
  }
  // The closed connection has unsubscribed.
  for (int i = 0; i < 100 && service_.subscriptions() != 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(service_.subscriptions(), 0u);
  testing::WsClient d;
  ASSERT_FALSE(d.Connect(server_->port(), "/api/v1/conversations/ws"));
  ASSERT_FALSE(d.Write(json{{"type", "resume"}, {"id", id}, {"token", token}}.dump()));
  json resumed = Read(d);
  EXPECT_EQ(resumed["type"], "started");
  EXPECT_EQ(resumed["resumed"], true);
  EXPECT_EQ(resumed["conversation"]["id"], id);
}

// The staff event stream (http/staff_event_routes.h): hello first; an agent hears queue changes and
// the conversations it watches, within one poll; a department handler hears the work-order
// marks of her department and district only; an unknown watched id is refused before the stream.
security::Principal StaffOf(security::Role role, std::string department = "",
                            std::string district = "") {
  security::Principal p;
  p.kind = security::Principal::Kind::kUser;
  p.id = "u:" + std::string(security::RoleName(role));
  p.name = std::string(security::RoleName(role));
  p.role = role;
  p.scope.department = std::move(department);
  p.scope.district = std::move(district);
  return p;
}

TEST(StaffEvents, EachTabHearsWhatItsRoleAndWatchCover) {
  FakeDialogueService service;
  StaffEvents events(service, nullptr, nullptr);
  Router router;
  AddStaffEventRoutes(router, events, nullptr);
  auto open = [&](const security::Principal& who, const std::string& watch) {
    Request req;
    req.method = "GET";
    req.path = "/api/v1/staff/events";
    if (!watch.empty()) req.query.emplace_back("watch", watch);
    req.principal = who;
    return router.Handle(req);
  };
  auto watched = service.Start("web");
  ASSERT_TRUE(watched.ok());
  const std::string id = watched->id;

  Response agent = open(StaffOf(security::Role::kAgent), id);
  ASSERT_EQ(agent.status, 200) << agent.body;
  ASSERT_TRUE(agent.stream);
  EXPECT_EQ(agent.stream->every, std::chrono::milliseconds(100));
  Response handler = open(StaffOf(security::Role::kDepartmentHandler, "cgj", "110101"), "");
  ASSERT_EQ(handler.status, 200) << handler.body;
  auto next = [](Response& r) { return r.stream->next().value_or("(ended)"); };
  EXPECT_NE(next(agent).find("event: hello"), std::string::npos);
  EXPECT_NE(next(handler).find("event: hello"), std::string::npos);
  EXPECT_EQ(next(agent), "");  // nothing happened

  ASSERT_TRUE(service.Say(id, "我要转人工").ok());
  std::string sent = next(agent);
  EXPECT_NE(sent.find("\"kind\":\"citizen\""), std::string::npos) << sent;
  EXPECT_NE(sent.find("event: queue"), std::string::npos) << sent;
  EXPECT_EQ(next(handler), "");  // neither the queue nor the conversation is hers

  auto other = service.Start("web");
  ASSERT_TRUE(service.Say(other->id, "你好").ok());
  EXPECT_EQ(next(agent), "");  // not watched, not a queue change

  // What the caller is saying: with its text (masked), to the tab that watches only, before the
  // turn that replaces it.
  service.Speaking(id, "我的电话是13812345678");
  ASSERT_TRUE(service.Say(id, "我的电话是13812345678，社保卡丢了").ok());
  sent = next(agent);
  size_t partial = sent.find("\"kind\":\"partial\"");
  ASSERT_NE(partial, std::string::npos) << sent;
  EXPECT_NE(sent.find("\"text\":\"我的电话是138****5678\""), std::string::npos) << sent;
  EXPECT_EQ(sent.find("13812345678"), std::string::npos) << sent;
  EXPECT_LT(partial, sent.find("\"kind\":\"citizen\"")) << sent;
  service.Speaking(other->id, "别人的话");
  EXPECT_EQ(next(agent), "");  // not watched
  EXPECT_EQ(next(handler), "");

  events.TicketMarked("GD1", "overdue", "cgj", "110101");
  events.TicketMarked("GD2", "warned", "cgj", "110102");  // another district
  events.TicketMarked("GD3", "warned", "rsj", "110101");  // another department
  sent = next(handler);
  EXPECT_NE(sent.find("\"id\":\"GD1\""), std::string::npos) << sent;
  EXPECT_EQ(sent.find("GD2"), std::string::npos) << sent;
  EXPECT_EQ(sent.find("GD3"), std::string::npos) << sent;
  sent = next(agent);  // agents read every order
  EXPECT_NE(sent.find("GD2"), std::string::npos) << sent;

  events.PresenceChanged();
  EXPECT_NE(next(agent).find("event: presence"), std::string::npos);
  EXPECT_EQ(next(handler), "");

  // Campaigns: to campaign.manage holders only, coalesced, at most once a second a campaign.
  Response supervisor = open(StaffOf(security::Role::kSupervisor), "");
  ASSERT_EQ(supervisor.status, 200) << supervisor.body;
  EXPECT_NE(next(supervisor).find("event: hello"), std::string::npos);
  events.CampaignChanged("CP2026-1207-001");
  events.CampaignChanged("CP2026-1207-001");
  sent = next(supervisor);
  EXPECT_EQ(sent, "event: campaign\ndata: {\"id\":\"CP2026-1207-001\"}\n\n");
  EXPECT_EQ(next(agent), "");
  EXPECT_EQ(next(handler), "");
  events.CampaignChanged("CP2026-1207-001");  // within the second: held back, not lost
  events.CampaignChanged("CP2026-1207-002");  // another campaign is told at once
  sent = next(supervisor);
  EXPECT_EQ(sent.find("001"), std::string::npos) << sent;
  EXPECT_NE(sent.find("002"), std::string::npos) << sent;

  EXPECT_EQ(open(StaffOf(security::Role::kAgent), "nosuch").status, 404);
  std::string many;
  for (int i = 0; i < 11; ++i) many += "c" + std::to_string(i) + ",";
  EXPECT_EQ(open(StaffOf(security::Role::kAgent), many).status, 400);
}

}  // namespace
}  // namespace zx::http
