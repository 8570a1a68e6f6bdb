#include "knowledge/written_assistant.h"

#include <gtest/gtest.h>

namespace zx::knowledge {
namespace {

class OneAnswer final : public Assistant {
 public:
  Answer Ask(std::string_view question) const override {
    Answer a;
    a.question = std::string(question);
    if (question == "?") {
      a.text = "您是想咨询哪件事？";
      return a;
    }
    a.topic = "gjj.rent";
    a.confidence = 0.9;
    a.basis = "（依据：示例市住房公积金管理中心《租房提取公积金》）";
    a.text = "每月最多提取1500元。\n" + a.basis;
    a.citations.push_back({"gjj.rent", "租房提取公积金", 1});
    return a;
  }
};

class Writer final : public AnswerWriter {
 public:
  std::optional<WrittenText> Write(std::string_view question, std::string_view title,
                                   std::string_view evidence, bool spoken) const override {
    seen = std::string(question) + "|" + std::string(title) + "|" + std::string(evidence) +
           (spoken ? "|spoken" : "");
    if (!answer) return std::nullopt;
    return WrittenText{*answer, "fake"};
  }
  std::optional<std::string> answer;
  mutable std::string seen;
};

TEST(WrittenAssistantTest, WritesAnswersAnewAndKeepsTheBasisLine) {
  OneAnswer base;
  Writer writer;
  writer.answer = "租房的话，一个月最多能取1500元。";
  WrittenAssistant assistant(base, writer);
  Answer a = assistant.Ask("租房能取多少");
  EXPECT_EQ(writer.seen, "租房能取多少|租房提取公积金|每月最多提取1500元。");
  EXPECT_EQ(
      a.text,
      "租房的话，一个月最多能取1500元。\n（依据：示例市住房公积金管理中心《租房提取公积金》）");
  EXPECT_EQ(a.written_by, "fake");
  EXPECT_EQ(a.topic, "gjj.rent");
}

TEST(WrittenAssistantTest, WithoutAWrittenTextTheAnswerIsTheKnowledgeBasesOwn) {
  OneAnswer base;
  Writer writer;
  WrittenAssistant assistant(base, writer);
  Answer a = assistant.Ask("租房能取多少");
  EXPECT_EQ(a.text, base.Ask("租房能取多少").text);
  EXPECT_EQ(a.written_by, "");
}

TEST(WrittenAssistantTest, AQuestionAskedBackIsNeverWritten) {
  OneAnswer base;
  Writer writer;
  writer.answer = "随便说点什么";
  WrittenAssistant assistant(base, writer);
  EXPECT_EQ(assistant.Ask("?").text, "您是想咨询哪件事？");
  EXPECT_EQ(writer.seen, "");
}

}  // namespace
}  // namespace zx::knowledge
