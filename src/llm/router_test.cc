#include "llm/router.h"

#include <gtest/gtest.h>

#include <deque>

namespace zx::llm {
namespace {

using std::chrono::milliseconds;

// A client that plays scripted attempts and counts its calls.
class ScriptedClient final : public ChatClient {
 public:
  struct Step {
    std::string content;  // streamed in two pieces when ok
    std::optional<EngineFault> fault;
    bool fault_after_content = false;  // content first, then the fault
    Usage usage;
  };
  explicit ScriptedClient(int* calls) : calls_(calls) {}

  Attempt Complete(const ChatRequest& request, const ContentSink& sink) override {
    ++*calls_;
    last_model = request.model;
    last_request = request;
    Step step = steps.empty() ? Step{"好的。", {}, false, {}} : steps.front();
    if (!steps.empty()) steps.pop_front();
    Attempt a;
    if (step.fault && !step.fault_after_content) {
      a.fault = *step.fault;
      return a;
    }
    size_t half = step.content.size() / 2;
    if (!sink(step.content.substr(0, half))) return a;
    if (step.fault) {
      a.fault = *step.fault;
      return a;
    }
    sink(step.content.substr(half));
    a.ok = true;
    a.completion.content = step.content;
    a.completion.usage = step.usage;
    return a;
  }

  std::deque<Step> steps;
  std::string last_model;
  ChatRequest last_request;

 private:
  int* calls_;
};

EngineFault Status(int status, std::string_view retry_after = "", std::string code = "") {
  return FaultForStatus(status, ApiError{code, "", "said the engine"}, retry_after);
}

ScriptedClient::Step Fail(EngineFault f) { return {"", f, false, {}}; }
ScriptedClient::Step FailAfter(std::string content, EngineFault f) {
  return {std::move(content), f, true, {}};
}
ScriptedClient::Step Ok(std::string content, Usage u) { return {std::move(content), {}, false, u}; }

EngineFault Timeout() {
  EngineFault f;
  f.reason = "first_token_timeout";
  return f;
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() : clock_(1'780'000'000'000) {}  // 2026-05-28, China time

  void Build(int engines = 2, int64_t daily_tokens = 0, std::string flavour = "openai") {
    std::vector<EngineRouter::Engine> list;
    for (int i = 0; i < engines; ++i) {
      std::string name = std::string(1, static_cast<char>('a' + i));
      auto client = std::make_unique<ScriptedClient>(&calls_[name]);
      clients_[name] = client.get();
      EngineConfig c;
      c.name = name;
      c.model = "model-" + name;
      c.daily_tokens = daily_tokens;
      c.flavour = flavour;
      list.push_back({c, std::move(client)});
    }
    RouterOptions o;
    o.failures_to_open = 2;
    o.cooldown = milliseconds(1000);
    o.max_cooldown = milliseconds(3000);
    o.configuration_cooldown = milliseconds(60'000);
    router_ = std::make_unique<EngineRouter>(std::move(list), o, clock_, metrics_);
  }

  RouteResult Run(std::vector<std::string> chain = {"a", "b"}) {
    received_.clear();
    ChatRequest r;
    r.messages.push_back({"user", "问"});
    return router_->Run(chain, r, [this](std::string_view p) {
      received_ += p;
      return true;
    });
  }

  // The counter's value; `label_names` as the router declared them.
  uint64_t Counter(const std::string& name, std::vector<std::string> label_names,
                   std::initializer_list<std::string_view> labels) {
    return metrics_.AddCounter(name, "", std::move(label_names)).With(labels).Value();
  }

  FakeClock clock_;
  Metrics metrics_;
  std::map<std::string, int> calls_;
  std::map<std::string, ScriptedClient*> clients_;
  std::unique_ptr<EngineRouter> router_;
  std::string received_;
};

TEST_F(RouterTest, TheFirstEngineAnswersWithItsOwnModel) {
  Build();
  RouteResult r = Run();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.completion.engine, "a");
  EXPECT_EQ(r.completion.model, "model-a");
  EXPECT_EQ(clients_["a"]->last_model, "model-a");
  EXPECT_EQ(received_, "好的。");
  EXPECT_EQ(calls_["b"], 0);
}

TEST_F(RouterTest, RetryableFailuresMoveToTheNextEngine) {
  for (EngineFault f : {Status(429), Status(500), Status(502), Status(503), Timeout()}) {
    Build();
    clients_["a"]->steps.push_back(Fail(f));
    RouteResult r = Run();
    ASSERT_TRUE(r.ok) << f.reason;
    EXPECT_EQ(r.completion.engine, "b") << f.reason;
    EXPECT_EQ(r.tried, (std::vector<std::string>{"a", "b"}));
  }
}

TEST_F(RouterTest, NeverTheSameEngineTwiceInOneRequest) {
  Build();
  clients_["a"]->steps.push_back(Fail(Status(503)));
  clients_["a"]->steps.push_back(Fail(Status(503)));
  RouteResult r = Run({"a", "a", "a"});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "exhausted");
  EXPECT_EQ(calls_["a"], 1);
}

TEST_F(RouterTest, A504IsNeverSentAgain) {
  Build();
  clients_["a"]->steps.push_back(Fail(Status(504)));
  RouteResult r = Run();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "gateway_timeout");
  EXPECT_EQ(calls_["b"], 0);
}

