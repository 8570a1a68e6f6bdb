#include "campaigns/call_replies.h"

#include <algorithm>

#include "base/file.h"
#include "base/toml_file.h"
#include "text/utf8.h"
#include "tickets/calendar.h"

namespace zx::campaigns {
namespace {

Status ErrorAt(const std::string& origin, const toml::node& node, const std::string& what) {
  return InvalidArgument(TomlWhere(origin, node.source()) + ": " + what);
}

bool Holds(std::string_view text, const std::vector<std::string>& phrases) {
  return std::any_of(phrases.begin(), phrases.end(),
                     [&](const std::string& p) { return text.find(p) != std::string_view::npos; });
}

Status ReadList(const toml::table& section, const char* key, const std::string& origin,
                const toml::node& where, std::vector<std::string>& out) {
  const toml::node* list = section.get(key);
  if (!list || !list->is_array())
    return ErrorAt(origin, where, std::string("a list '") + key + "' of phrases is needed");
  for (const toml::node& n : *list->as_array()) {
    if (!n.is_string() || n.as_string()->get().empty())
      return ErrorAt(origin, n,
                     std::string("the phrases of '") + key + "' must be non-empty strings");
    out.push_back(n.as_string()->get());
  }
  return Status::Ok();
}

Status CheckKeys(const toml::table& t, const std::vector<std::string>& known,
                 const std::string& origin) {
  for (const auto& [key, value] : t) {
    if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      return ErrorAt(origin, value, "unknown key '" + std::string(key.str()) + "' (" + list + ")");
    }
  }
  return Status::Ok();
}

// "HH:MM" (00:00-23:59) as minutes of the day; -1 when it is not one.
int MinuteOfDay(const std::string& at) {
  if (at.size() != 5 || at[2] != ':') return -1;
  for (size_t i : {0, 1, 3, 4})
    if (at[i] < '0' || at[i] > '9') return -1;
  const int h = (at[0] - '0') * 10 + (at[1] - '0'), m = (at[3] - '0') * 10 + (at[4] - '0');
  return h < 24 && m < 60 ? h * 60 + m : -1;
}

}  // namespace

const char* SaidName(Said said) {
  switch (said) {
    case Said::kNothing:
      return "nothing";
    case Said::kYes:
      return "yes";
    case Said::kNo:
      return "no";
    case Said::kLater:
      return "later";
    case Said::kConfirm:
      return "confirm";
    case Said::kRepeat:
      return "repeat";
    case Said::kAgent:
      return "agent";
    case Said::kQuestion:
      return "question";
  }
  return "nothing";
}

Result<CallReplies> CallReplies::Parse(std::string_view text, const std::string& origin) {
  ZX_ASSIGN_OR_RETURN(toml::table root, ParseToml(text, origin));
  ZX_RETURN_IF_ERROR(CheckKeys(root, {"identity", "notice", "when"}, origin));
  CallReplies r;
  const toml::table* identity = root["identity"].as_table();
  const toml::table* notice = root["notice"].as_table();
  const toml::table* when = root["when"].as_table();
  if (!identity || !notice || !when)
    return InvalidArgument(origin + ": the tables [identity], [notice] and [when] are needed");
  ZX_RETURN_IF_ERROR(CheckKeys(*identity, {"later", "no", "yes"}, origin));
  ZX_RETURN_IF_ERROR(ReadList(*identity, "later", origin, *identity, r.identity_later_));
  ZX_RETURN_IF_ERROR(ReadList(*identity, "no", origin, *identity, r.no_));
  ZX_RETURN_IF_ERROR(ReadList(*identity, "yes", origin, *identity, r.yes_));
  ZX_RETURN_IF_ERROR(
      CheckKeys(*notice, {"agent", "repeat", "later", "not_confirm", "confirm"}, origin));
  ZX_RETURN_IF_ERROR(ReadList(*notice, "agent", origin, *notice, r.agent_));
  ZX_RETURN_IF_ERROR(ReadList(*notice, "repeat", origin, *notice, r.repeat_));
  ZX_RETURN_IF_ERROR(ReadList(*notice, "later", origin, *notice, r.later_));
  ZX_RETURN_IF_ERROR(ReadList(*notice, "not_confirm", origin, *notice, r.not_confirm_));
  ZX_RETURN_IF_ERROR(ReadList(*notice, "confirm", origin, *notice, r.confirm_));
  for (const auto& [phrase, value] : *when) {
    const toml::table* t = value.as_table();
    const auto days = t ? (*t)["days"].value<int64_t>() : std::nullopt;
    const auto at = t ? (*t)["at"].value<std::string>() : std::nullopt;
    const int minute = at ? MinuteOfDay(*at) : -1;
    if (!days || *days < 0 || *days > 14 || minute < 0)
      return ErrorAt(origin, value,
                     "'" + std::string(phrase.str()) +
                         "' needs { days = 0-14, at = \"HH:MM\" } (days from today, China time)");
    r.when_.push_back({std::string(phrase.str()), static_cast<int>(*days), minute});
  }
  std::sort(r.when_.begin(), r.when_.end(),
            [](const When& a, const When& b) { return a.phrase.size() > b.phrase.size(); });
  return r;
}

Result<CallReplies> CallReplies::Load(const std::string& path) {
  ZX_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return Parse(text, path);
}

Said CallReplies::AtIdentity(std::string_view text) const {
  if (Holds(text, identity_later_)) return Said::kLater;
  if (Holds(text, no_)) return Said::kNo;
  if (Holds(text, yes_)) return Said::kYes;
  return Said::kNothing;
}

Said CallReplies::AtNotice(std::string_view text) const {
  if (Holds(text, agent_)) return Said::kAgent;
  if (Holds(text, repeat_)) return Said::kRepeat;
  if (Holds(text, later_)) return Said::kLater;
  if (Holds(text, not_confirm_)) return Said::kQuestion;
  if (Holds(text, confirm_)) return Said::kConfirm;
  return text::utf8::CountCodePoints(text) >= 2 ? Said::kQuestion : Said::kNothing;
}

int64_t CallReplies::LaterAt(std::string_view text, int64_t now_ms) const {
  for (const When& w : when_) {
    if (text.find(w.phrase) == std::string_view::npos) continue;
    tickets::Date day = tickets::AddDays(tickets::ToChinaLocal(now_ms).date, w.days);
    return tickets::FromChinaLocal(day, w.minute * 60LL * 1000);
  }
  return 0;
}

}  // namespace zx::campaigns
