#include "http/kb_test_json.h"

#include <cmath>

#include "http/knowledge_routes.h"
#include "http/utf8.h"

namespace zx::http {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// A rate with four decimals, so the same counts always print the same.
double Rate(int count, int total) {
  if (total == 0) return 0;
  return static_cast<double>(std::lround(10000.0 * count / total)) / 10000.0;
}

ordered_json NullIfEmpty(const std::string& s) {
  return s.empty() ? ordered_json(nullptr) : ordered_json(s);
}

// The body as a JSON object; invalid_argument saying why not.
Result<json> ParseObject(std::string_view body) {
  if (auto bad = FindInvalidUtf8(body))
    return InvalidArgument("request body is not valid UTF-8 (byte " + std::to_string(*bad) + ")");
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return InvalidArgument("request body must be a JSON object");
  return j;
}

// The string field `name` ("" when absent); invalid_argument when it is not a string.
Result<std::string> StringField(const json& j, const char* name, std::string* field,
                                const std::string& path = "") {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    *field = path + name;
    return InvalidArgument("field \"" + *field + "\" must be a string");
  }
  return it->get<std::string>();
}

Result<std::vector<std::string>> ListField(const json& j, const char* name, std::string* field) {
  std::vector<std::string> out;
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_array()) {
    *field = name;
    return InvalidArgument("field \"" + *field + "\" must be a list of strings");
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    std::string at = std::string(name) + "[" + std::to_string(i) + "]";
    if (!v.is_string()) {
      *field = at;
      return InvalidArgument("\"" + at + "\" must be a string");
    }
    std::string text(TrimBlank(v.get_ref<const std::string&>()));
    if (text.empty()) {
      *field = at;
      return InvalidArgument("\"" + at + "\" is empty");
    }
    out.push_back(std::move(text));
  }
  return out;
}

}  // namespace

ordered_json HitTestShortJson(const knowledge::HitTestRecord& r) {
  return {{"id", r.id},
          {"question", r.question},
          {"source", r.source},
          {"as_of", NullIfEmpty(r.as_of)},
          {"who", r.who},
          {"created_ms", r.created_ms},
          {"decision", r.decision},
          {"topic", NullIfEmpty(r.topic)},
          {"confidence", r.confidence},
          {"reply", r.reply},
          {"expected", NullIfEmpty(r.expected)},
          {"expected_by", NullIfEmpty(r.expected_by)},
          {"expected_ms", r.expected_ms ? ordered_json(r.expected_ms) : ordered_json(nullptr)}};
}

ordered_json HitTestJson(const knowledge::HitTest& t) {
  const knowledge::Explanation& x = t.explanation;
  const knowledge::HitTestRecord& r = t.record;
  ordered_json corrections = ordered_json::array();
  for (const auto& c : x.steps.corrections)
    corrections.push_back({{"from", c.from}, {"to", c.to}, {"kind", c.kind}});
  ordered_json terms = ordered_json::array();
  for (const auto& term : x.terms)
    terms.push_back({{"text", term.text}, {"kind", term.kind}, {"matched", term.matched}});
  ordered_json candidates = ordered_json::array();
  for (const auto& c : x.candidates)
    candidates.push_back(
        {{"topic", c.topic},
         {"title", c.title},
         {"confidence", c.confidence},
         {"lexical_rank", c.lexical_rank ? ordered_json(c.lexical_rank) : ordered_json(nullptr)},
         {"lexical_score", c.lexical_score},
         {"classifier_rank", c.classifier_rank},
         {"classifier_score", c.classifier_score},
         {"matched_terms", c.matched_terms}});
  ordered_json citations = ordered_json::array();
  for (const auto& c : x.citations)
    citations.push_back({{"id", c.id}, {"title", c.title}, {"version", c.version}});
  ordered_json alternatives = ordered_json::array();
  for (const auto& a : x.answer.alternatives)
    alternatives.push_back({{"topic", a.topic}, {"confidence", a.confidence}});
  return {{"id", r.id},
          {"question", r.question},
          {"source", r.source},
          {"as_of", NullIfEmpty(r.as_of)},
          {"who", r.who},
          {"created_ms", r.created_ms},
          {"normalized", x.normalized},
          {"steps",
           {{"input", x.steps.input},
            {"t2s", x.steps.simplified},
            {"corrected", x.steps.corrected},
            {"corrections", std::move(corrections)}}},
          {"terms", std::move(terms)},
          {"decision", r.decision},
          {"handover_reason", NullIfEmpty(t.handover.reason_code)},
          {"confidence", x.confidence},
          {"threshold", x.threshold},
          {"candidates", std::move(candidates)},
          {"topic", x.answer.topic ? ordered_json(*x.answer.topic) : ordered_json(nullptr)},
          {"reply", x.answer.text},
          {"citations", std::move(citations)},
          {"alternatives", std::move(alternatives)},
          {"expected", NullIfEmpty(r.expected)}};
}

ordered_json PhrasingChecksJson(const std::vector<knowledge::PhrasingCheck>& checks) {
  ordered_json list = ordered_json::array();
  int elsewhere = 0;
  for (const auto& c : checks) {
    if (!c.ok) ++elsewhere;
    list.push_back({{"text", c.text},
                    {"topic", NullIfEmpty(c.topic)},
                    {"confidence", c.confidence},
                    {"decision", c.decision},
                    {"ok", c.ok}});
  }
  return {{"phrasings", std::move(list)}, {"elsewhere", elsewhere}};
}