TEST_F(RouterTest, RequestFaultsAndRefusalsEndTheRequestWithoutFailOver) {
  Build();
  clients_["a"]->steps.push_back(Fail(Status(400)));
  RouteResult r = Run();
  EXPECT_EQ(r.reason, "request");
  clients_["a"]->steps.push_back(Fail(Status(422)));
  EXPECT_EQ(Run().reason, "request");
  clients_["a"]->steps.push_back(Fail(Status(400, "", "data_inspection_failed")));
  EXPECT_EQ(Run().reason, "refusal");
  EXPECT_EQ(calls_["b"], 0);
  // None of them is the engine's ill health: its breaker stays closed.
  EXPECT_EQ(router_->State("a"), "closed");
}

TEST_F(RouterTest, NoFailOverOnceContentWasReleased) {
  Build();
  std::string said = "每月最多提取1500元。";
  clients_["a"]->steps.push_back(FailAfter(said, Status(503)));
  RouteResult r = Run();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "cut");
  EXPECT_EQ(received_, said.substr(0, said.size() / 2));  // half of it came, nothing after
  EXPECT_EQ(calls_["b"], 0);
}

TEST_F(RouterTest, TheBreakerOpensHalfOpensAndItsCoolDownGrows) {
  Build(1);
  clients_["a"]->steps = {Fail(Status(503)), Fail(Status(503))};
  EXPECT_FALSE(Run({"a"}).ok);
  EXPECT_EQ(router_->State("a"), "closed");  // one failure: still in
  EXPECT_FALSE(Run({"a"}).ok);
  EXPECT_EQ(router_->State("a"), "open");  // two in a row: out for 1 s
  EXPECT_EQ(Counter("zhixian_llm_breaker_opened_total", {"engine"}, {"a"}), 1u);

  // While open: no request at all, the answer at once.
  RouteResult out = Run({"a"});
  EXPECT_EQ(out.reason, "no_engine");
  EXPECT_EQ(calls_["a"], 2);

  // After the cool-down one trial goes; it fails: out again for twice as long.
  clock_.Advance(milliseconds(1000));
  EXPECT_EQ(router_->State("a"), "half_open");
  clients_["a"]->steps = {Fail(Status(503))};
  EXPECT_FALSE(Run({"a"}).ok);
  EXPECT_EQ(calls_["a"], 3);
  clock_.Advance(milliseconds(1500));
  EXPECT_EQ(router_->State("a"), "open");
  clock_.Advance(milliseconds(500));
  EXPECT_EQ(router_->State("a"), "half_open");  // 2 s after the failed trial

  // A trial that succeeds closes it and resets the cool-down.
  EXPECT_TRUE(Run({"a"}).ok);
  EXPECT_EQ(router_->State("a"), "closed");
  clients_["a"]->steps = {Fail(Status(503)), Fail(Status(503))};
  Run({"a"});
  Run({"a"});
  EXPECT_EQ(router_->State("a"), "open");
  clock_.Advance(milliseconds(1000));
  EXPECT_EQ(router_->State("a"), "half_open");
}

TEST_F(RouterTest, CoolDownsStopGrowingAtTheCeiling) {
  Build(1);
  clients_["a"]->steps = {Fail(Status(503)), Fail(Status(503))};
  Run({"a"});
  Run({"a"});
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(milliseconds(3000));
    ASSERT_EQ(router_->State("a"), "half_open") << i;
    clients_["a"]->steps = {Fail(Status(503))};
    Run({"a"});
  }
  clock_.Advance(milliseconds(2999));
  EXPECT_EQ(router_->State("a"), "open");
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(router_->State("a"), "half_open");
}

