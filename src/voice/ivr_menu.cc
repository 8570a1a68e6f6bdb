#include "voice/ivr_menu.h"

#include <toml++/toml.h>

#include <algorithm>
#include <deque>
#include <filesystem>

#include "base/toml_file.h"

namespace zx::voice {
namespace {

// Keys an item may use: the others belong to every level (0 a person, 8 the next page, 9
// repeat, * back, # ends a number).
constexpr std::string_view kItemKeys = "1234567";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

Result<std::vector<std::string>> Strings(const toml::node_view<const toml::node>& node,
                                         const std::string& where) {
  std::vector<std::string> out;
  if (!node) return out;
  const toml::array* a = node.as_array();
  if (!a) return InvalidArgument(where + " must be a list of strings");
  for (const auto& v : *a) {
    auto s = v.value<std::string>();
    if (!s) return InvalidArgument(where + " must be a list of strings");
    out.push_back(*s);
  }
  return out;
}

// Pages of `level` as said: its items page_size at a time, "更多" on every page but the last,
// the tail on the last.
void MakePages(const IvrMenu& m, IvrLevel& level) {
  level.pages.clear();
  const size_t n = level.items.size();
  const size_t size = static_cast<size_t>(std::max(1, m.page_size));
  for (size_t first = 0; first < n || first == 0; first += size) {
    std::string text;
    for (size_t i = first; i < std::min(n, first + size); ++i) {
      if (!text.empty()) text += "，";
      text += Replace(Replace(m.item_prompt, "{label}", level.items[i].label), "{key}",
                      level.items[i].key);
    }
    bool last = first + size >= n;
    std::string end = !last ? m.more_prompt : level.parent.empty() ? m.top_tail : m.back_prompt;
    if (!end.empty()) text += (text.empty() ? "" : "，") + end;
    level.pages.push_back(text + "。");
    if (last) break;
  }
}

// The tree: parents, depth, pages; then the catalog's checks.
Status CheckTree(const std::string& path, IvrMenu& m, const MenuCatalog* catalog) {
  if (m.menus.empty()) return Status::Ok();
  if (m.page_size < 1 || m.page_size > 7) return InvalidArgument(path + ": page_size must be 1..7");
  std::map<std::string, IvrLevel*> by_id;
  for (IvrLevel& l : m.menus) by_id[l.id] = &l;
  // Parents: each sub-menu opened by exactly one item.
  for (IvrLevel& l : m.menus)
    for (const IvrItem& item : l.items) {
      if (item.menu.empty()) continue;
      auto it = by_id.find(item.menu);
      std::string where = path + ": menu " + l.id + " key " + item.key;
      if (it == by_id.end()) return InvalidArgument(where + ": no menu '" + item.menu + "'");
      if (it->second == &m.menus.front())
        return InvalidArgument(where + ": the top level cannot be a sub-menu");
      if (!it->second->parent.empty())
        return InvalidArgument(where + ": menu '" + item.menu + "' is already opened by menu " +
                               it->second->parent + " (a menu has one parent, for * to go back)");
      it->second->parent = l.id;
    }
  // Depth, breadth first from the top level; a menu never reached is a mistake.
  std::deque<IvrLevel*> todo{&m.menus.front()};
  std::set<std::string> seen{m.menus.front().id};
  while (!todo.empty()) {
    IvrLevel* l = todo.front();
    todo.pop_front();
    for (const IvrItem& item : l->items) {
      if (item.menu.empty() || !seen.insert(item.menu).second) continue;
      IvrLevel* sub = by_id[item.menu];
      sub->depth = l->depth + 1;
      if (sub->depth > kMaxMenuDepth)
        return InvalidArgument(path + ": menu " + l->id + " key " + item.key + ": menu '" +
                               sub->id + "' would be level " + std::to_string(sub->depth) +
                               " (at most " + std::to_string(kMaxMenuDepth) + " levels)");
      todo.push_back(sub);
    }
  }
  for (IvrLevel& l : m.menus) {
    if (!seen.count(l.id))
      return InvalidArgument(path + ": menu " + l.id + " is not opened by any key");
    MakePages(m, l);
    for (size_t p = 0; p < l.pages.size(); ++p)
      if (SpokenSeconds(l.pages[p]) >= kMaxPromptSeconds)
        return InvalidArgument(
            path + ": menu " + l.id + " page " + std::to_string(p + 1) + " takes " +
            std::to_string(SpokenSeconds(l.pages[p])) + " s to say (under " +
            std::to_string(int(kMaxPromptSeconds)) +
            " s: fewer or shorter items, or a smaller page_size): " + l.pages[p]);
  }
  for (const IvrInput& in : m.inputs)
    if (SpokenSeconds(in.prompt) >= kMaxPromptSeconds)
      return InvalidArgument(path + ": [[input]] " + in.calc + " " + in.slot +
                             ": the prompt takes over " + std::to_string(int(kMaxPromptSeconds)) +
                             " s to say");
  if (!catalog) return Status::Ok();

  // The knowledge base: what items name exists; calculators can be answered by keys.
  std::set<std::string> reachable;
  for (const IvrLevel& l : m.menus)
    for (const IvrItem& item : l.items) {
      std::string where = path + ": menu " + l.id + " key " + item.key;
      if (!item.entry.empty()) {
        auto kind = catalog->kinds.find(item.entry);
        if (kind == catalog->kinds.end())
          return InvalidArgument(where + ": unknown entry '" + item.entry + "'");
        if (catalog->flows.count(item.entry))
          return InvalidArgument(where + ": '" + item.entry + "' is a calculator: write calc = \"" +
                                 item.entry + "\"");
        reachable.insert(item.entry);
      }
      if (item.calc.empty()) continue;
      auto flow = catalog->flows.find(item.calc);
      if (flow == catalog->flows.end())
        return InvalidArgument(where + ": unknown calculator '" + item.calc + "' (kb/flows)");
      if (flow->second.groups)
        return InvalidArgument(where + ": calculator '" + item.calc +
                               "' asks a group of slots at once, which keys cannot answer");
      for (const MenuCatalog::Slot& s : flow->second.slots)
        if (s.asked && !m.Input(item.calc, s.name))
          return InvalidArgument(where + ": calculator '" + item.calc + "' may ask '" + s.name +
                                 "': add an [[input]] with calc = \"" + item.calc +
                                 "\", slot = \"" + s.name + "\"");
      reachable.insert(item.calc);
    }
  for (IvrInput& in : m.inputs) {
    std::string where = path + ": [[input]] " + in.calc + " " + in.slot;
    auto flow = catalog->flows.find(in.calc);
    if (flow == catalog->flows.end())
      return InvalidArgument(where + ": unknown calculator '" + in.calc + "'");
    const MenuCatalog::Slot* slot = nullptr;
    for (const auto& s : flow->second.slots)
      if (s.name == in.slot) slot = &s;
    if (!slot) return InvalidArgument(where + ": the calculator has no slot '" + in.slot + "'");
    in.type = slot->type;
    in.retry = slot->range_message;
    bool choice = in.type == "enum" || in.type == "bool";
    if (choice != !in.keys.empty())
      return InvalidArgument(where + ": a slot of type " + in.type +
                             (choice ? " needs 'keys' (the value of key 1, 2, ...)"
                                     : " is entered as digits: no 'keys'"));
    for (const std::string& v : in.keys) {
      bool known = in.type == "bool" ? (v == "是" || v == "否")
                                     : std::find(slot->values.begin(), slot->values.end(), v) !=
                                           slot->values.end();
      if (!known)
        return InvalidArgument(where + ": '" + v + "' is not a value of the slot" +
                               (in.type == "bool" ? " (是 or 否)" : ""));
    }
  }
  // Every faq entry of the areas named is on a key (within the levels checked above).
  for (const IvrLevel& l : m.menus)
    for (const std::string& area : l.areas)
      for (const auto& [id, kind] : catalog->kinds)
        if (kind == "faq" && id.rfind(area + ".", 0) == 0 && !reachable.count(id))
          return InvalidArgument(path + ": menu " + l.id + " names area '" + area +
                                 "' but its faq entry " + id + " (" + catalog->titles.at(id) +
                                 ") is on no key: add an item for it within " +
                                 std::to_string(kMaxMenuDepth) + " levels");
  return Status::Ok();
}

Status ReadTree(const std::string& path, const toml::table& t, IvrMenu& m) {
  const toml::array* menus = t["menu"].as_array();
  if (!menus) {
    if (t.contains("menu")) return InvalidArgument(path + ": 'menu' must be [[menu]] tables");
    return Status::Ok();
  }
  for (size_t i = 0; i < menus->size(); ++i) {
    const toml::table* mt = (*menus)[i].as_table();
    std::string where = path + ": [[menu]] #" + std::to_string(i + 1);
    if (!mt) return InvalidArgument(where + " is not a table");
    IvrLevel level;
    level.id = (*mt)["id"].value_or(std::string());
    level.title = (*mt)["title"].value_or(std::string());
    if (level.id.empty()) return InvalidArgument(where + ": 'id' is required");
    where = path + ": menu " + level.id;
    if (m.Level(level.id)) return InvalidArgument(where + ": defined twice");
    ZX_ASSIGN_OR_RETURN(level.areas, Strings((*mt)["areas"], where + ": 'areas'"));
    const toml::array* items = (*mt)["item"].as_array();
    if (!items || items->empty()) return InvalidArgument(where + ": no [[menu.item]]");
    for (size_t j = 0; j < items->size(); ++j) {
      const toml::table* it = (*items)[j].as_table();
      if (!it) return InvalidArgument(where + ": item #" + std::to_string(j + 1) + " not a table");
      IvrItem item;
      item.key = (*it)["key"].value_or(std::string());
      item.label = (*it)["label"].value_or(std::string());
      item.menu = (*it)["menu"].value_or(std::string());
      item.entry = (*it)["entry"].value_or(std::string());
      item.calc = (*it)["calc"].value_or(std::string());
      std::string at = where + " item #" + std::to_string(j + 1);
      if (item.key.size() != 1 || kItemKeys.find(item.key[0]) == std::string_view::npos)
        return InvalidArgument(at +
                               ": 'key' must be one of 1-7 (0, 8, 9, * and # work at "
                               "every level)");
      at = where + " key " + item.key;
      if (level.Find(item.key[0])) return InvalidArgument(at + ": the key is used twice");
      if (item.label.empty()) return InvalidArgument(at + ": 'label' is required");
      int targets = !item.menu.empty() + !item.entry.empty() + !item.calc.empty();
      if (targets != 1) return InvalidArgument(at + ": needs exactly one of menu, entry, calc");
      level.items.push_back(std::move(item));
    }
    m.menus.push_back(std::move(level));
  }
  if (const toml::array* inputs = t["input"].as_array()) {
    for (size_t i = 0; i < inputs->size(); ++i) {
      const toml::table* it = (*inputs)[i].as_table();
      std::string where = path + ": [[input]] #" + std::to_string(i + 1);
      if (!it) return InvalidArgument(where + " is not a table");
      IvrInput in;
      in.calc = (*it)["calc"].value_or(std::string());
      in.slot = (*it)["slot"].value_or(std::string());
      in.prompt = (*it)["prompt"].value_or(std::string());
      if (in.calc.empty() || in.slot.empty() || in.prompt.empty())
        return InvalidArgument(where + ": 'calc', 'slot' and 'prompt' are required");
      ZX_ASSIGN_OR_RETURN(in.keys, Strings((*it)["keys"], where + ": 'keys'"));
      if (in.keys.size() > 7) return InvalidArgument(where + ": at most 7 keys");
      if (!in.keys.empty()) in.type = "enum";
      if (m.Input(in.calc, in.slot)) return InvalidArgument(where + ": defined twice");
      m.inputs.push_back(std::move(in));
    }
  }
  return Status::Ok();
}

}  // namespace

double SpokenSeconds(const std::string& text) {
  int chars = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80 && c != ' ' && c != '\t' && c != '\n') ++chars;
  return chars / kSpokenCharsPerSecond;
}

