// The campaigns in /metrics (Prometheus gauges), refreshed by the server's timer from what the
// database holds, like the work orders' rates (tickets/ticket_clock.h):
//   zhixian_campaign_targets{campaign,state}      targets waiting, calling and done
//   zhixian_campaign_outcomes{campaign,outcome}   targets by final outcome
//   zhixian_campaign_rate{campaign,rate}          success (confirmed ÷ targets), reach
//   zhixian_campaign_attempts{campaign}           calls placed
//   zhixian_campaign_sms{campaign,result}         SMS fall-backs sent and failed
//   zhixian_campaign_running                      campaigns running now
// Per campaign that has been started (running, paused, and the last `keep_ended` finished or
// cancelled ones), so that the labels stay bounded: a campaign id is a label, never a person.
// A series, once made, keeps its last value (the registry does not forget series).
#pragma once

#include "base/metrics.h"
#include "base/status.h"
#include "campaigns/campaign_engine.h"

namespace zx::campaigns {

// Reads the figures of the campaigns and sets the gauges; the first call declares them.
// Thread-safe as Campaigns and Metrics are; errors of the database are returned (nothing is
// half-set for the campaign that failed).
Status UpdateCampaignGauges(Campaigns& campaigns, Metrics& metrics, int keep_ended = 20);

}  // namespace zx::campaigns
