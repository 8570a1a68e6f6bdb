// Normalizer: turns what a citizen typed or a recogniser heard into one canonical form, so that
// everything downstream (segmentation, index, classifier, slot extraction) sees one spelling.
//
// Steps, in order: invalid UTF-8 bytes are dropped; traditional -> simplified (OpenCC t2s.json,
// then the few variants OpenCC leaves, e.g. 帐户 -> 账户); full-width ASCII and the ideographic
// space -> half-width; ASCII letters lower-cased; runs of whitespace collapsed.
// Punctuation: full-width forms fold to ASCII with the rest (，？！ -> , ? !); CJK punctuation
// (。、《》“”) is kept as written; so are emoji and other symbols.
// Numbers are left as written here: numerals.h reads them.
// Thread-safe after Create (OpenCC converters are immutable).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace zx::text {

struct NormalizerOptions {
  std::string opencc_config = "t2s.json";  // OpenCC configuration, by name or path
  // Pass every text through OpenCC, even one with no character it could change (tests: the
  // skip must never change a result).
  bool always_convert = false;
};

class Normalizer {
 public:
  static Result<std::unique_ptr<Normalizer>> Create(const NormalizerOptions& options = {});
  virtual ~Normalizer() = default;
  virtual std::string Normalize(std::string_view utf8) const = 0;
};

// True when `s` is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);
// `s` with ill-formed sequences removed.
std::string SanitizeUtf8(std::string_view s);

}  // namespace zx::text
