// The campaigns' types as JSON: the one place their wire form is written, shared by the CLI
// (`zhixian campaign import --json`, DESIGN.md; `campaign create|report --json`) and the
// campaign routes (http/campaign_routes.h, api/openapi.yaml: Campaign, CampaignFigures,
// CampaignTarget, CampaignAttempt).
//
// Personal data: none in clear. The import report's JSON holds lines, reason codes, column
// names and counts only; the planned calls (names, numbers) are not part of it. A target shows
// its masked number and masked salutation (张*先生) only. Times are unix milliseconds, null
// when not (yet) set.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "campaigns/campaign_engine.h"
#include "campaigns/target_import.h"

namespace zx::http {

// {"records", "accepted", "rejected": [{"line", "reason", "field"}],
//  "exact_duplicates": [{"line", "duplicate_of"}], "normalized_duplicates": [{"line",
//  "duplicate_of"}], "notices_by_scenario": {scenario: count}, "people",
//  "merged": [{"lines": [...]}], "dnc_suppressed": [{"lines": [...]}], "calls"}: exactly the
// keys of DESIGN.md in its order, lists in the order of their (first) lines.
nlohmann::ordered_json CampaignImportJson(const campaigns::ImportReport& report);
// What `zhixian campaign import` prints: that JSON on one line with `json`, else the readable
// report (campaigns::FormatImportReport, personal data masked).
std::string CampaignImportOutput(const campaigns::ImportReport& report, bool json);

// {"id", "name", "state", "file", "as_of", "created_by", "created_ms", "started_ms",
//  "ended_ms", "import": {"records", "rejected", "exact_duplicates", "normalized_duplicates",
//  "dnc_suppressed"}, "rules": CampaignOwnRulesJson (the rules it runs under)}
nlohmann::ordered_json CampaignJson(const campaigns::Campaign& campaign);
// The rules one campaign runs under: {"own" (true: its own; false: the configuration's),
//  "hours": ["10:00-11:30", ...] (China time), "working_days_only", "max_attempts",
//  "retry_after_min": [30, 120], "concurrent", "pace_per_s"}.
nlohmann::ordered_json CampaignOwnRulesJson(const campaigns::CampaignRules& rules, bool own);
// DOMAIN.md's figures: {"targets", "waiting", "calling", "done", "reached", "confirmed",
//  "success_rate", "reach_rate", "attempts", "attempts_per_target", "sms_fallbacks",
//  "sms_failed", "outcomes": {outcome: count}, "answered_calls", "average_call_ms"}
nlohmann::ordered_json CampaignFiguresJson(const campaigns::CampaignFigures& figures);
// {"seq", "phone" (masked), "salutation" (masked), "scenarios", "state", "outcome", "attempts",
//  "next_ms", "sms", "updated_ms"}
nlohmann::ordered_json TargetJson(const campaigns::TargetView& target);
// {"attempt_id", "n", "call_id", "call" (the notice call's path, GET /api/v1/calls/{id}),
//  "state", "outcome", "sip_code", "started_ms", "ended_ms", "talk_ms"}
nlohmann::ordered_json AttemptJson(const campaigns::AttemptView& attempt);
// What campaigns run under: {"scenarios": [{"id", "name", "needs": [column], "order"}] (the
// scenarios a target file may name, kb/campaigns/scenarios.toml), "rules": {"hours":
// ["09:00-12:00", ...] (China time), "working_days_only", "max_attempts", "retry_after_min":
// [30, 120], "callback_after_min", "per_number_day", "per_number_week", "max_concurrent",
// "campaign_concurrent", "pace_per_s", "sms_fallback", "sms_after_confirmed", "key_timeout_s",
// "ring_timeout_s"}, "in_window": bool, "next_window_ms"} (at `now_ms`; null beyond 60 days).
nlohmann::ordered_json CampaignRulesJson(const campaigns::Campaigns& campaigns, int64_t now_ms);
// What a new file made: {"campaign", "import": CampaignImportJson, "added"}.
nlohmann::ordered_json CampaignCreatedJson(const campaigns::CampaignCreated& created);
// What `zhixian campaign report` and `status ID` print: {"campaign", "figures"} on one line
// with `json`, else campaigns::FormatCampaign.
std::string CampaignReportOutput(const campaigns::Campaign& campaign,
                                 const campaigns::CampaignFigures& figures, bool json);
// `zhixian campaign status`: one CampaignJson a line with `json`, else FormatCampaignLine each.
std::string CampaignListOutput(const std::vector<campaigns::Campaign>& list, bool json);
// `zhixian campaign create`: CampaignCreatedJson on one line with `json`, else the readable
// import report and the campaign's line.
std::string CampaignCreatedOutput(const campaigns::CampaignCreated& created, bool json);

}  // namespace zx::http
