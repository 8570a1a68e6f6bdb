#include "tickets/gazetteer.h"

#include <algorithm>
#include <map>

#include "tickets/toml_read_internal.h"

namespace zx::tickets {
namespace {

constexpr std::pair<std::string_view, PlaceKind> kKinds[] = {
    {"district", PlaceKind::kDistrict}, {"street", PlaceKind::kStreet},
    {"town", PlaceKind::kTown},         {"community", PlaceKind::kCommunity},
    {"village", PlaceKind::kVillage},   {"road", PlaceKind::kRoad},
    {"compound", PlaceKind::kCompound}};

}  // namespace

std::string_view PlaceKindName(PlaceKind kind) {
  for (const auto& [name, k] : kKinds)
    if (k == kind) return name;
  return "?";
}

Result<Gazetteer> Gazetteer::Load(const std::string& path) {
  using internal::ErrorAt;
  ZX_ASSIGN_OR_RETURN(toml::table root, ReadTomlFile(path));
  ZX_RETURN_IF_ERROR(internal::CheckKeys(path, root, {"place"}));
  ZX_ASSIGN_OR_RETURN(auto tables, internal::ReadTables(path, root, "place"));
  Gazetteer g;
  std::map<std::string, const toml::table*> seen;  // name or alias -> where first given
  for (const toml::table* t : tables) {
    ZX_RETURN_IF_ERROR(
        internal::CheckKeys(path, *t, {"name", "kind", "districts", "within", "aliases"}));
    Place p;
    ZX_ASSIGN_OR_RETURN(p.name, internal::ReadString(path, *t, "name"));
    ZX_ASSIGN_OR_RETURN(std::string kind, internal::ReadString(path, *t, "kind"));
    bool known_kind = false;
    for (const auto& [name, k] : kKinds)
      if (name == kind) {
        p.kind = k;
        known_kind = true;
      }
    if (!known_kind)
      return ErrorAt(path, *t->get("kind"),
                     "kind must be district, street, town, community, village, road or "
                     "compound, not '" +
                         kind + "'");
    ZX_ASSIGN_OR_RETURN(p.districts, internal::ReadStrings(path, *t, "districts", true));
    ZX_ASSIGN_OR_RETURN(p.within, internal::ReadString(path, *t, "within", true));
    ZX_ASSIGN_OR_RETURN(p.aliases, internal::ReadStrings(path, *t, "aliases"));
    std::vector<std::string> names = p.aliases;
    names.push_back(p.name);
    for (const std::string& n : names) {
      if (seen.contains(n)) return ErrorAt(path, *t, "the name '" + n + "' is given twice");
      seen[n] = t;
    }
    g.places_.push_back(std::move(p));
  }
  // Every district a place names must be a place of kind district.
  for (size_t i = 0; i < g.places_.size(); ++i) {
    for (const std::string& d : g.places_[i].districts) {
      bool found = false;
      for (const Place& q : g.places_)
        found = found || (q.kind == PlaceKind::kDistrict && q.name == d);
      if (!found) return ErrorAt(path, *tables[i], "'" + d + "' is not a place of kind district");
    }
  }
  for (size_t i = 0; i < g.places_.size(); ++i) {
    g.names_.emplace_back(g.places_[i].name, i);
    for (const std::string& a : g.places_[i].aliases) g.names_.emplace_back(a, i);
  }
  std::stable_sort(g.names_.begin(), g.names_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  return g;
}

std::vector<PlaceMention> Gazetteer::Find(std::string_view normalized) const {
  std::vector<PlaceMention> out;
  auto overlaps = [&](size_t b, size_t e) {
    for (const PlaceMention& m : out)
      if (b < m.end && m.begin < e) return true;
    return false;
  };
  // Longest names first, so that 临河大道 is taken before the alias 临河 inside it. Byte search is
  // safe in UTF-8: a match of a whole encoded name starts at a character boundary.
  for (const auto& [name, index] : names_) {
    for (size_t pos = normalized.find(name); pos != std::string_view::npos;
         pos = normalized.find(name, pos + 1)) {
      if (!overlaps(pos, pos + name.size()))
        out.push_back({&places_[index], pos, pos + name.size()});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const PlaceMention& a, const PlaceMention& b) { return a.begin < b.begin; });
  return out;
}

std::vector<std::string> Gazetteer::AllNames() const {
  std::vector<std::string> out;
  for (const auto& [name, index] : names_) out.push_back(name);
  return out;
}

}  // namespace zx::tickets
