// The hit test, check phrasings and the batch test as JSON (api/openapi.yaml: KbHitTest,
// KbHitTestShort, KbPhrasingChecks, KbBatchTest), and the request bodies of those routes
// (http/kb_test_routes.h). Questions are shown as stored: phone and ID numbers masked.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "knowledge/hit_test.h"

namespace zx::http {

// {"id", "question", "source", "as_of", "who", "created_ms", "normalized", "steps": {"input",
//  "t2s", "corrected", "corrections": [{"from", "to", "kind"}]}, "terms": [{"text", "kind",
//  "matched"}], "decision", "handover_reason", "confidence", "threshold", "candidates":
//  [{"topic", "title", "confidence", "lexical_rank", "lexical_score", "classifier_rank",
//  "classifier_score", "matched_terms"}], "topic", "reply", "citations": [{"id", "title",
//  "version"}], "alternatives": [{"topic", "confidence"}], "expected"}
nlohmann::ordered_json HitTestJson(const knowledge::HitTest& test);
// {"id", "question", "source", "as_of", "who", "created_ms", "decision", "topic",
//  "confidence", "reply", "expected", "expected_by", "expected_ms"}
nlohmann::ordered_json HitTestShortJson(const knowledge::HitTestRecord& record);
// {"phrasings": [{"text", "topic", "confidence", "decision", "ok"}], "elsewhere"}
nlohmann::ordered_json PhrasingChecksJson(const std::vector<knowledge::PhrasingCheck>& checks);
// {"id", "name", "source", "as_of", "who", "created_ms", "total", "top1", "confident_wrong",
//  "asked_back", "handed_over", "rates": {...}, "misses": [{"line", "question", "expected",
//  "got", "confidence", "decision"}], "errors": [{"line", "column", "message"}], "xlsx"}
nlohmann::ordered_json BatchReportJson(const knowledge::BatchReport& report);

// The parsers below set `field` to the field an error is about ("question", "phrasings[3]").
struct HitTestRequest {
  std::string question;
  knowledge::Source source = knowledge::Source::kPublished;
  std::string as_of;
};
// {"question", "source"?, "as_of"?}: the question trimmed, 1..2000 characters.
Result<HitTestRequest> ParseHitTestRequest(std::string_view body, std::string* field);
// {"topic"}: a topic id, or "" to clear the mark.
Result<std::string> ParseExpectedRequest(std::string_view body, std::string* field);
// {"entry": {"id", "kind"?, "department"?, "sla"?, "title", "effective"?, "source"?, "answer",
//  "keywords"?, "synonyms"?, "colloquial"?, "phrasings"}} (the kb-versions version fields;
//  others are ignored).
Result<knowledge::Entry> ParseCheckPhrasingsRequest(std::string_view body, std::string* field);

}  // namespace zx::http