ordered_json BatchReportJson(const knowledge::BatchReport& report) {
  const knowledge::BatchSummary& s = report.summary;
  ordered_json misses = ordered_json::array();
  for (const auto& r : report.results) {
    if (r.top1 && r.decision == "answer") continue;
    misses.push_back({{"line", r.line},
                      {"question", r.question},
                      {"expected", r.expected},
                      {"got", NullIfEmpty(r.got)},
                      {"confidence", r.confidence},
                      {"decision", r.decision}});
  }
  ordered_json errors = ordered_json::array();
  for (const auto& e : report.errors)
    errors.push_back({{"line", e.line}, {"column", e.column}, {"message", e.message}});
  return {{"id", s.id},
          {"name", s.name},
          {"source", s.source},
          {"as_of", NullIfEmpty(s.as_of)},
          {"who", s.who},
          {"created_ms", s.created_ms},
          {"total", s.total},
          {"top1", s.top1},
          {"confident_wrong", s.confident_wrong},
          {"asked_back", s.asked_back},
          {"handed_over", s.handed_over},
          {"rates",
           {{"top1", Rate(s.top1, s.total)},
            {"confident_wrong", Rate(s.confident_wrong, s.total)},
            {"asked_back", Rate(s.asked_back, s.total)},
            {"handed_over", Rate(s.handed_over, s.total)}}},
          {"misses", std::move(misses)},
          {"errors", std::move(errors)},
          {"xlsx", "/api/v1/kb/batch-tests/" + s.id + ".xlsx"}};
}

Result<HitTestRequest> ParseHitTestRequest(std::string_view body, std::string* field) {
  ZX_ASSIGN_OR_RETURN(json j, ParseObject(body));
  HitTestRequest out;
  auto q = j.find("question");
  if (q == j.end() || !q->is_string()) {
    *field = "question";
    return InvalidArgument("field \"question\" is required and must be a string");
  }
  std::string_view question = TrimBlank(q->get_ref<const std::string&>());
  if (question.empty()) {
    *field = "question";
    return InvalidArgument("question must not be empty");
  }
  if (CountCodePoints(question) > kMaxQuestionChars) {
    *field = "question";
    return InvalidArgument("question is longer than " + std::to_string(kMaxQuestionChars) +
                           " characters");
  }
  out.question = std::string(question);
  ZX_ASSIGN_OR_RETURN(std::string source, StringField(j, "source", field));
  auto parsed = knowledge::ParseSource(source);
  if (!parsed.ok()) {
    *field = "source";
    return parsed.status();
  }
  out.source = *parsed;
  ZX_ASSIGN_OR_RETURN(out.as_of, StringField(j, "as_of", field));
  if (out.source != knowledge::Source::kAsOf && !out.as_of.empty()) {
    *field = "as_of";
    return InvalidArgument("as_of is for source \"as_of\" only");
  }
  return out;
}

Result<std::string> ParseExpectedRequest(std::string_view body, std::string* field) {
  ZX_ASSIGN_OR_RETURN(json j, ParseObject(body));
  auto t = j.find("topic");
  if (t == j.end() || !(t->is_string() || t->is_null())) {
    *field = "topic";
    return InvalidArgument("field \"topic\" is required: a topic id, or null to clear");
  }
  return t->is_null() ? std::string() : std::string(TrimBlank(t->get_ref<const std::string&>()));
}

Result<knowledge::Entry> ParseCheckPhrasingsRequest(std::string_view body, std::string* field) {
  ZX_ASSIGN_OR_RETURN(json j, ParseObject(body));
  auto it = j.find("entry");
  if (it == j.end() || !it->is_object()) {
    *field = "entry";
    return InvalidArgument("field \"entry\" is required: the entry's version fields");
  }
  const json& e = *it;
  knowledge::Entry out;
  ZX_ASSIGN_OR_RETURN(out.id, StringField(e, "id", field));
  ZX_ASSIGN_OR_RETURN(out.kind, StringField(e, "kind", field));
  ZX_ASSIGN_OR_RETURN(out.department, StringField(e, "department", field));
  ZX_ASSIGN_OR_RETURN(out.sla, StringField(e, "sla", field));
  ZX_ASSIGN_OR_RETURN(out.title, StringField(e, "title", field));
  ZX_ASSIGN_OR_RETURN(out.effective, StringField(e, "effective", field));
  ZX_ASSIGN_OR_RETURN(out.source, StringField(e, "source", field));
  ZX_ASSIGN_OR_RETURN(out.answer, StringField(e, "answer", field));
  ZX_ASSIGN_OR_RETURN(out.keywords, ListField(e, "keywords", field));
  ZX_ASSIGN_OR_RETURN(out.synonyms, ListField(e, "synonyms", field));
  ZX_ASSIGN_OR_RETURN(out.colloquial, ListField(e, "colloquial", field));
  ZX_ASSIGN_OR_RETURN(out.phrasings, ListField(e, "phrasings", field));
  if (out.kind.empty()) out.kind = "faq";
  for (auto [name, value] : {std::pair{"id", &out.id}, std::pair{"title", &out.title},
                             std::pair{"answer", &out.answer}}) {
    if (TrimBlank(*value).empty()) {
      *field = name;
      return InvalidArgument(std::string("field \"") + name + "\" is required");
    }
  }
  if (out.phrasings.empty()) {
    *field = "phrasings";
    return InvalidArgument("the entry has no phrasings to check");
  }
  if (out.phrasings.size() > 500) {
    *field = "phrasings";
    return InvalidArgument("at most 500 phrasings are checked at once");
  }
  return out;
}

}  // namespace zx::http
