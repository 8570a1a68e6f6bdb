#include "http/knowledge_routes.h"

#include <nlohmann/json.hpp>

#include "http/errors.h"
#include "http/knowledge_json.h"
#include "http/utf8.h"

namespace zx::http {
namespace {

constexpr std::string_view kExample = R"({"question": "社保卡丢了怎么补办"})";

// nlohmann's message without its prefix and without the text it last read (which would echo
// the request): "syntax error while parsing value - invalid literal; expected ...".
std::string DescribeParseError(const nlohmann::json::exception& e) {
  std::string what = e.what();
  if (auto p = what.find("] "); p != std::string::npos) what.erase(0, p + 2);
  if (auto p = what.find("; last read: '"); p != std::string::npos) {
    auto expected = what.find("'; expected", p);
    what.erase(p, expected == std::string::npos ? std::string::npos : expected + 1 - p);
  }
  return what;
}

}  // namespace

Result<std::string> ParseAskRequest(std::string_view body) {
  if (auto bad = FindInvalidUtf8(body))
    return InvalidArgument("request body is not valid UTF-8 (byte " + std::to_string(*bad) +
                           "); send JSON text in UTF-8");
  if (TrimBlank(body).empty())
    return InvalidArgument("request body is empty; send JSON like " + std::string(kExample));
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for 1e1111
    return InvalidArgument("request body is not valid JSON: " + DescribeParseError(e));
  }
  if (!json.is_object())
    return InvalidArgument("request body must be a JSON object like " + std::string(kExample) +
                           ", got " + json.type_name());
  auto it = json.find("question");
  if (it == json.end())
    return InvalidArgument("field \"question\" is required, e.g. " + std::string(kExample));
  if (!it->is_string())
    return InvalidArgument(std::string("field \"question\" must be a string, got ") +
                           it->type_name());
  const auto& text = it->get_ref<const std::string&>();
  std::string_view question = TrimBlank(text);
  if (question.empty()) return InvalidArgument("question must not be empty");
  size_t chars = CountCodePoints(question);
  if (chars > kMaxQuestionChars)
    return ResourceExhausted("question is " + std::to_string(chars) +
                             " characters long; the limit is " + std::to_string(kMaxQuestionChars));
  return std::string(question);
}

void AddKnowledgeRoutes(Router& router, const knowledge::Assistant& assistant, Metrics& metrics,
                        knowledge::AnswerLog* recorder) {
  auto& answers = metrics.AddCounter(
      "zhixian_answers_total", "Questions answered by the assistant, or asked back.", {"outcome"});
  auto& topics =
      metrics.AddCounter("zhixian_answer_topics_total", "Questions answered, by topic.", {"topic"});
  auto& confidence =
      metrics.AddHistogram("zhixian_answer_confidence", "Confidence of the assistant's best topic.",
                           {"outcome"}, kProbabilityBuckets);
  router.Add("POST", "/api/v1/ask", "ask",
             [&assistant, &answers, &topics, &confidence, recorder](const Request& req) {
               Result<std::string> question = ParseAskRequest(req.body);
               if (!question.ok()) {
                 const Status& s = question.status();
                 return ErrorResponse(
                     s, s.code() == Code::kResourceExhausted ? 413 : HttpStatusFor(s.code()));
               }
               knowledge::Answer answer = assistant.Ask(*question);
               std::string_view outcome = answer.topic ? "answered" : "asked_back";
               answers.With({outcome}).Inc();
               if (answer.topic) topics.With({*answer.topic}).Inc();
               confidence.With({outcome}).Observe(answer.confidence);
               if (recorder)
                 recorder->Record({*question, "api", "", answer.topic, answer.confidence,
                                   recorder->Judge(answer.topic, answer.confidence)});
               return Response::Json(200, ToJson(answer));
             });
}

}  // namespace zx::http
