#include "voice/agent_line.h"

#include <toml++/toml.h>

#include <filesystem>

#include "base/toml_file.h"

namespace zx::voice {
namespace {

void Replace(std::string& text, const std::string& key, const std::string& value) {
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
    text.replace(at, key.size(), value);
}

}  // namespace

Result<AgentLinePrompts> LoadAgentLinePrompts(const std::string& path) {
  ZX_ASSIGN_OR_RETURN(toml::table t, ReadTomlFile(path));
  AgentLinePrompts p;
  auto text = [&](const char* key, std::string& out) -> Status {
    if (!t.contains(key)) return Status::Ok();
    auto v = t[key].value<std::string>();
    if (!v) return InvalidArgument(path + ": '" + key + "' must be a string");
    out = *v;
    return Status::Ok();
  };
  ZX_RETURN_IF_ERROR(text("queued", p.queued));
  ZX_RETURN_IF_ERROR(text("position", p.position));
  ZX_RETURN_IF_ERROR(text("next", p.next));
  ZX_RETURN_IF_ERROR(text("callback_offer", p.callback_offer));
  ZX_RETURN_IF_ERROR(text("callback_left", p.callback_left));
  ZX_RETURN_IF_ERROR(text("agent_ended", p.agent_ended));
  if (p.position.find("{ahead}") == std::string::npos)
    return InvalidArgument(path + ": 'position' must say {ahead}");
  return p;
}

std::string QueuePositionText(const AgentLinePrompts& prompts, int ahead, int minutes) {
  std::string text = prompts.position;
  Replace(text, "{ahead}", std::to_string(ahead));
  Replace(text, "{minutes}", std::to_string(minutes));
  return text;
}

Result<AgentLinePrompts> AgentLinePromptsIn(const std::string& kb_dir) {
  std::string path = (std::filesystem::path(kb_dir) / "agent_line.toml").string();
  if (!std::filesystem::exists(path)) return AgentLinePrompts{};
  return LoadAgentLinePrompts(path);
}

}  // namespace zx::voice
