// The dashboard (数据看板) of the staff console: every figure of a period with its formula,
// numerator and denominator and the change against the period before (as many days, just
// before), and the data of each chart; the same as an XLSX workbook made here (a sheet per
// chart and one detail sheet), so that the screen, the file and this API cannot disagree.
//
//   GET /api/v1/stats/dashboard         stats.read     ?from&until (ms or YYYY-MM-DD, China
//        time; default the last 7 days)&channel&district&department -> {"period", "previous",
//        "filters", "options" (the channels, districts and departments the filters offer),
//        "demo" (synthetic data of `zhixian demo seed`), "cards": [...], "charts"}
//   GET /api/v1/stats/dashboard/export  report.export  the same query -> .xlsx
//
// Cards: 受理量 and 智能服务占比 (conversations, dialogue/conversation_figures.h), 响应率,
// 按时办结率, 解决率, 满意率, 预警, 超时 (work orders, tickets/figures.h), 接通率 (calls answered ÷
// calls: the voice conversations begun and the callers refused for want of room; no filter
// applies to it), as DOMAIN.md defines them. Charts: per channel (started, without a person, the
// share), starts per channel and hour, a weekday × hour heatmap, conversation topics, work-order
// categories, hotspots, ratings, the on-time rate per department with 退单 and 延期, open
// unanswered clusters, conversations per district (a district with fewer than 5 is shown as "<5",
// never its count), the age portrait (年龄段画像: conversations per age band, in all and per
// district, every count under 5 shown as "<5"); the workbook adds a detail sheet of the
// conversations counted (nothing personal, no age band). Both audited.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "dialogue/conversation_figures.h"
#include "http/router.h"
#include "knowledge/answer_log.h"
#include "knowledge/entry.h"
#include "security/audit.h"
#include "storage/database.h"

namespace zx::http {

struct DashboardSources {
  storage::Database* db = nullptr;                // conversations and work orders
  const knowledge::AnswerLog* answers = nullptr;  // open unanswered clusters; may be null
  // The knowledge base in service (titles and departments of topics).
  std::function<std::shared_ptr<const knowledge::KnowledgeBase>()> kb;
  // What the filters offer and the charts call things: kb/channels.tsv, kb/departments.tsv
  // (code -> name) and the districts' names (kb/districts.tsv).
  std::map<std::string, std::string> channel_names;
  std::map<std::string, std::string> department_names;
  std::vector<std::string> districts;
  // The age bands' labels in the portrait's order (kb/age_bands.tsv).
  std::vector<std::string> age_bands;
  // Whether the data is `zhixian demo seed`'s synthetic activity ("demo": the screen says
  // 演示数据); may be empty (never).
  std::function<bool()> demo;
  // Callers refused before answer in [from, until) (the 接通率's denominator with the calls
  // answered); may be empty (no telephony: the card has nothing to count).
  std::function<Result<int64_t>(int64_t from_ms, int64_t until_ms)> refused_calls;
  const Clock* clock = nullptr;
};

// Fills the names the filters and charts use from KB_DIR: channels.tsv, departments.tsv,
// districts.tsv and age_bands.tsv (a malformed file: invalid_argument "FILE:LINE: reason").
Status LoadDashboardNames(const std::string& kb_dir, DashboardSources& sources);

// The chart "ages" (年龄段画像) of `figures`: [{"band", "count", "districts": [{"district",
// "count"}]}], a full table: every band of `bands` then any other counted, each with every
// district of `districts` then any other counted; every count under 5 (none too) is "<5", so
// that neither a cell nor its absence tells of fewer than 5 people (DOMAIN.md); [] when no
// conversation counted has an age band.
nlohmann::json AgePortrait(const dialogue::ConversationFigures& figures,
                           const std::vector<std::string>& bands,
                           const std::vector<std::string>& districts);

// Everything in `sources` and `audit` must outlive the router.
void AddDashboardRoutes(Router& router, DashboardSources sources, security::AuditLog& audit);

}  // namespace zx::http
