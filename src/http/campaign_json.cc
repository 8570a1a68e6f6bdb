#include "http/campaign_json.h"

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

}  // namespace

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
