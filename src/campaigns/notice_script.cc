#include "campaigns/notice_script.h"

#include <algorithm>
#include <cstdio>

#include "campaigns/target_fields.h"
#include "text/utf8.h"

namespace zx::campaigns {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return !suffix.empty() && s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

// "1234.50元": the written form the speech preparation reads as 一千二百三十四元五角.
std::string AmountText(int64_t fen) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld.%02lld元", static_cast<long long>(fen / 100),
                static_cast<long long>(fen % 100));
  return buf;
}

// `format` (scenarios.toml say_date/sms_date, checked at load) with {年} {月} {日} filled.
std::string DateText(const tickets::Date& d, const std::string& format) {
  return FillTemplate(
             format,
             [&](std::string_view part) {
               return std::to_string(part == "年" ? d.year : part == "月" ? d.month : d.day);
             })
      .value();
}

// A field as said: its line breaks (a quoted field may hold some) become "、".
std::string OneLine(std::string_view s) {
  std::string out;
  bool in_break = false;
  for (char c : s) {
    if (c == '\r' || c == '\n') {
      if (!in_break && !out.empty()) out += "、";
      in_break = true;
      continue;
    }
    in_break = false;
    out += c;
  }
  return out;
}

// The value of placeholder `name` for `r`; nullopt when the field is empty or unreadable.
std::optional<std::string> FieldValue(const TargetRecord& r, std::string_view name,
                                      const std::string& date_format) {
  auto text = [](const std::string& s) -> std::optional<std::string> {
    if (s.empty()) return std::nullopt;
    return OneLine(s);
  };
  if (name == kDaysOverdue) {
    if (!r.days) return std::nullopt;
    return std::to_string(*r.days);
  }
  if (name == kAmountDue) {
    if (!r.amount_fen) return std::nullopt;
    return AmountText(*r.amount_fen);
  }
  if (name == kDeadline) {
    if (!r.due_by) return std::nullopt;
    return DateText(*r.due_by, date_format);
  }
  if (name == kPreviousPlace) return text(r.previous_place);
  if (name == kMissingMaterials) return text(r.missing_materials);
  if (name == kApplicationNo) return text(r.application_no);
  return std::nullopt;
}

// Fills a scenario's template for one record; the error names the line, scenario and field.
Result<std::string> FillNotice(const std::string& tmpl, const TargetRecord& r,
                               const std::string& salutation, const std::string& date_format) {
  std::string missing;
  auto filled = FillTemplate(tmpl, [&](std::string_view name) -> std::optional<std::string> {
    if (name == kSalutationPlaceholder) return salutation;
    auto v = FieldValue(r, name, date_format);
    if (!v && missing.empty()) missing = std::string(name);
    return v;
  });
  if (filled.ok()) return filled;
  std::string what = missing.empty() ? std::string(filled.status().message())
                                     : missing + " is empty or cannot be read";
  return InvalidArgument("line " + std::to_string(r.line) + " " + r.scenario + ": " + what);
}

// One item alone, or several as "第一，…；第二，…。" (their own closing '。' dropped).
std::string Merge(const std::vector<std::string>& items, const ScriptWords& w) {
  if (items.size() == 1) {
    const std::string& only = items[0];
    bool closed = EndsWith(only, w.item_end) || EndsWith(only, "。") || EndsWith(only, "！") ||
                  EndsWith(only, "？");
    return closed ? only : only + w.item_end;
  }
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    std::string_view item = items[i];
    for (std::string_view end : {std::string_view(w.item_end), std::string_view("。")}) {
      if (EndsWith(item, end)) item.remove_suffix(end.size());
    }
    if (i > 0) out += w.item_separator;
    out += w.ordinals[i];
    out += item;
  }
  return out + w.item_end;
}

}  // namespace

std::string Salutation(std::string_view name, std::string_view gender, const ScriptWords& w) {
  const text::utf8::CodePoints cps = text::utf8::Decode(name);
  if (cps.size() == 0 || !text::utf8::IsHan(cps.cp[0])) return w.no_name;
  size_t keep = 1;
  if (cps.size() >= 3) {
    std::string_view first_two = name.substr(0, cps.offset[2]);
    for (const std::string& compound : w.compound_surnames) {
      if (first_two == compound) keep = 2;
    }
  }
  std::string out(name.substr(0, cps.offset[keep]));
  out += "*";
  auto title = w.titles.find(std::string(gender));
  if (title != w.titles.end()) out += title->second;
  return out;
}

Result<CallScript> RenderCallScript(const PlannedCall& call, const ScenarioTable& scenarios,
                                    const ScriptOptions& options) {
  const ScriptWords& w = scenarios.script();
  if (call.notices.empty()) return InvalidArgument("a call without notices");

  struct Item {
    const TargetRecord* record;
    const Scenario* scenario;
  };
  std::vector<Item> items;
  for (const TargetRecord& r : call.notices) {
    const Scenario* s = scenarios.Find(r.scenario);
    if (!s) {
      return InvalidArgument("line " + std::to_string(r.line) + ": unknown scenario '" +
                             r.scenario + "'");
    }
    items.push_back({&r, s});
  }
  // The most urgent first; equal ranks in the order of the file.
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.scenario->order < b.scenario->order;
  });
  if (items.size() > w.counts.size() || items.size() > w.ordinals.size()) {
    return InvalidArgument("a call of " + std::to_string(items.size()) +
                           " notices has more than the counts and ordinals of scenarios.toml");
  }

  CallScript script;
  script.salutation = Salutation(call.name, call.gender, w);
  auto with_salutation = [&](std::string_view text) {
    // [script] templates were checked at load: {称呼} is the only placeholder they may hold.
    return FillTemplate(text, [&](std::string_view) { return script.salutation; }).value();
  };
  script.identity = w.greeting + with_salutation(w.identity);

  std::vector<std::string> says, smss;
  for (const Item& item : items) {
    ZX_ASSIGN_OR_RETURN(std::string say, FillNotice(item.scenario->say, *item.record,
                                                    script.salutation, w.say_date));
    ZX_ASSIGN_OR_RETURN(std::string sms, FillNotice(item.scenario->sms, *item.record,
                                                    script.salutation, w.sms_date));
    says.push_back(std::move(say));
    smss.push_back(std::move(sms));
    script.scenarios.push_back(item.scenario->id);
  }
  if (items.size() > 1) {
    const std::string& count = w.counts[items.size() - 1];
    script.notice = FillTemplate(w.count_intro, [&](std::string_view) { return count; }).value();
  }
  script.notice += Merge(says, w) + w.confirm;
  if (options.agent_line) script.notice += w.agent;
  script.sms = w.sms_sign + with_salutation(w.sms_greeting) + Merge(smss, w) + w.sms_end;
  script.wrong_party = w.wrong_party;
  script.later = w.later;
  return script;
}

}  // namespace zx::campaigns
