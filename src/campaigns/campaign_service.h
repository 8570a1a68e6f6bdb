// The campaigns of `zhixian serve`, opened from the configuration ([campaigns], [sms]) and the
// knowledge base (kb/campaigns/scenarios.toml): the engine over the server's notice calls, with
// the SMS gateway of its fall-back. Campaign targets are sealed, so without a key file there is
// no engine (and the server offers no campaign routes).
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "campaigns/campaign_engine.h"
#include "campaigns/notice_calls.h"
#include "campaigns/scenarios.h"
#include "security/field_cipher.h"
#include "storage/database.h"
#include "telephony/sms_config.h"
#include "telephony/sms_gateway.h"
#include "tickets/sla_calendar.h"

namespace zx::campaigns {

struct CampaignService {
  ScenarioTable scenarios;
  std::unique_ptr<telephony::SmsGateway> sms;  // null: [sms] gateway = "none"
  std::unique_ptr<Campaigns> engine;           // null without a key file (`cipher`)
};

struct CampaignServiceOptions {
  std::string kb_dir, data_dir;
  std::string transfer_to;  // call.transfer_to: the agents' line of key 0 ("" none)
  CampaignConfig campaigns;
  telephony::SmsConfig sms;
};

// kInvalidArgument naming the file or the key for a bad scenarios file or configuration; the
// engine's own errors otherwise. `db`, `calls`, `calendar` and `clock` outlive the service.
Result<std::unique_ptr<CampaignService>> OpenCampaignService(
    storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher, NoticeCalls& calls,
    const tickets::SlaCalendar& calendar, const Clock& clock,
    const CampaignServiceOptions& options);

// The engine's SMS fall-back over `gateway` (empty for null): accepted or refused as the
// gateway's receipt says; its errors (unreachable, rate-limited) passed on.
SmsSend SmsOver(telephony::SmsGateway* gateway);

}  // namespace zx::campaigns
