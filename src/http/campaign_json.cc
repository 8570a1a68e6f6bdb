#include "http/campaign_json.h"

#include <cstdint>
#include <string>

#include "campaigns/campaign_text.h"

namespace zx::http {
namespace {

nlohmann::ordered_json Duplicates(const std::vector<campaigns::DuplicateRecord>& list) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& d : list) out.push_back({{"line", d.line}, {"duplicate_of", d.duplicate_of}});
  return out;
}

nlohmann::ordered_json Groups(const std::vector<campaigns::LineGroup>& list) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& g : list) out.push_back({{"lines", g.lines}});
  return out;
}

// "09:00" from a minute of the day.
std::string HourMinute(int minute) {
  const std::string h = std::to_string(minute / 60), m = std::to_string(minute % 60);
  return (h.size() < 2 ? "0" + h : h) + ":" + (m.size() < 2 ? "0" + m : m);
}

nlohmann::ordered_json Ms(int64_t ms) { return ms ? nlohmann::ordered_json(ms) : nullptr; }
nlohmann::ordered_json Text(const std::string& s) {
  return s.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s);
}

nlohmann::ordered_json Hours(const std::vector<tickets::WorkingPeriod>& periods) {
  nlohmann::ordered_json hours = nlohmann::ordered_json::array();
  for (const tickets::WorkingPeriod& w : periods)
    hours.push_back(HourMinute(w.start_minute) + "-" + HourMinute(w.end_minute));
  return hours;
}

nlohmann::ordered_json Minutes(const std::vector<int64_t>& list_ms) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (int64_t ms : list_ms) out.push_back(ms / 60000);
  return out;
}

}  // namespace

nlohmann::ordered_json CampaignOwnRulesJson(const campaigns::CampaignRules& r, bool own) {
  return {{"own", own},
          {"hours", Hours(r.periods)},
          {"working_days_only", r.working_days_only},
          {"max_attempts", r.max_attempts},
          {"retry_after_min", Minutes(r.retry_after_ms)},
          {"concurrent", r.concurrent},
          {"pace_per_s", r.pace_per_s}};
}

nlohmann::ordered_json CampaignJson(const campaigns::Campaign& c) {
  return {{"id", c.id},
          {"name", c.name},
          {"state", campaigns::CampaignStateName(c.state)},
          {"standing", c.standing},
          {"file", c.file},
          {"as_of", c.as_of},
          {"created_by", c.created_by},
          {"created_ms", c.created_ms},
          {"started_ms", Ms(c.started_ms)},
          {"ended_ms", Ms(c.ended_ms)},
          {"import",
           {{"records", c.records},
            {"rejected", c.rejected},
            {"exact_duplicates", c.exact_duplicates},
            {"normalized_duplicates", c.normalized_duplicates},
            {"dnc_suppressed", c.dnc_suppressed}}},
          {"rules", CampaignOwnRulesJson(c.rules, c.own_rules)}};
}

nlohmann::ordered_json CampaignFiguresJson(const campaigns::CampaignFigures& f) {
  nlohmann::ordered_json outcomes = nlohmann::ordered_json::object();
  for (const auto& [outcome, n] : f.outcomes) outcomes[outcome] = n;
  return {{"targets", f.targets},
          {"waiting", f.waiting},
          {"calling", f.calling},
          {"done", f.done},
          {"reached", f.reached},
          {"confirmed", f.confirmed},
          {"success_rate", f.success_rate},
          {"reach_rate", f.reach_rate},
          {"attempts", f.attempts},
          {"attempts_per_target", f.attempts_per_target},
          {"sms_fallbacks", f.sms_fallbacks},
          {"sms_failed", f.sms_failed},
          {"outcomes", std::move(outcomes)},
          {"answered_calls", f.answered_calls},
          {"average_call_ms", f.average_call_ms}};
}

