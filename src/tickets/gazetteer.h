// The gazetteer of the city (kb/tickets/places.toml): districts, streets and towns, communities
// and villages, roads and residential compounds, with aliases. Auto-fill reads a work order's
// district and place from what the citizen said with it (DOMAIN.md "Auto-fill"). Immutable after
// Load; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace zx::tickets {

enum class PlaceKind { kDistrict, kStreet, kTown, kCommunity, kVillage, kRoad, kCompound };

// "district", "street", "town", "community", "village", "road", "compound".
std::string_view PlaceKindName(PlaceKind kind);

struct Place {
  std::string name;  // as on the map: "阳光花园"
  PlaceKind kind = PlaceKind::kRoad;
  std::vector<std::string> districts;  // the district(s) it lies in
  std::string within;                  // its street or town, "" when not given
  std::vector<std::string> aliases;
};

// One place named in a text: which one, and where (byte span of the normalised text).
struct PlaceMention {
  const Place* place = nullptr;
  size_t begin = 0, end = 0;
};

class Gazetteer {
 public:
  // Reads places.toml. Errors: kInvalidArgument "FILE:LINE: reason" (syntax, a missing or
  // mistyped key, an unknown kind, a district that is not a place of kind district, a name or
  // alias given to two places).
  static Result<Gazetteer> Load(const std::string& path);

  // Every place named in `normalized` (simplified, as text::Normalizer writes it), left to
  // right; at each position the longest name or alias wins and mentions never overlap.
  std::vector<PlaceMention> Find(std::string_view normalized) const;

  const std::vector<Place>& places() const { return places_; }
  // Every name and alias (for the homophone corrector: 望朝路 heard for 望潮路).
  std::vector<std::string> AllNames() const;

 private:
  std::vector<Place> places_;
  // name or alias -> place index, longest first.
  std::vector<std::pair<std::string, size_t>> names_;
};

}  // namespace zx::tickets
