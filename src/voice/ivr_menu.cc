#include "voice/ivr_menu.h"

#include <toml++/toml.h>

#include "base/toml_file.h"

namespace zx::voice {

const IvrKey* IvrMenu::Find(char key) const {
  for (const IvrKey& k : keys)
    if (k.key.size() == 1 && k.key[0] == key) return &k;
  return nullptr;
}

Result<IvrMenu> LoadIvrMenu(const std::string& path) {
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
  m.no_input_seconds = t["no_input_seconds"].value_or(m.no_input_seconds);
  m.max_no_input = t["max_no_input"].value_or(m.max_no_input);
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
        key.action != "menu")
      return InvalidArgument(where + ": 'action' must be ask, agent, repeat or menu");
    if ((key.action == "ask" || key.action == "agent") && key.text.empty())
      return InvalidArgument(where + ": action '" + key.action + "' needs 'text'");
    if (m.Find(key.key[0]))
      return InvalidArgument(where + ": key " + key.key + " is defined twice");
    m.keys.push_back(std::move(key));
  }
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

}  // namespace zx::voice
