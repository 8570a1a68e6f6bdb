// Normalizer over OpenCC. Punctuation policy: the full-width forms U+FF01..U+FF5E (，！？：；（）
// ％ and so on) become their ASCII twins with the rest of the width folding; the CJK
// punctuation of U+3000..U+303F and the curly quotes (。、《》「」【】“”) are kept as written.
//
// OpenCC is skipped for a text none of whose characters it could change (most questions are
// simplified Chinese already): see Convertible.
#include <algorithm>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <opencc/Config.hpp>
#include <opencc/Conversion.hpp>
#include <opencc/ConversionChain.hpp>
#include <opencc/Converter.hpp>
#include <opencc/Dict.hpp>
#include <opencc/DictEntry.hpp>
#include <opencc/Lexicon.hpp>

#include "text/normalizer.h"
#include "text/utf8.h"

namespace zx::text {
namespace {

using utf8::AppendUtf8;
using utf8::DecodeAt;

constexpr char32_t kZhang = U'帐';      // OpenCC's t2s output for 帳 (tent and account alike)
constexpr char32_t kZhangTrad = U'帳';  // traditional form, if OpenCC leaves one
constexpr char32_t kZhangMoney = U'账';

// 帐 is right for tents (帐篷, 蚊帐); in these neighbours it means an account: 账.
bool AccountAfter(char32_t c) {
  static constexpr std::u32string_view kNext = U"户号单目本务款面期套簿";
  return kNext.find(c) != std::u32string_view::npos;
}
bool AccountBefore(char32_t c) {
  static constexpr std::u32string_view kPrev =
      U"到转入记对查算结销挂赖欠还报做假出进走呆坏烂总分明旧收";
  return kPrev.find(c) != std::u32string_view::npos;
}

bool IsSpace(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == 0x00A0 ||
         c == 0x3000 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x1680 || c == 0x0085;
}

// The characters that make OpenCC change a text. A text holding none of them comes out of
// OpenCC unchanged: its segments are copied, and any key matched in it maps to itself. They are
// the single-character keys OpenCC replaces (their first value differs), and for a longer key it
// replaces that holds none of those, all of its characters. One bit per code point.
std::vector<uint64_t> Convertible(const opencc::Converter& converter) {
  std::vector<uint64_t> bits(0x110000 / 64, 0);
  auto has = [&](char32_t c) { return c < 0x110000 && (bits[c / 64] >> (c % 64) & 1); };
  std::vector<std::u32string> phrases;  // longer keys OpenCC replaces
  for (const auto& conversion : converter.GetConversionChain()->GetConversions()) {
    auto lexicon = conversion->GetDict()->GetLexicon();
    for (const auto& entry : *lexicon) {
      const std::string key = entry->Key();
      if (entry->NumValues() > 0 && entry->GetDefault() == key) continue;
      std::u32string chars;
      for (size_t i = 0; i < key.size();) {
        size_t len = 1;
        chars.push_back(DecodeAt(key, i, &len));
        i += len;
      }
      if (chars.size() == 1 && chars[0] < 0x110000)
        bits[chars[0] / 64] |= uint64_t{1} << (chars[0] % 64);
      else
        phrases.push_back(std::move(chars));
    }
  }
  for (const auto& chars : phrases) {
    if (std::any_of(chars.begin(), chars.end(), has)) continue;
    for (char32_t c : chars)
      if (c < 0x110000) bits[c / 64] |= uint64_t{1} << (c % 64);
  }
  return bits;
}

bool IsDropped(char32_t c) {
  return (c < 0x20 && !IsSpace(c)) || c == 0x7F || c == 0x200B || c == 0xFEFF || c == 0xFFFD ||
         (c >= 0x80 && c < 0xA0 && c != 0x0085);
}

class NormalizerImpl : public Normalizer {
 public:
  NormalizerImpl(opencc::ConverterPtr converter, bool always_convert)
      : converter_(std::move(converter)),
        convertible_(Convertible(*converter_)),
        always_convert_(always_convert) {}

  std::string Normalize(std::string_view utf8) const override {
    std::string clean = SanitizeUtf8(utf8);
    std::erase(clean, '\0');  // OpenCC reads C strings: a NUL would end the text
    if (!always_convert_ && !NeedsConverting(clean)) return Fold(clean);
    std::string simplified;
    try {
      simplified = converter_->Convert(clean);
    } catch (const std::exception&) {
      simplified = std::move(clean);  // keep the text rather than lose it
    }
    return Fold(simplified);
  }

 private:
  static std::string Fold(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    bool pending_space = false;
    char32_t prev = 0;
    for (size_t i = 0; i < s.size();) {
      size_t len = 1;
      char32_t c = DecodeAt(s, i, &len);
      i += len;
      if (IsDropped(c)) continue;
      if (IsSpace(c)) {
        pending_space = !out.empty();
        continue;
      }
      if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;  // full-width ASCII
      if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
      if (c == kZhangTrad) c = kZhangMoney;
      if (c == kZhang) {
        size_t next_len = 1;
        const char32_t next = i < s.size() ? DecodeAt(s, i, &next_len) : 0;
        if (AccountAfter(next) || AccountBefore(prev)) c = kZhangMoney;
      }
      if (pending_space) {
        out.push_back(' ');
        pending_space = false;
      }
      AppendUtf8(c, &out);
      prev = c;
    }
    return out;
  }

  bool NeedsConverting(std::string_view s) const {
    for (size_t i = 0; i < s.size();) {
      size_t len = 1;
      char32_t c = DecodeAt(s, i, &len);
      i += len;
      if (c < 0x110000 && (convertible_[c / 64] >> (c % 64) & 1)) return true;
    }
    return false;
  }

  opencc::ConverterPtr converter_;
  std::vector<uint64_t> convertible_;
  bool always_convert_;
};

}  // namespace

Result<std::unique_ptr<Normalizer>> Normalizer::Create(const NormalizerOptions& options) {
  if (options.opencc_config.empty()) {
    return InvalidArgument("normalizer: opencc_config is empty (use \"t2s.json\")");
  }
  try {
    opencc::Config config;
    auto converter = config.NewFromFile(options.opencc_config);
    return std::unique_ptr<Normalizer>(
        std::make_unique<NormalizerImpl>(std::move(converter), options.always_convert));
  } catch (const std::exception& e) {
    return FailedPrecondition("normalizer: cannot load OpenCC configuration '" +
                              options.opencc_config + "': " + e.what() +
                              " (is libopencc-dev / opencc-data installed?)");
  } catch (...) {
    return FailedPrecondition("normalizer: cannot load OpenCC configuration '" +
                              options.opencc_config + "'");
  }
}

}  // namespace zx::text
