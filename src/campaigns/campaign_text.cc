#include "campaigns/campaign_text.h"

#include <cstdio>
#include <sstream>

#include "tickets/calendar.h"

namespace zx::campaigns {
namespace {

std::string Time(int64_t ms) { return ms ? tickets::FormatDeadline(ms) : std::string("-"); }

std::string Percent(double rate) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", rate * 100);
  return buf;
}

std::string Seconds(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000);
  return buf;
}

std::string Join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : separator) + p;
  return out;
}

}  // namespace

std::string FormatCampaignLine(const Campaign& c) {
  std::ostringstream out;
  out << c.id << "  " << CampaignStateName(c.state) << "  " << c.name << "  " << c.file << "  "
      << Time(c.created_ms);
  return out.str();
}

std::string FormatCampaign(const Campaign& c, const CampaignFigures& f) {
  std::ostringstream out;
  out << c.id << " " << c.name << " (" << CampaignStateName(c.state) << ")\n";
  out << "file " << c.file << ", campaign date " << c.as_of << ", created " << Time(c.created_ms)
      << " by " << c.created_by << ", started " << Time(c.started_ms) << ", ended "
      << Time(c.ended_ms) << "\n";
  out << "import: records " << c.records << ", rejected " << c.rejected << ", exact duplicates "
      << c.exact_duplicates << ", normalised duplicates " << c.normalized_duplicates
      << ", do-not-call " << c.dnc_suppressed << "\n";
  // Only a campaign with its own rules has the line: the report of any other reads as before.
  if (c.own_rules) {
    out << "own rules: hours " << FormatPeriods(c.rules.periods)
        << (c.rules.working_days_only ? " on working days" : " every day") << ", attempts "
        << c.rules.max_attempts << ", retry after";
    for (int64_t ms : c.rules.retry_after_ms) out << " " << ms / 60000 << " min";
    out << ", " << c.rules.concurrent << " at once, " << c.rules.pace_per_s << " a second\n";
  }
  out << "targets " << f.targets << ": waiting " << f.waiting << ", calling " << f.calling
      << ", done " << f.done << "\n";
  out << "reached " << f.reached << " (reach rate " << Percent(f.reach_rate) << "), confirmed "
      << f.confirmed << " (success rate " << Percent(f.success_rate) << ")\n";
  char per[32];
  std::snprintf(per, sizeof per, "%.2f", f.attempts_per_target);
  out << "attempts " << f.attempts << " (" << per << " per target), answered calls "
      << f.answered_calls << ", average call " << Seconds(f.average_call_ms) << "\n";
  out << "SMS fall-backs " << f.sms_fallbacks << ", SMS failed " << f.sms_failed << "\n";
  out << "outcomes:";
  if (f.outcomes.empty()) out << " none yet";
  for (const auto& [outcome, n] : f.outcomes) out << " " << outcome << " " << n;
  out << "\n";
  return out.str();
}

text::SheetTable CampaignTargetsTable(const std::vector<TargetView>& targets) {
  text::SheetTable t;
  t.name = "目标";
  t.header = {"序号", "号码", "称呼", "场景", "状态", "尝试次数", "结果", "短信", "更新时间"};
  for (const auto& r : targets) {
    t.rows.push_back({static_cast<double>(r.seq), r.phone_masked, r.salutation,
                      Join(r.scenarios, ","), r.state, static_cast<double>(r.attempts), r.outcome,
                      r.sms, r.updated_ms ? Time(r.updated_ms) : std::string()});
  }
  return t;
}

Result<std::vector<TargetView>> AllTargets(Campaigns& campaigns, const std::string& id, int64_t max,
                                           int64_t* total) {
  std::vector<TargetView> rows;
  TargetQuery q;
  q.limit = 1000;
  int64_t count = 0;
  while (static_cast<int64_t>(rows.size()) < max) {
    ZX_ASSIGN_OR_RETURN(TargetPage page, campaigns.Targets(id, q));
    count = page.total;
    if (page.rows.empty()) break;
    for (auto& r : page.rows) {
      if (static_cast<int64_t>(rows.size()) >= max) break;
      rows.push_back(std::move(r));
    }
    q.offset += q.limit;
    if (q.offset >= page.total) break;
  }
  if (total) *total = count;
  return rows;
}

}  // namespace zx::campaigns
