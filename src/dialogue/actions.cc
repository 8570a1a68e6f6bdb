#include "dialogue/actions.h"

namespace zx::dialogue {

Status ActionRegistry::Register(std::string name, ActionFn fn) {
  if (name.empty()) return InvalidArgument("an action needs a name");
  if (!fn) return InvalidArgument("action '" + name + "' has no callback");
  if (Has(name)) return Status(Code::kAlreadyExists, "action '" + name + "' is already registered");
  actions_.emplace(std::move(name), std::move(fn));
  return Status::Ok();
}

std::vector<std::string> ActionRegistry::Names() const {
  std::vector<std::string> out;
  for (const auto& [name, fn] : actions_) out.push_back(name);
  return out;
}

Result<ActionOutcome> ActionRegistry::Invoke(std::string_view name,
                                             const ActionRequest& request) const {
  auto it = actions_.find(name);
  if (it == actions_.end()) return NotFound("no action '" + std::string(name) + "' is registered");
  return it->second(request);
}

}  // namespace zx::dialogue
