// Campaigns as people read them (the CLI's `zhixian campaign status|report`) and as staff keep
// them (the export of a campaign's targets, one row per target, for XLSX and CSV through
// text/table_writer.h): the words and the table are made here, once, for the CLI and the HTTP
// edge alike. Masked data only (what TargetView holds). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "campaigns/campaign_engine.h"
#include "text/table_writer.h"

namespace zx::campaigns {

// One line of a list: "CP2026-1206-001  running  社保欠费提醒  targets.csv  2026-12-06 09:00".
std::string FormatCampaignLine(const Campaign& campaign);
// The campaign and DOMAIN.md's figures: targets, reached, confirmed, success rate, reach rate,
// attempts per target, SMS fall-backs, outcomes by type, average call length; several lines.
std::string FormatCampaign(const Campaign& campaign, const CampaignFigures& figures);

// The export's worksheet "目标": 序号, 号码 (masked), 称呼 (masked), 场景, 状态, 尝试次数, 结果,
// 短信, 更新时间 (China time); one row per target, in `targets`' order.
text::SheetTable CampaignTargetsTable(const std::vector<TargetView>& targets);

// Every target of campaign `id` in the order of the file, read in pages; at most `max` (the
// rest left out; `total`, when given, receives how many there are).
Result<std::vector<TargetView>> AllTargets(Campaigns& campaigns, const std::string& id, int64_t max,
                                           int64_t* total = nullptr);

}  // namespace zx::campaigns
