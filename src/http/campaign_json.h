// The campaigns' types as JSON: the one place their wire form is written, shared by the CLI
// (`zhixian campaign import --json`, DESIGN.md) and, later, the campaign routes.
//
// Personal data: none. The import report's JSON holds lines, reason codes, column names and
// counts only; the planned calls (names, numbers) are not part of it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

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

}  // namespace zx::http
