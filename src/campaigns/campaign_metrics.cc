#include "campaigns/campaign_metrics.h"

namespace zx::campaigns {

Status UpdateCampaignGauges(Campaigns& campaigns, Metrics& metrics, int keep_ended) {
  auto& targets = metrics.AddGauge("zhixian_campaign_targets",
                                   "targets of a campaign by state (waiting, calling, done)",
                                   {"campaign", "state"});
  auto& outcomes =
      metrics.AddGauge("zhixian_campaign_outcomes", "targets of a campaign by final outcome",
                       {"campaign", "outcome"});
  auto& rates = metrics.AddGauge(
      "zhixian_campaign_rate",
      "success (confirmed / targets) and reach (reached / targets) of a campaign (0..1)",
      {"campaign", "rate"});
  auto& attempts =
      metrics.AddGauge("zhixian_campaign_attempts", "calls placed by a campaign", {"campaign"});
  auto& sms =
      metrics.AddGauge("zhixian_campaign_sms", "SMS fall-backs of a campaign, sent and failed",
                       {"campaign", "result"});
  auto& running = metrics.AddGauge("zhixian_campaign_running", "campaigns running now");

  ZX_ASSIGN_OR_RETURN(std::vector<Campaign> list, campaigns.List());
  int live = 0, ended = 0;
  for (const Campaign& c : list) {
    if (c.state == CampaignState::kDraft) continue;
    bool open = c.state == CampaignState::kRunning || c.state == CampaignState::kPaused;
    if (!open && ++ended > keep_ended) continue;
    if (c.state == CampaignState::kRunning) ++live;
    ZX_ASSIGN_OR_RETURN(CampaignFigures f, campaigns.Figures(c.id));
    targets.With({c.id, "waiting"}).Set(static_cast<double>(f.waiting));
    targets.With({c.id, "calling"}).Set(static_cast<double>(f.calling));
    targets.With({c.id, "done"}).Set(static_cast<double>(f.done));
    for (const auto& [outcome, n] : f.outcomes)
      outcomes.With({c.id, outcome}).Set(static_cast<double>(n));
    rates.With({c.id, "success"}).Set(f.success_rate);
    rates.With({c.id, "reach"}).Set(f.reach_rate);
    attempts.With({c.id}).Set(static_cast<double>(f.attempts));
    sms.With({c.id, "sent"}).Set(static_cast<double>(f.sms_fallbacks));
    sms.With({c.id, "failed"}).Set(static_cast<double>(f.sms_failed));
  }
  running.With({}).Set(live);
  return Status::Ok();
}

}  // namespace zx::campaigns