TEST_F(RouterTest, RetryAfterKeepsTheEngineOutThatLong) {
  Build();
  clients_["a"]->steps.push_back(Fail(Status(429, "20")));
  RouteResult r = Run();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.completion.engine, "b");
  EXPECT_EQ(router_->State("a"), "open");  // one 429, but it asked for 20 s
  clock_.Advance(milliseconds(19'000));
  EXPECT_EQ(Run().completion.engine, "b");
  EXPECT_EQ(calls_["a"], 1);
  clock_.Advance(milliseconds(1'000));
  EXPECT_EQ(Run().completion.engine, "a");
}

TEST_F(RouterTest, AConfigurationFaultTakesTheEngineOutForLongAndWarns) {
  for (int status : {401, 402, 404}) {
    Build();
    clients_["a"]->steps.push_back(Fail(Status(status)));
    RouteResult r = Run();
    ASSERT_TRUE(r.ok) << status;
    EXPECT_EQ(r.completion.engine, "b");
    EXPECT_EQ(router_->State("a"), "open");
    EXPECT_EQ(Counter("zhixian_llm_operator_warnings_total", {"engine", "reason"},
                      {"a", "http_" + std::to_string(status)}),
              1u);
    clock_.Advance(milliseconds(59'000));
    EXPECT_EQ(router_->State("a"), "open") << status;
    clock_.Advance(milliseconds(1'000));
    EXPECT_EQ(router_->State("a"), "half_open") << status;
  }
}

TEST_F(RouterTest, WithEveryEngineOutTheAnswerComesAtOnce) {
  Build();
  clients_["a"]->steps = {Fail(Status(401))};
  clients_["b"]->steps = {Fail(Status(402))};
  Run();
  ASSERT_EQ(router_->State("a"), "open");
  ASSERT_EQ(router_->State("b"), "open");
  int before = calls_["a"] + calls_["b"];
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(Run().reason, "no_engine");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(calls_["a"] + calls_["b"], before);
  // Each in well under 5 ms (1000 of them here; the bound is loose for sanitized builds).
  EXPECT_LT(std::chrono::duration_cast<milliseconds>(took).count(), 5000);
  EXPECT_EQ(Counter("zhixian_llm_skipped_total", {"engine", "why"}, {"a", "open"}), 1000u);
}

TEST_F(RouterTest, TheDailyTokenBudgetIsKeptPerChinaDay) {
  Build(2, /*daily_tokens=*/100);
  Usage u{40, 30, 70};
  clients_["a"]->steps = {Ok("甲。", u), Ok("乙。", u)};
  EXPECT_EQ(Run().completion.engine, "a");  // 70 used
  EXPECT_EQ(Run().completion.engine, "a");  // 140 used: over
  EXPECT_EQ(router_->State("a"), "budget");
  EXPECT_EQ(Run().completion.engine, "b");
  EXPECT_EQ(Counter("zhixian_llm_tokens_total", {"engine", "kind"}, {"a", "prompt"}), 80u);
  EXPECT_EQ(Counter("zhixian_llm_tokens_total", {"engine", "kind"}, {"a", "completion"}), 60u);
  // Midnight in China: a new day's budget.
  clock_.Advance(std::chrono::hours(24));
  EXPECT_EQ(Run().completion.engine, "a");
}

TEST_F(RouterTest, EachEngineGetsTheRequestItsFlavourWants) {
  Build(1, 0, "dashscope");
  Run({"a"});
  EXPECT_EQ(clients_["a"]->last_request.thinking_off, ChatRequest::ThinkingOff::kTopLevel);
  Build(1, 0, "vllm");
  Run({"a"});
  EXPECT_EQ(clients_["a"]->last_request.thinking_off, ChatRequest::ThinkingOff::kTemplateKwargs);
  Build(1, 0, "ollama");
  Run({"a"});
  EXPECT_FALSE(clients_["a"]->last_request.include_usage);
  Build(1, 0, "deepseek");
  Run({"a"});
  EXPECT_EQ(clients_["a"]->last_request.thinking_off, ChatRequest::ThinkingOff::kNotSent);
  EXPECT_TRUE(clients_["a"]->last_request.include_usage);
}

TEST_F(RouterTest, UnknownEnginesInAChainAreSkipped) {
  Build(1);
  RouteResult r = Run({"nobody", "a"});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.completion.engine, "a");
  EXPECT_EQ(Run({"nobody"}).reason, "no_engine");
}

}  // namespace
}  // namespace zx::llm
