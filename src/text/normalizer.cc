// Normalizer over OpenCC. Punctuation policy: the full-width forms U+FF01..U+FF5E (，！？：；（）
// ％ and so on) become their ASCII twins with the rest of the width folding; the CJK
// punctuation of U+3000..U+303F and the curly quotes (。、《》「」【】“”) are kept as written.
#include <exception>
#include <string>
#include <string_view>

#include <opencc/SimpleConverter.hpp>

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

bool IsDropped(char32_t c) {
  return (c < 0x20 && !IsSpace(c)) || c == 0x7F || c == 0x200B || c == 0xFEFF || c == 0xFFFD ||
         (c >= 0x80 && c < 0xA0 && c != 0x0085);
}

class NormalizerImpl : public Normalizer {
 public:
  explicit NormalizerImpl(std::unique_ptr<opencc::SimpleConverter> converter)
      : converter_(std::move(converter)) {}

  std::string Normalize(std::string_view utf8) const override {
    std::string clean = SanitizeUtf8(utf8);
    std::erase(clean, '\0');  // OpenCC reads C strings: a NUL would end the text
    std::string simplified;
    try {
      simplified = converter_->Convert(clean.data(), clean.size());
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

  std::unique_ptr<opencc::SimpleConverter> converter_;
};

}  // namespace

Result<std::unique_ptr<Normalizer>> Normalizer::Create(const NormalizerOptions& options) {
  if (options.opencc_config.empty()) {
    return InvalidArgument("normalizer: opencc_config is empty (use \"t2s.json\")");
  }
  try {
    auto converter = std::make_unique<opencc::SimpleConverter>(options.opencc_config);
    return std::unique_ptr<Normalizer>(std::make_unique<NormalizerImpl>(std::move(converter)));
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
