// The key-file parser. Invariants: an accepted key file serialises and parses back to the same
// versions, current version and keys.
#include <cstdint>
#include <string>

#include "common.h"
#include "security/keys.h"

using zx::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ring = zx::security::KeyRing::Parse(text, "fuzz.keys");
  if (!ring.ok()) return 0;
  auto again = zx::security::KeyRing::Parse(ring->Serialize(), "again");
  Check(again.ok(), "a serialised ring parses");
  Check(again->current_version() == ring->current_version(), "same current version");
  Check(again->versions() == ring->versions(), "same versions");
  Check(again->CurrentDataKey() == ring->CurrentDataKey(), "same current key");
  Check(again->BlindIndexKey() == ring->BlindIndexKey(), "same blind-index key");
  return 0;
}
