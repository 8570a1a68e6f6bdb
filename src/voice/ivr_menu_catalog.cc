// ReadMenuCatalog: what the menu's checks need of the knowledge base, read from its files (the
// same loaders the server uses), so that kb/ivr.toml is checked against kb/entries and kb/flows
// before the first call.
#include <filesystem>

#include "dialogue/flow.h"
#include "knowledge/loader.h"
#include "voice/ivr_menu.h"

namespace zx::voice {

Result<MenuCatalog> ReadMenuCatalog(const std::string& kb_dir) {
  MenuCatalog c;
  ZX_ASSIGN_OR_RETURN(knowledge::KnowledgeBase kb, knowledge::LoadKnowledgeBase(kb_dir));
  for (const knowledge::Entry& e : kb.entries) {
    c.kinds[e.id] = e.kind;
    c.titles[e.id] = e.title;
  }
  ZX_ASSIGN_OR_RETURN(
      dialogue::FlowRegistry flows,
      dialogue::FlowRegistry::Load((std::filesystem::path(kb_dir) / "flows").string()));
  for (const dialogue::FlowDef& f : flows.flows()) {
    MenuCatalog::Flow& flow = c.flows[f.id];
    flow.groups = !f.groups.empty();
    for (const dialogue::SlotDef& s : f.slots) {
      MenuCatalog::Slot slot;
      slot.name = s.name;
      slot.type = std::string(dialogue::SlotTypeName(s.type));
      // Asked unless never asked (optional) or always taken from its default.
      slot.asked = !s.optional && (!s.default_value || !s.ask_if.empty());
      for (const dialogue::EnumValue& v : s.values) slot.values.push_back(v.name);
      slot.range_message = s.range_message;
      flow.slots.push_back(std::move(slot));
    }
  }
  return c;
}

}  // namespace zx::voice
