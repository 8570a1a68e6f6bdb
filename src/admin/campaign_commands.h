// `zhixian campaign VERB`: a target file checked alone (import), and the campaigns of the
// database steered from the shell (create, start, pause, resume, cancel, status, report), each
// change audited as "cli:<os user>" (campaigns/campaign_cli.h). A serving process acts on a
// change within a second. `app` parses the command line and opens the engine.
#pragma once

#include <iosfwd>
#include <string>

#include "base/status.h"
#include "campaigns/campaign_engine.h"
#include "security/audit.h"

namespace zx::admin {

struct CampaignArgs {
  std::string verb, id, name, file, dnc, as_of, export_file;
  // create: the campaign's own rules ("" : the configuration's), as `zhixian campaign create
  // --hours 10:00-11:30 --max-attempts 2 --retry-after-min 60 --concurrent 2 --pace 0.5`.
  std::string hours, working_days_only, max_attempts, retry_after_min, concurrent, pace;
  bool json = false;
};

// import: the report of the file (text, or JSON with `json`) on `out`; a progress bar on a
// terminal. The scenarios are KB/campaigns/scenarios.toml.
Result<int> CampaignImport(const CampaignArgs& args, const std::string& kb_dir, std::ostream& out);

// Every other verb, on `engine`; the answer (text or JSON) on `out`.
Result<int> CampaignVerb(const CampaignArgs& args, campaigns::Campaigns& engine,
                         security::AuditLog& audit, const std::string& os_user, std::ostream& out);

}  // namespace zx::admin
