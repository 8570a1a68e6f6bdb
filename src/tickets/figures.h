// Figures of work orders, exactly as DOMAIN.md "The three rates" defines them, computed from the
// orders and tasks as stored (never from counters that can drift), with their denominators:
//
//   响应率      tasks 签收 before their 签收 limit ÷ tasks dispatched in the period
//   按时办结率  tasks 办结 before their deadline ÷ tasks 办结 in the period
//   解决率      orders whose return visit says 已解决 ÷ orders visited in the period
//   满意率      (满意 + 基本满意) ÷ orders visited in the period
//   退单, 延期  counts beside the rates (from the history), so that a rate cannot be improved
//               by returning or extending orders
//   预警, 超时  tasks marked so in the period (the history's "warn" and "overdue" steps)
//
// A period is [from_ms, until_ms); figures per department (tasks) and per tier. An order visited
// twice (不满意 reopened it) counts with its last visit.
//
// 热点预警: Hotspots finds topic × district bursts: reports in the last window well above the
// usual rate of the weeks before (not a long-standing high level).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage/database.h"

namespace zx::tickets {

struct Rate {
  int64_t numerator = 0;
  int64_t denominator = 0;
  double value() const { return denominator ? static_cast<double>(numerator) / denominator : 0; }
};

struct Figures {
  std::string department;  // "" for all
  std::string tier;        // "" for all
  Rate response;           // 响应率
  Rate on_time;            // 按时办结率
  Rate solved;             // 解决率
  Rate satisfied;          // 满意率
  int64_t returned = 0;    // 退单 in the period
  int64_t extensions = 0;  // 延期 asked in the period
  int64_t created = 0;     // orders created in the period
  int64_t unanswered = 0;  // visits that found nobody (未回访), counted apart
  int64_t warned = 0;      // tasks marked 预警 in the period
  int64_t overdue = 0;     // tasks marked 超时 in the period
};

// Orders registered in the period per topic (the dashboard's categories), most first.
struct TopicCount {
  std::string topic;
  int64_t count = 0;
};

struct FigureQuery {
  int64_t from_ms = 0;
  int64_t until_ms = 0;    // 0: no end
  std::string department;  // "" all departments together
  std::string tier;        // "" all tiers together
  std::string district;    // "" every district (and orders without one)
};

struct HotspotOptions {
  int64_t window_ms = 24LL * 3600 * 1000;         // the recent window
  int64_t baseline_ms = 14LL * 24 * 3600 * 1000;  // the weeks before it, for the usual rate
  int min_reports = 5;                            // never fewer than this in the window
  double ratio = 3.0;                             // at least this many times the usual rate
};

struct Hotspot {
  std::string topic;
  std::string district;
  int64_t count = 0;  // reports in the window
  double usual = 0;   // reports expected in a window at the usual rate
  double rise = 0;    // count / max(usual, 1)
};

class FigureQueries {
 public:
  explicit FigureQueries(storage::Database& db) : db_(db) {}
  Result<Figures> Compute(const FigureQuery& query) const;
  // Per department, every department that had a task in the period.
  Result<std::vector<Figures>> ByDepartment(const FigureQuery& query) const;
  Result<std::vector<TopicCount>> Topics(const FigureQuery& query) const;
  Result<std::vector<Hotspot>> Hotspots(int64_t now_ms, const HotspotOptions& options = {}) const;

 private:
  storage::Database& db_;
};

}  // namespace zx::tickets
