// The knowledge API: `POST /api/v1/ask` with `{"question": "..."}` answers 200 with the
// `zhixian ask --json` object of README.md and api/openapi.yaml (http/knowledge_json.h).
//
// The question is checked here, at the edge, before the assistant sees it: the body must be
// well-formed UTF-8 and a JSON object whose "question" is a string; blank questions (white
// space, the ideographic space, zero-width characters) are 400 "question must not be empty";
// more than kMaxQuestionChars characters are 413. Anything else, English text and emoji
// included, goes to the assistant, which replies or asks back.
//
// Metrics: zhixian_answers_total{outcome="answered|asked_back"},
// zhixian_answer_topics_total{topic} and zhixian_answer_confidence{outcome}.
//
// `recorder`, when given, notes each question (knowledge/answer_log.h: a hit of the entry
// answered from, or an unanswered question of channel "api"); it never waits on the database.
//
// `assistant`, `metrics` and `recorder` must outlive the router; the handler is thread-safe as
// the Assistant is.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/metrics.h"
#include "base/status.h"
#include "http/router.h"
#include "knowledge/answer.h"
#include "knowledge/answer_log.h"

namespace zx::http {

inline constexpr size_t kMaxQuestionChars = 2000;

void AddKnowledgeRoutes(Router& router, const knowledge::Assistant& assistant, Metrics& metrics,
                        knowledge::AnswerLog* recorder = nullptr);

// The question of an ask body, trimmed; invalid_argument saying what is wrong (not JSON and
// why, not UTF-8, no "question", not a string, empty) or resource_exhausted when too long.
Result<std::string> ParseAskRequest(std::string_view body);

}  // namespace zx::http
