// The notice scenarios a campaign target file may name (kb/campaigns/scenarios.toml): for each,
// the fields of the file its notice needs (DOMAIN.md "Target files for notification
// campaigns", rule 4), its spoken and SMS templates and its rank in a merged call; and the
// words every call shares (greeting, identity question, merge words, confirmation, SMS sign),
// the titles by 性别 and the compound surnames of the name masking. Data, not code: a
// deployment adds its own scenarios and rewrites the words in the file. The scripts are
// rendered by campaigns/notice_script.h. Immutable after Load; thread-safe.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace zx::campaigns {

struct Scenario {
  std::string id;                  // "ob.overdue", as written in the 场景 column
  std::string name;                // "社保欠费提醒"
  std::vector<std::string> needs;  // columns of campaigns/target_fields.h, in checking order
  std::string say;                 // the spoken notice template ("…逾期{逾期天数}天…")
  std::string sms;                 // the SMS sentence template
  int order = 0;                   // rank in a merged call: lower first
};

// The file's [script] table: the words around the notices (see scenarios.toml for each).
struct ScriptWords {
  std::string greeting, identity, no_name;
  std::map<std::string, std::string> titles;   // 性别 as written -> "先生"
  std::vector<std::string> compound_surnames;  // "欧阳", …
  std::string count_intro;                     // "您有{件数}件事需要办理："
  std::vector<std::string> counts;             // counts[n-1]: the count word of n ("两")
  std::vector<std::string> ordinals;           // ordinals[i]: before the (i+1)th ("第一，")
  std::string item_separator, item_end;        // "；", "。"
  std::string say_date, sms_date;              // how {截止日期} is written: "{月}月{日}日"
  std::string confirm, agent, wrong_party, later;
  std::string sms_sign, sms_greeting, sms_end;
};

// Placeholders a template may name: the fields of a target file a notice can say, and 称呼.
inline constexpr std::string_view kSalutationPlaceholder = "称呼";
inline constexpr std::string_view kCountPlaceholder = "件数";

// `text` with each "{name}" replaced by value(name). kInvalidArgument naming the placeholder
// when value() gives nullopt ("unknown placeholder {年龄}"), or for an unclosed '{' or a stray
// '}'. Used by the loader (to check templates) and by the scripts (to fill them).
Result<std::string> FillTemplate(
    std::string_view text,
    const std::function<std::optional<std::string>(std::string_view)>& value);

class ScenarioTable {
 public:
  // Reads the file at `path`. kInvalidArgument "<path>:<line>: <what>" for a syntax error, a
  // missing or unknown key, an id given twice, a need that is not a column of a target file,
  // a missing say/sms/order or [script] word, a template naming an unknown placeholder or a
  // field its scenario does not need, fewer counts/ordinals than scenarios.
  static Result<ScenarioTable> Load(const std::string& path);
  // The same from text; `origin` names it in messages.
  static Result<ScenarioTable> Parse(std::string_view toml, const std::string& origin);

  // The scenario `id`, or nullptr.
  const Scenario* Find(std::string_view id) const;
  const std::vector<Scenario>& scenarios() const { return scenarios_; }
  const ScriptWords& script() const { return script_; }

 private:
  std::vector<Scenario> scenarios_;
  ScriptWords script_;
};

}  // namespace zx::campaigns