nlohmann::ordered_json CampaignRulesJson(const campaigns::Campaigns& campaigns, int64_t now_ms) {
  nlohmann::ordered_json scenarios = nlohmann::ordered_json::array();
  for (const campaigns::Scenario& s : campaigns.scenarios().scenarios())
    scenarios.push_back({{"id", s.id}, {"name", s.name}, {"needs", s.needs}, {"order", s.order}});
  const campaigns::CampaignPolicy& p = campaigns.policy();
  nlohmann::ordered_json hours = Hours(p.periods);
  nlohmann::ordered_json retry = Minutes(p.retry_after_ms);
  const int64_t next = campaigns.NextWindow(now_ms);
  return {{"scenarios", std::move(scenarios)},
          {"rules",
           {{"hours", std::move(hours)},
            {"working_days_only", p.working_days_only},
            {"max_attempts", p.max_attempts},
            {"retry_after_min", std::move(retry)},
            {"callback_after_min", p.callback_after_ms / 60000},
            {"per_number_day", p.per_number_day},
            {"per_number_week", p.per_number_week},
            {"max_concurrent", p.max_concurrent},
            {"campaign_concurrent", p.campaign_concurrent},
            {"pace_per_s", p.pace_per_s},
            {"sms_fallback", p.sms_fallback},
            {"sms_after_confirmed", p.sms_after_confirmed},
            {"key_timeout_s", p.key_timeout_s},
            {"ring_timeout_s", p.ring_timeout_s}}},
          {"in_window", campaigns.InWindow(now_ms)},
          {"next_window_ms",
           next == INT64_MAX ? nlohmann::ordered_json() : nlohmann::ordered_json(next)}};
}

nlohmann::ordered_json TargetJson(const campaigns::TargetView& t) {
  return {{"seq", t.seq},
          {"phone", t.phone_masked},
          {"salutation", t.salutation},
          {"scenarios", t.scenarios},
          {"state", t.state},
          {"outcome", Text(t.outcome)},
          {"attempts", t.attempts},
          {"next_ms", Ms(t.next_ms)},
          {"sms", Text(t.sms)},
          {"updated_ms", Ms(t.updated_ms)}};
}

nlohmann::ordered_json AttemptJson(const campaigns::AttemptView& a) {
  return {{"attempt_id", a.attempt_id},
          {"n", a.n},
          {"call_id", Text(a.call_id)},
          {"call", a.call_id.empty() ? nlohmann::ordered_json(nullptr)
                                     : nlohmann::ordered_json("/api/v1/calls/" + a.call_id)},
          {"state", a.state},
          {"outcome", Text(a.outcome)},
          {"sip_code", a.sip_code},
          {"started_ms", Ms(a.started_ms)},
          {"ended_ms", Ms(a.ended_ms)},
          {"talk_ms", a.talk_ms}};
}

nlohmann::ordered_json CampaignCreatedJson(const campaigns::CampaignCreated& created) {
  return {{"campaign", CampaignJson(created.campaign)},
          {"import", CampaignImportJson(created.report)},
          {"added", created.added}};
}

std::string CampaignReportOutput(const campaigns::Campaign& campaign,
                                 const campaigns::CampaignFigures& figures, bool json) {
  if (!json) return campaigns::FormatCampaign(campaign, figures);
  nlohmann::ordered_json out = {{"campaign", CampaignJson(campaign)},
                                {"figures", CampaignFiguresJson(figures)}};
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string CampaignListOutput(const std::vector<campaigns::Campaign>& list, bool json) {
  std::string out;
  for (const auto& c : list) {
    out += json ? CampaignJson(c).dump(-1, ' ', false,
                                       nlohmann::ordered_json::error_handler_t::replace)
                : campaigns::FormatCampaignLine(c);
    out += "\n";
  }
  return out;
}

std::string CampaignCreatedOutput(const campaigns::CampaignCreated& created, bool json) {
  if (json)
    return CampaignCreatedJson(created).dump(-1, ' ', false,
                                             nlohmann::ordered_json::error_handler_t::replace) +
           "\n";
  return campaigns::FormatImportReport(created.report) + "added " + std::to_string(created.added) +
         " targets to " + campaigns::FormatCampaignLine(created.campaign) + "\n";
}

nlohmann::ordered_json CampaignImportJson(const campaigns::ImportReport& report) {
  nlohmann::ordered_json rejected = nlohmann::ordered_json::array();
  for (const auto& r : report.rejected) {
    rejected.push_back(
        {{"line", r.line}, {"reason", campaigns::ReasonCode(r.reason)}, {"field", r.field}});
  }
  nlohmann::ordered_json by_scenario = nlohmann::ordered_json::object();
  for (const auto& [scenario, n] : report.notices_by_scenario) by_scenario[scenario] = n;
  return {{"records", report.records},
          {"accepted", report.accepted},
          {"rejected", std::move(rejected)},
          {"exact_duplicates", Duplicates(report.exact_duplicates)},
          {"normalized_duplicates", Duplicates(report.normalized_duplicates)},
          {"notices_by_scenario", std::move(by_scenario)},
          {"people", report.people},
          {"merged", Groups(report.merged)},
          {"dnc_suppressed", Groups(report.dnc_suppressed)},
          {"calls", report.calls}};
}

std::string CampaignImportOutput(const campaigns::ImportReport& report, bool json) {
  return json ? CampaignImportJson(report).dump() + "\n" : campaigns::FormatImportReport(report);
}

}  // namespace zx::http
