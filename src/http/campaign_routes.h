// HTTP routes of outbound campaigns (campaigns/campaign_engine.h), a route set (http/router.h).
// Every route needs campaign.manage (supervisors), the export report.export (as the work
// orders' exports); the auth middleware checks it and records each request. Targets are shown
// masked (number 138****5678, salutation 张*先生): no full number or name leaves here.
//
//   POST /api/v1/campaigns?name=N[&as_of=YYYY-MM-DD][&file=NAME]  body: the target file itself
//        (Content-Type text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml
//        .sheet; application/octet-stream with a file=NAME ending .csv or .xlsx) -> 201
//        {"campaign", "import" (the import report, http/campaign_json.h), "added"}. The file is
//        kept in a private temporary file in the data directory while it is imported, then
//        removed. 400 a parameter or a file that is not a target file (the message names the
//        column, or the line); 413 over the upload limit (CampaignRouteOptions::max_upload_bytes,
//        not the server's smaller max_body_bytes); 415 another Content-Type. Audited
//        "campaign.create". The campaign's own rules may come as query parameters too:
//        hours=09:00-12:00,14:00-18:00, working_days_only=true|false, max_attempts=N,
//        retry_after_min=30,120, concurrent=N, pace_per_s=X (any left out: the configuration's);
//        400 naming the field when wider than the configuration allows.
//   POST /api/v1/campaigns/{id}/files  (the same body and as_of, file) -> 200 the same shape:
//        what the file adds (a notice already planned is never planned again). "campaign.file".
//   POST /api/v1/campaigns/{id}/start|pause|resume|cancel -> 200 {"campaign"}; 409 when the
//        state does not allow it (start: draft; pause: running; resume: paused; cancel: draft,
//        running, paused). Audited "campaign.start", ... before the change.
//   PUT  /api/v1/campaigns/{id}/rules  body {"hours": "10:00-11:30" (or a list),
//   "working_days_only",
//        "max_attempts", "retry_after_min": [60], "concurrent", "pace_per_s"} -> 200 {"campaign"}:
//        the campaign's own rules (a field absent: the configuration's; {}: the configuration's
//        again). 400 naming the field (hours outside the configured ones, attempts, waits under
//        10 minutes, concurrency or pace above the configuration's); 409 unless draft or paused.
//        Audited "campaign.rules" (the rules before and the body) before the change.
//   GET  /api/v1/campaigns[?limit=1-1000] -> {"campaigns": [Campaign]}, newest first.
//   GET  /api/v1/campaigns/rules -> the scenarios a target file may name and the windows and
//        caps every campaign runs under (campaigns.* of the configuration), CampaignRulesJson.
//   GET  /api/v1/campaigns/{id} -> {"campaign", "figures"} (DOMAIN.md's figures, live).
//   GET  /api/v1/campaigns/{id}/targets?state=waiting|calling|done&outcome=&offset=&limit=1-1000
//        -> {"total", "offset", "limit", "rows": [Target]}. Audited "campaign.targets".
//   GET  /api/v1/campaigns/{id}/targets/{seq} -> {"target", "attempts": [Attempt]} (each
//        attempt links its notice call, GET /api/v1/calls/{call_id}). "campaign.target.read".
//   GET  /api/v1/campaigns/{id}/export?format=xlsx|csv (xlsx) -> one row per target
//        (campaigns::CampaignTargetsTable). Audited "campaign.export" with the rows.
// Live progress is the staff event stream's "campaign" notice (http/staff_event_routes.h),
// after which a screen reads GET /api/v1/campaigns/{id} again.
// Errors: {"error": {"code", "message"}}: 404 an unknown campaign or target, 410 key_missing
// (the targets were sealed under a key this server does not hold).
#pragma once

#include <cstdint>
#include <string>

#include "campaigns/campaign_engine.h"
#include "http/router.h"
#include "security/audit.h"

namespace zx::http {

struct CampaignRouteOptions {
  int64_t max_export_rows = 1000000;  // an XLSX worksheet holds 1,048,575
  // The body limit of the two upload routes (Router::AllowBodyUpTo): about 350,000 rows of a
  // typical target file; larger files go through `zhixian campaign create`, which streams.
  size_t max_upload_bytes = 32u << 20;
};

// `campaigns` and `audit` must outlive the router. `data_dir` is the data directory (private,
// 0700): uploads wait in DATA/tmp while they are imported; ones a killed process left there are
// removed now.
void AddCampaignRoutes(Router& router, campaigns::Campaigns& campaigns, security::AuditLog& audit,
                       const std::string& data_dir, CampaignRouteOptions options = {});

}  // namespace zx::http
