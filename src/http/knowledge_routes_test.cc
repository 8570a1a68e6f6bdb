#include "http/knowledge_routes.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "knowledge/testing/fake_assistant.h"

namespace zx::http {
namespace {

// Records what it was asked; asks back on questions without Chinese characters.
class RecordingAssistant final : public knowledge::Assistant {
 public:
  knowledge::Answer Ask(std::string_view question) const override {
    last = std::string(question);
    knowledge::Answer a = fake.Ask(question);
    if (question.find("\xE4") == std::string_view::npos &&
        question.find("\xE7") == std::string_view::npos) {
      a.topic.reset();
      a.confidence = 0.2;
      a.text = "请问您想咨询哪方面的业务？";
    }
    return a;
  }
  mutable std::string last;
  knowledge::testing::FakeAssistant fake;
};

class AskTest : public ::testing::Test {
 protected:
  AskTest() { AddKnowledgeRoutes(router_, assistant_, metrics_); }

  Response Post(std::string body) {
    Request req;
    req.method = "POST";
    req.path = "/api/v1/ask";
    req.body = std::move(body);
    return router_.Handle(req);
  }
  static std::string Message(const Response& r) {
    return nlohmann::json::parse(r.body)["error"]["message"];
  }

  Metrics metrics_;
  RecordingAssistant assistant_;
  Router router_;
};

TEST_F(AskTest, AnswersWithTheAskJsonShape) {
  Response r = Post(R"({"question": "  社保卡怎么申领？ "})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(assistant_.last, "社保卡怎么申领？");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["question"], "社保卡怎么申领？");
  EXPECT_EQ(j["topic"], "sbk.apply");
  EXPECT_DOUBLE_EQ(j["confidence"].get<double>(), 0.9);
  EXPECT_EQ(j["answer"], "社保卡可到合作银行网点申领。");
  EXPECT_EQ(j["citations"][0]["id"], "sbk.apply");
  EXPECT_EQ(j["citations"][0]["title"], "社保卡申领");
  EXPECT_EQ(j["alternatives"][0]["topic"], "sbk.loss");
}

TEST_F(AskTest, NotJsonSaysWhy) {
  for (const char* body : {"{\"question\": ", "question=社保", "{'question': 'x'}", "[1,]"}) {
    Response r = Post(body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_NE(Message(r).find("not valid JSON: "), std::string::npos) << Message(r);
    EXPECT_EQ(Message(r).find("last read"), std::string::npos) << Message(r);
  }
  EXPECT_NE(Message(Post("")).find("empty"), std::string::npos);
}

// Found by fuzz/requests_fuzzer.cc: nlohmann throws out_of_range (not parse_error) for a
// number too large for a double; that must be a 400 too, not an exception.
TEST_F(AskTest, NumberOverflowIsNotJsonNotACrash) {
  Response r = Post(R"({"question": "x", "n": 1111111111e1111})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Message(r).find("not valid JSON: "), std::string::npos) << Message(r);
  EXPECT_FALSE(ParseAskRequest("1111111111e1111").ok());
}

TEST_F(AskTest, QuestionFieldIsNamed) {
  Response r = Post(R"({"q": "社保"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Message(r).find("\"question\" is required"), std::string::npos) << Message(r);
  r = Post(R"({"question": 12})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Message(r).find("\"question\" must be a string, got number"), std::string::npos);
  r = Post(R"({"question": null})");
  EXPECT_NE(Message(r).find("got null"), std::string::npos);
  r = Post(R"(["社保"])");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Message(r).find("must be a JSON object"), std::string::npos) << Message(r);
}

TEST_F(AskTest, InvalidUtf8SaysSo) {
  Response r = Post("{\"question\": \"\xE7\xA4\xBE\xff\"}");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Message(r).find("not valid UTF-8 (byte 17)"), std::string::npos) << Message(r);
  // A lone surrogate escape decodes to no valid text.
  r = Post(R"({"question": "\ud800"})");
  EXPECT_EQ(r.status, 400);
}

TEST_F(AskTest, BlankQuestionsAreEmpty) {
  for (const char* q : {"", "   ", "\\t\\n", "\u3000\u3000", "\\u200b", "\\u3000 \\u00a0"}) {
    Response r = Post(std::string(R"({"question": ")") + q + "\"}");
    EXPECT_EQ(r.status, 400) << q;
    EXPECT_EQ(Message(r), "question must not be empty") << q;
  }
}

TEST_F(AskTest, LengthLimitCountsCharacters) {
  std::string ok;
  for (size_t i = 0; i < kMaxQuestionChars; ++i) ok += "社";  // 2000 characters, 6000 bytes
  EXPECT_EQ(Post(nlohmann::json{{"question", ok}}.dump()).status, 200);
  Response r = Post(nlohmann::json{{"question", ok + "保"}}.dump());
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"]["code"], "resource_exhausted");
  EXPECT_EQ(Message(r), "question is 2001 characters long; the limit is 2000");
}

TEST_F(AskTest, EmojiAndEnglishGoToTheAssistant) {
  Response r = Post(R"({"question": "😀😀"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(assistant_.last, "😀😀");
  EXPECT_TRUE(nlohmann::json::parse(r.body)["topic"].is_null());
  r = Post(R"({"question": "How do I apply for a social security card?", "extra": 1})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(assistant_.last, "How do I apply for a social security card?");
}

TEST_F(AskTest, CountsOutcomesTopicsAndConfidence) {
  EXPECT_EQ(Post(R"({"question": "社保卡"})").status, 200);
  EXPECT_EQ(Post(R"({"question": "社保卡丢了"})").status, 200);
  EXPECT_EQ(Post(R"({"question": "hello"})").status, 200);
  EXPECT_EQ(Post(R"({"question": ""})").status, 400);
  std::string text = metrics_.RenderText();
  EXPECT_NE(text.find("zhixian_answers_total{outcome=\"answered\"} 2\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("zhixian_answers_total{outcome=\"asked_back\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("zhixian_answer_topics_total{topic=\"sbk.apply\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("zhixian_answer_confidence_count{outcome=\"answered\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("zhixian_answer_confidence_bucket{outcome=\"asked_back\",le=\"0.2\"} 1\n"),
            std::string::npos);
}

}  // namespace
}  // namespace zx::http
