#include "llm/grounded.h"

#include <gtest/gtest.h>

#include <deque>

namespace zx::llm {
namespace {

// Streams each scripted answer a few characters' bytes at a time; remembers the request.
class StreamingClient final : public ChatClient {
 public:
  Attempt Complete(const ChatRequest& request, const ContentSink& sink) override {
    last = request;
    std::string content = answers.empty() ? "" : answers.front();
    if (!answers.empty()) answers.pop_front();
    Attempt a;
    for (size_t i = 0; i < content.size(); i += 6) {
      ++pieces;
      if (!sink(std::string_view(content).substr(i, 6))) {
        a.fault.kind = FaultKind::kStopped;
        a.fault.reason = "stopped";
        return a;
      }
    }
    a.ok = true;
    a.completion.content = content;
    return a;
  }
  std::deque<std::string> answers;
  ChatRequest last;
  int pieces = 0;
};

const Evidence kRent{"租房提取公积金",
                     "可以。示例市每月最多提取1500元（示例值），可以按季度提，也可以按年提。"};

class GroundedTest : public ::testing::Test {
 protected:
  GroundedTest() {
    auto client = std::make_unique<StreamingClient>();
    client_ = client.get();
    std::vector<EngineRouter::Engine> engines;
    EngineConfig c;
    c.name = "e";
    c.model = "m";
    engines.push_back({c, std::move(client)});
    router_ = std::make_unique<EngineRouter>(std::move(engines), RouterOptions{}, clock_, metrics_);
    writer_ = std::make_unique<GroundedWriter>(
        *router_, std::vector<std::string>{"e"}, GroundingRules::Defaults(),
        WriterPrompt{"只依据资料回答。", "说短句。"}, "answers", metrics_);
  }
  uint64_t Outcome(std::string_view outcome) {
    return metrics_.AddCounter("zhixian_llm_generations_total", "", {"use", "outcome"})
        .With({"answers", outcome})
        .Value();
  }

  FakeClock clock_;
  Metrics metrics_;
  StreamingClient* client_ = nullptr;
  std::unique_ptr<EngineRouter> router_;
  std::unique_ptr<GroundedWriter> writer_;
};

TEST_F(GroundedTest, AFaithfulAnswerIsShownWithoutItsTags) {
  client_->answers.push_back("租房的话每月最多能取1500元[1]。按季度或按年提都行[1]。");
  Written w = writer_->Write({"租房能取多少", {kRent}, false});
  ASSERT_TRUE(w.ok) << w.reason;
  EXPECT_EQ(w.text, "租房的话每月最多能取1500元。按季度或按年提都行。");
  EXPECT_EQ(w.engine, "e");
  EXPECT_EQ(Outcome("ok"), 1u);
}

TEST_F(GroundedTest, TheRequestNumbersTheEvidenceAndMasksTheCitizen) {
  client_->answers.push_back("每月最多1500元[1]。");
  writer_->Write({"我电话13812345678，身份证110101199003078515，租房能取多少", {kRent}, true});
  const ChatRequest& r = client_->last;
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[0].role, "system");
  EXPECT_EQ(r.messages[0].content, "只依据资料回答。\n说短句。");  // spoken: the hint too
  const std::string& user = r.messages[1].content;
  EXPECT_NE(user.find("[1] 租房提取公积金：可以。示例市每月最多提取1500元"), std::string::npos);
  EXPECT_EQ(user.find("13812345678"), std::string::npos) << user;
  EXPECT_EQ(user.find("110101199003078515"), std::string::npos) << user;
  EXPECT_NE(user.find("138****5678"), std::string::npos) << user;
}

TEST_F(GroundedTest, AWrongFigureAnUntaggedFigureOrNoEvidenceGiveNothing) {
  client_->answers.push_back("每月最多能取1800元[1]。");
  Written w = writer_->Write({"租房能取多少", {kRent}, false});
  EXPECT_FALSE(w.ok);
  EXPECT_EQ(w.reason, "checker_figure");
  ASSERT_FALSE(w.problems.empty());
  EXPECT_NE(w.problems[0].text.find("1800"), std::string::npos);

  client_->answers.push_back("每月最多能取1500元。");  // a figure without its source
  w = writer_->Write({"租房能取多少", {kRent}, false});
  EXPECT_FALSE(w.ok);
  EXPECT_EQ(w.reason, "checker_untagged");

  // Nor is a text that cites nothing at all, figures or not (an echo, chatter).
  client_->answers.push_back("好的，您说的情况我明白了。");
  w = writer_->Write({"租房能取多少", {kRent}, false});
  EXPECT_EQ(w.reason, "checker_untagged");

  w = writer_->Write({"租房能取多少", {}, false});
  EXPECT_EQ(w.reason, "no_evidence");
  EXPECT_EQ(Outcome("checker_figure"), 1u);
  EXPECT_EQ(Outcome("checker_untagged"), 2u);
}

TEST_F(GroundedTest, SpokenSentencesAreCheckedOneByOneBeforeTheyAreSpoken) {
  client_->answers.push_back("可以提取[1]。每月最多1500元[1]。按季度或按年提[1]。");
  std::vector<std::string> spoken;
  Written w = writer_->WriteSpoken({"租房能取多少", {kRent}, true},
                                   [&](std::string_view s) { spoken.emplace_back(s); });
  ASSERT_TRUE(w.ok) << w.reason;
  EXPECT_EQ(spoken,
            (std::vector<std::string>{"可以提取。", "每月最多1500元。", "按季度或按年提。"}));
  EXPECT_EQ(w.released, 3);
}

TEST_F(GroundedTest, AWrongSentenceIsNeverSpokenAndEndsTheAnswer) {
  client_->answers.push_back("可以提取[1]。每月最多1800元[1]。按季度或按年提，不用跑窗口[1]。");
  std::vector<std::string> spoken;
  Written w = writer_->WriteSpoken({"租房能取多少", {kRent}, true},
                                   [&](std::string_view s) { spoken.emplace_back(s); });
  EXPECT_FALSE(w.ok);
  EXPECT_EQ(w.reason, "checker_figure");
  EXPECT_EQ(w.released, 1);
  EXPECT_EQ(spoken, (std::vector<std::string>{"可以提取。"}));
  // The stream was stopped there; the engine is not blamed for it.
  EXPECT_LT(client_->pieces, 20);
  EXPECT_EQ(router_->State("e"), "closed");
}

}  // namespace
}  // namespace zx::llm
