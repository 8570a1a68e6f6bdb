#include "admin/kb_commands.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "knowledge/kb_export.h"
#include "knowledge/kb_store.h"
#include "knowledge/loader.h"
#include "security/action_audit.h"

namespace zx::admin {
namespace {

using nlohmann::json;

std::string Actor(const Session& s) { return "cli:" + s.os_user; }

Status Audit(Session& s, std::string_view permission, std::string action, std::string object_id,
             const json& details) {
  security::AuditEvent e{Actor(s),
                         "system",
                         std::move(action),
                         "kb_entry",
                         std::move(object_id),
                         "",
                         "cli",
                         details.dump(-1, ' ', false, json::error_handler_t::replace)};
  return security::AppendPermittedAction(*s.security.audit, std::move(e), permission);
}

}  // namespace

Result<int> KbExport(Session& s, const Args& a) {
  const std::string format = a.type.empty() ? "toml" : a.type;
  if (format != "toml" && format != "xlsx")
    return InvalidArgument("--format must be toml or xlsx, got '" + format + "'");
  if (a.out.empty()) return InvalidArgument("kb export needs a directory");
  ZX_ASSIGN_OR_RETURN(auto store, knowledge::KnowledgeStore::Open(s.db, s.clock));
  ZX_ASSIGN_OR_RETURN(std::vector<knowledge::Area> areas, store->Areas());
  if (areas.empty() && !s.kb_dir.empty()) {
    ZX_RETURN_IF_ERROR(store->SeedFrom(s.kb_dir));
    ZX_ASSIGN_OR_RETURN(areas, store->Areas());
  }
  ZX_ASSIGN_OR_RETURN(knowledge::KnowledgeBase kb, store->AsOf(store->Today()));
  ZX_RETURN_IF_ERROR(Audit(s, "kb.manage", "kb.export", "",
                           {{"format", format}, {"dir", a.out}, {"entries", kb.entries.size()}}));
  std::vector<std::string> written;
  if (format == "xlsx") {
    ZX_ASSIGN_OR_RETURN(std::string bytes, knowledge::EntriesXlsx(kb));
    std::error_code ec;
    std::filesystem::create_directories(a.out, ec);
    std::string path = (std::filesystem::path(a.out) / "kb.xlsx").string();
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << bytes;
    f.close();
    if (!f) return Internal("cannot write " + path);
    written.push_back(path);
  } else {
    std::map<std::string, std::string> names;
    for (const auto& area : areas) names[area.code] = area.name;
    ZX_ASSIGN_OR_RETURN(written, knowledge::ExportTomlDir(kb, names, a.out));
  }
  for (const auto& path : written) s.out << path << "\n";
  s.err << "exported " << kb.entries.size() << " entries as of " << store->Today() << "\n";
  return 0;
}

Result<int> KbImport(Session& s, const Args& a) {
  if (a.out.empty()) return InvalidArgument("kb import needs a directory");
  ZX_ASSIGN_OR_RETURN(knowledge::KnowledgeBase files, knowledge::LoadKnowledgeBase(a.out));
  ZX_ASSIGN_OR_RETURN(auto store, knowledge::KnowledgeStore::Open(s.db, s.clock));
  ZX_ASSIGN_OR_RETURN(std::vector<knowledge::VersionRef> written,
                      store->ImportPublished(files, Actor(s), Actor(s), "kb import " + a.out));
  for (const auto& ref : written) {
    ZX_RETURN_IF_ERROR(
        Audit(s, "kb.review", "kb.import", ref.id, {{"version", ref.version}, {"dir", a.out}}));
    s.out << ref.id << " v" << ref.version << "\n";
  }
  s.err << "imported " << written.size() << " new versions of " << files.entries.size()
        << " entries\n";
  return 0;
}

}  // namespace zx::admin
