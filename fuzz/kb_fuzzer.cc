// The knowledge-file loader: entries (TOML) and synonyms (TSV), as an editor might break them.
#include <cstdint>
#include <string>

#include "knowledge/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)zx::knowledge::ParseEntries(text, "fuzz.toml");
  (void)zx::knowledge::ParseSynonyms(text, "fuzz.tsv");
  return 0;
}
