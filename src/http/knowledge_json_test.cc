#include "http/knowledge_json.h"

#include <gtest/gtest.h>

namespace zx::http {
namespace {

TEST(KnowledgeJson, HasTheAskContractShape) {
  knowledge::Answer a;
  a.question = "怎么申请低保";
  a.topic = "dibao.apply";
  a.confidence = 0.87654;
  a.text = "带上身份证……";
  a.citations = {{"dibao.apply", "低保申请", 3}};
  a.alternatives = {{"dibao.standard", 0.0456}};
  EXPECT_EQ(
      ToJson(a).dump(),
      R"({"alternatives":[{"confidence":0.046,"topic":"dibao.standard"}],"answer":"带上身份证……",)"
      R"("citations":[{"id":"dibao.apply","title":"低保申请","version":3}],"confidence":0.877,)"
      R"("question":"怎么申请低保","topic":"dibao.apply"})");
}

TEST(KnowledgeJson, AskingBackHasANullTopicAndEmptyLists) {
  knowledge::Answer a;
  a.question = "嗯";
  a.text = "您想问哪方面？";
  auto j = ToJson(a);
  EXPECT_TRUE(j["topic"].is_null());
  EXPECT_EQ(j["citations"], nlohmann::json::array());
  EXPECT_EQ(j["alternatives"], nlohmann::json::array());
}

}  // namespace
}  // namespace zx::http
