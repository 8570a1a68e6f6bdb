#include "campaigns/campaign_service.h"

namespace zx::campaigns {

SmsSend SmsOver(telephony::SmsGateway* gateway) {
  if (!gateway) return {};
  return [gateway](const std::string& to, const std::string& text,
                   const std::string& id) -> Result<SmsResult> {
    ZX_ASSIGN_OR_RETURN(telephony::SmsReceipt r, gateway->Send({to, text, id}));
    return SmsResult{r.accepted, r.accepted ? r.provider_id : r.error};
  };
}

Result<std::unique_ptr<CampaignService>> OpenCampaignService(
    storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher, NoticeCalls& calls,
    const tickets::SlaCalendar& calendar, const Clock& clock,
    const CampaignServiceOptions& options) {
  auto service = std::make_unique<CampaignService>();
  ZX_ASSIGN_OR_RETURN(service->scenarios,
                      ScenarioTable::Load(options.kb_dir + "/campaigns/scenarios.toml"));
  ZX_ASSIGN_OR_RETURN(CampaignPolicy policy, CampaignPolicyFrom(options.campaigns));
  policy.transfer_to = options.transfer_to;
  ZX_ASSIGN_OR_RETURN(service->sms,
                      telephony::MakeSmsGateway(options.sms, options.data_dir, clock));
  if (!cipher) return service;
  ZX_ASSIGN_OR_RETURN(service->engine,
                      Campaigns::Open(db, std::move(cipher), calls, SmsOver(service->sms.get()),
                                      service->scenarios, calendar, clock, std::move(policy)));
  return service;
}

}  // namespace zx::campaigns
