// Text normalisation, numerals and PII masking over arbitrary bytes.
// Invariants: every output is well-formed UTF-8; quantities lie inside their input.
#include <cstdint>
#include <memory>

#include "common.h"
#include "text/normalizer.h"
#include "text/numerals.h"
#include "text/pii.h"

using zx::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::unique_ptr<zx::text::Normalizer> normalizer = [] {
    auto n = zx::text::Normalizer::Create();
    Check(n.ok(), "Normalizer::Create (is OpenCC installed?)");
    return std::move(n).value();
  }();
  std::string_view raw(reinterpret_cast<const char*>(data), size);

  std::string sanitized = zx::text::SanitizeUtf8(raw);
  Check(zx::text::IsValidUtf8(sanitized), "SanitizeUtf8 output is UTF-8");
  std::string normalized = normalizer->Normalize(raw);
  Check(zx::text::IsValidUtf8(normalized), "Normalize output is UTF-8");

  (void)zx::text::ParseNumber(normalized);
  (void)zx::text::ParseMonths(normalized);
  (void)zx::text::ParseYearMonth(normalized);
  (void)zx::text::ParseYear(normalized);
  for (const auto& q : zx::text::FindQuantities(normalized)) {
    Check(q.begin <= q.end && q.end <= normalized.size(), "quantity span inside the input");
    Check(zx::text::IsValidUtf8(q.text), "quantity text is UTF-8");
  }
  Check(zx::text::IsValidUtf8(zx::text::RewriteNumerals(normalized)), "RewriteNumerals is UTF-8");
  Check(zx::text::IsValidUtf8(zx::text::MaskText(normalized)), "MaskText is UTF-8");
  (void)zx::text::MaskPhone(raw);
  (void)zx::text::MaskIdNumber(raw);
  (void)zx::text::MaskName(normalized);
  (void)zx::text::IsValidIdNumber(raw);
  return 0;
}
