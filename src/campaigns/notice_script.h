// The script of one campaign call (DOMAIN.md "Outbound notification calls"): from a planned
// call (campaigns/target_import.h: one person, all of their notices) and the scenarios' words
// (kb/campaigns/scenarios.toml, campaigns/scenarios.h), what the call says and the SMS that
// stands for it.
//
//   identity  greeting + identity question, naming the person only by the masked 称呼
//             ("您好，这里是示例市12345政务服务热线。请问您是张*先生吗？是本人请按1，…"): nothing
//             of the matter, since whoever answers hears it before anyone is identified.
//   notice    one notice: its `say`; several: "您有两件事需要办理：第一，…；第二，…。" in the
//             scenarios' `order`, then the file's line order; then the confirmation words, and
//             the agent words when the campaign has an agent line.
//   sms       sign + "张*先生您好：" + the notice(s) (numbered like the call when several) + the
//             closing: one text for all notices.
//
// Fields are written as on paper and read aloud by telephony::PrepareForSpeech when spoken:
// 应缴金额 "1234.50元" (from amount_fen), 截止日期 "2026年12月1日" (from due_by), 逾期天数 "15"
// (from days); 原参保地, 缺少材料, 申请编号 as written (line breaks inside become "、"). The
// 称呼 is the surname (a compound one kept whole, from the file's list) + "*" + the title of the
// 性别 (scenarios.toml `titles`: 男 先生, 女 女士; anything else: none, "王*").
// Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "campaigns/scenarios.h"
#include "campaigns/target_import.h"

namespace zx::campaigns {

struct ScriptOptions {
  bool agent_line = false;  // the campaign can put the callee through to an agent (key 0)
};

struct CallScript {
  std::string identity;    // greeting + identity question, the masked 称呼 only
  std::string notice;      // the merged notices + confirm (+ agent) words
  std::string sms;         // one SMS text for all notices
  std::string salutation;  // 张*先生 / 李*女士 / 王* when 性别 is empty or unknown
  std::vector<std::string> scenarios;  // scenario ids, in spoken order
  std::string wrong_party, later;      // the closing words for key 2 and key 3
};

// kInvalidArgument when the call has no notice, a notice's scenario is not in `scenarios`, or
// a field its templates say is empty or cannot be read ("line 7 ob.overdue: 应缴金额 is empty
// or unreadable"; no personal data in the message).
Result<CallScript> RenderCallScript(const PlannedCall& call, const ScenarioTable& scenarios,
                                    const ScriptOptions& options);

// The masked 称呼 of `name` and `gender` by the words of `script` ("张*先生").
std::string Salutation(std::string_view name, std::string_view gender, const ScriptWords& script);

}  // namespace zx::campaigns