const IvrKey* IvrMenu::Find(char key) const {
  for (const IvrKey& k : keys)
    if (k.key.size() == 1 && k.key[0] == key) return &k;
  return nullptr;
}

const IvrItem* IvrLevel::Find(char key) const {
  for (const IvrItem& i : items)
    if (i.key.size() == 1 && i.key[0] == key) return &i;
  return nullptr;
}

const IvrLevel* IvrMenu::Level(const std::string& id) const {
  for (const IvrLevel& l : menus)
    if (l.id == id) return &l;
  return nullptr;
}

const IvrInput* IvrMenu::Input(const std::string& calc, const std::string& slot) const {
  for (const IvrInput& in : inputs)
    if (in.calc == calc && in.slot == slot) return &in;
  return nullptr;
}

Result<IvrMenu> LoadIvrMenu(const std::string& path, const MenuCatalog* catalog) {
  ZX_ASSIGN_OR_RETURN(toml::table t, ReadTomlFile(path));
  IvrMenu m;
  auto text = [&](const char* key, std::string& out, bool required) -> Status {
    auto v = t[key].value<std::string>();
    if (v)
      out = *v;
    else if (t.contains(key))
      return InvalidArgument(path + ": '" + key + "' must be a string");
    if (required && out.empty()) return InvalidArgument(path + ": '" + key + "' is required");
    return Status::Ok();
  };
  ZX_RETURN_IF_ERROR(text("greeting", m.greeting, true));
  ZX_RETURN_IF_ERROR(text("invalid_key", m.invalid_key, false));
  ZX_RETURN_IF_ERROR(text("no_input", m.no_input, false));
  ZX_RETURN_IF_ERROR(text("goodbye", m.goodbye, false));
  ZX_RETURN_IF_ERROR(text("not_understood", m.not_understood, false));
  ZX_RETURN_IF_ERROR(text("speech_unavailable", m.speech_unavailable, false));
  ZX_RETURN_IF_ERROR(text("transfer_failed", m.transfer_failed, false));
  ZX_RETURN_IF_ERROR(text("item_prompt", m.item_prompt, false));
  ZX_RETURN_IF_ERROR(text("more_prompt", m.more_prompt, false));
  ZX_RETURN_IF_ERROR(text("back_prompt", m.back_prompt, false));
  ZX_RETURN_IF_ERROR(text("top_tail", m.top_tail, false));
  ZX_RETURN_IF_ERROR(text("after_answer", m.after_answer, false));
  ZX_RETURN_IF_ERROR(text("input_retry", m.input_retry, false));
  m.no_input_seconds = t["no_input_seconds"].value_or(m.no_input_seconds);
  m.max_no_input = t["max_no_input"].value_or(m.max_no_input);
  m.page_size = t["page_size"].value_or(m.page_size);
  if (m.no_input_seconds < 0 || m.no_input_seconds > 600)
    return InvalidArgument(path + ": 'no_input_seconds' must be 0..600");
  const toml::array* keys = t["key"].as_array();
  if (!keys || keys->empty()) return InvalidArgument(path + ": no [[key]] entries");
  for (size_t i = 0; i < keys->size(); ++i) {
    const toml::table* k = (*keys)[i].as_table();
    std::string where = path + ": [[key]] #" + std::to_string(i + 1);
    if (!k) return InvalidArgument(where + " is not a table");
    IvrKey key;
    key.key = (*k)["key"].value_or(std::string());
    key.label = (*k)["label"].value_or(std::string());
    key.action = (*k)["action"].value_or(std::string());
    key.text = (*k)["text"].value_or(std::string());
    if (key.key.size() != 1 || std::string("0123456789*#").find(key.key[0]) == std::string::npos)
      return InvalidArgument(where + ": 'key' must be one of 0-9, * or #");
    if (key.action != "ask" && key.action != "agent" && key.action != "repeat" &&
        key.action != "menu" && key.action != "back")
      return InvalidArgument(where + ": 'action' must be ask, agent, repeat, menu or back");
    if ((key.action == "ask" || key.action == "agent") && key.text.empty())
      return InvalidArgument(where + ": action '" + key.action + "' needs 'text'");
    if (m.Find(key.key[0]))
      return InvalidArgument(where + ": key " + key.key + " is defined twice");
    m.keys.push_back(std::move(key));
  }
  ZX_RETURN_IF_ERROR(ReadTree(path, t, m));
  for (const IvrKey& k : m.keys)
    if (!m.menus.empty() && kItemKeys.find(k.key[0]) != std::string_view::npos)
      return InvalidArgument(path + ": [[key]] " + k.key +
                             ": keys 1-7 choose the items of a menu; use 0, 8, 9, * or #");
  ZX_RETURN_IF_ERROR(CheckTree(path, m, catalog));
  if (const toml::table* call = t["call"].as_table()) {
    LegacyCallSection c;
    c.max_calls = (*call)["max_calls"].value_or(c.max_calls);
    c.over_capacity_code = (*call)["over_capacity_code"].value_or(c.over_capacity_code);
    c.answer_delay_ms = (*call)["answer_delay_ms"].value_or(c.answer_delay_ms);
    c.record = (*call)["record"].value_or(c.record);
    c.transfer_to = (*call)["transfer_to"].value_or(c.transfer_to);
    if (c.max_calls < 1) return InvalidArgument(path + ": [call] max_calls must be at least 1");
    if (c.over_capacity_code != 486 && c.over_capacity_code != 503)
      return InvalidArgument(path + ": [call] over_capacity_code must be 486 or 503");
    if (c.answer_delay_ms < 0 || c.answer_delay_ms > 10000)
      return InvalidArgument(path + ": [call] answer_delay_ms must be 0..10000");
    m.legacy_call = std::move(c);
  }
  return m;
}

Result<IvrMenu> LoadIvrMenuOf(const std::string& kb_dir) {
  ZX_ASSIGN_OR_RETURN(MenuCatalog catalog, ReadMenuCatalog(kb_dir));
  return LoadIvrMenu((std::filesystem::path(kb_dir) / "ivr.toml").string(), &catalog);
}

}  // namespace zx::voice
