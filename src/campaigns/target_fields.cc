#include "campaigns/target_fields.h"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "text/numerals.h"

namespace zx::campaigns {
namespace {

// The length of the white space NormalizeField trims at s[i] (ASCII white space, U+3000,
// U+00A0, U+FEFF), or 0.
size_t SpaceAt(std::string_view s, size_t i) {
  switch (s[i]) {
    case ' ':
    case '\t':
    case '\r':
    case '\n':
    case '\v':
    case '\f':
      return 1;
    case '\xE3':
      return s.substr(i, 3) == "\u3000" ? 3 : 0;
    case '\xC2':
      return s.substr(i, 2) == "\u00A0" ? 2 : 0;
    case '\xEF':
      return s.substr(i, 3) == "\uFEFF" ? 3 : 0;
    default:
      return 0;
  }
}

// `s` without the white space at its ends.
std::string_view Trimmed(std::string_view s) {
  // Most fields start and end with a printable ASCII character or a CJK ideograph (U+4000-
  // U+9FFF, lead bytes E4-E9): nothing to trim.
  auto plain = [](char c) { return c > ' ' && static_cast<unsigned char>(c) < 0x80; };
  auto cjk = [](char c) {
    return static_cast<unsigned char>(c) >= 0xE4 && static_cast<unsigned char>(c) <= 0xE9;
  };
  if (s.empty() || ((plain(s.front()) || cjk(s.front())) &&
                    (plain(s.back()) || (s.size() >= 3 && cjk(s[s.size() - 3]))))) {
    return s;
  }
  for (size_t len; !s.empty() && (len = SpaceAt(s, 0)) > 0;) s.remove_prefix(len);
  // From the end: U+3000, U+00A0 and U+FEFF are 3, 2 and 3 bytes long.
  for (bool trimmed = true; trimmed && !s.empty();) {
    trimmed = false;
    for (size_t n : {size_t{1}, size_t{2}, size_t{3}}) {
      if (s.size() >= n && SpaceAt(s, s.size() - n) == n) {
        s.remove_suffix(n);
        trimmed = true;
        break;
      }
    }
  }
  return s;
}

std::string Trim(std::string_view s) { return std::string(Trimmed(s)); }

// `s` without any white space (after NormalizeField only ASCII white space is left inside).
std::string WithoutSpaces(std::string_view s, bool dashes) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || (dashes && c == '-')) continue;
    out += c;
  }
  return out;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// The forms most files write, which NormalizePhone and NormalizeIdNumber leave as they are.
bool IsPlainPhone(std::string_view raw) { return raw.size() == 11 && AllDigits(raw); }
bool IsPlainIdNumber(std::string_view raw) {
  return raw.size() == 18 && AllDigits(raw.substr(0, 17)) &&
         (AllDigits(raw.substr(17)) || raw[17] == 'X');
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

std::optional<tickets::Date> RealDate(int year, int month, int day) {
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) {
    return std::nullopt;
  }
  return tickets::Date{year, month, day};
}

// Digits at the front of `s` (at most `max`), consumed; nullopt when there are none.
std::optional<int> TakeNumber(std::string_view& s, size_t min, size_t max) {
  size_t n = 0;
  int v = 0;
  while (n < s.size() && n < max && s[n] >= '0' && s[n] <= '9') v = v * 10 + (s[n++] - '0');
  if (n < min || (n < s.size() && s[n] >= '0' && s[n] <= '9')) return std::nullopt;
  s.remove_prefix(n);
  return v;
}

bool TakePrefix(std::string_view& s, std::string_view p) {
  if (!s.starts_with(p)) return false;
  s.remove_prefix(p.size());
  return true;
}

// "1234.50", "1,234.50" (groups of three), with an optional 元: the amount in fen.
std::optional<int64_t> ParseDecimalFen(std::string_view s) {
  if (s.ends_with("元")) s.remove_suffix(std::string_view("元").size());
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : s.substr(dot + 1);
  if (dot != std::string_view::npos && (!AllDigits(fraction) || fraction.size() > 2)) {
    return std::nullopt;
  }
  std::string digits;
  if (whole.find(',') != std::string_view::npos) {
    // Thousands separators: 1-3 digits, then groups of exactly three.
    size_t first = whole.find(',');
    if (first == 0 || first > 3) return std::nullopt;
    for (size_t i = first; i < whole.size(); i += 4) {
      if (whole[i] != ',' || i + 4 > whole.size() || !AllDigits(whole.substr(i + 1, 3))) {
        return std::nullopt;
      }
    }
    for (char c : whole)
      if (c != ',') digits += c;
  } else {
    digits = std::string(whole);
  }
  if (!AllDigits(digits) || digits.size() > 15) return std::nullopt;
  int64_t fen = std::stoll(digits) * 100;
  if (!fraction.empty()) fen += std::stoi(std::string(fraction)) * (fraction.size() == 1 ? 10 : 1);
  return fen;
}

// Whether `s` is ASCII and CJK ideographs U+4000-U+9FFF only (lead bytes E4-E9, each followed
// by two continuation bytes): its own NFKC (none of them decomposes, none composes with a
// neighbour), as names, 男/女 and most places are.
bool AsciiOrIdeographs(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    if (p[i] < 0xE4 || p[i] > 0xE9 || i + 2 >= n || (p[i + 1] & 0xC0) != 0x80 ||
        (p[i + 2] & 0xC0) != 0x80) {
      return false;
    }
    i += 3;
  }
  return true;
}

}  // namespace

std::string NormalizeField(std::string_view raw) {
  // ASCII and CJK ideographs are their own NFKC: most fields of a large file skip ICU.
  if (AsciiOrIdeographs(raw)) return Trim(raw);
  UErrorCode err = U_ZERO_ERROR;
  static const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(err);
  if (nfkc == nullptr) return Trim(raw);  // ICU without its data: impossible in a build we ship
  // Most non-ASCII fields (names, 男/女, places) are NFKC already: checked without converting.
  err = U_ZERO_ERROR;
  if (nfkc->isNormalizedUTF8(icu::StringPiece(raw.data(), static_cast<int32_t>(raw.size())), err) &&
      U_SUCCESS(err)) {
    return Trim(raw);
  }
  err = U_ZERO_ERROR;
  icu::UnicodeString s =
      icu::UnicodeString::fromUTF8(icu::StringPiece(raw.data(), static_cast<int32_t>(raw.size())));
  icu::UnicodeString out = nfkc->normalize(s, err);
  if (U_FAILURE(err)) return Trim(raw);
  std::string utf8;
  out.toUTF8String(utf8);
  return Trim(utf8);
}

void NormalizeFieldInto(std::string_view raw, std::string& out) {
  if (AsciiOrIdeographs(raw)) {
    out.assign(Trimmed(raw));  // into the buffer `out` already has
  } else {
    out = NormalizeField(raw);
  }
}

std::string NormalizePhone(std::string_view raw) {
  if (IsPlainPhone(raw)) return std::string(raw);
  std::string phone = WithoutSpaces(NormalizeField(raw), /*dashes=*/true);
  if (phone.starts_with("+86")) phone.erase(0, 3);
  return phone;
}

std::string NormalizeIdNumber(std::string_view raw) {
  if (IsPlainIdNumber(raw)) return std::string(raw);
  std::string id = WithoutSpaces(NormalizeField(raw), /*dashes=*/false);
  for (char& c : id)
    if (c == 'x') c = 'X';
  return id;
}

void NormalizePhoneInto(std::string_view raw, std::string& out) {
  if (IsPlainPhone(raw)) {
    out.assign(raw);
  } else {
    out = NormalizePhone(raw);
  }
}

void NormalizeIdNumberInto(std::string_view raw, std::string& out) {
  if (IsPlainIdNumber(raw)) {
    out.assign(raw);
  } else {
    out = NormalizeIdNumber(raw);
  }
}

bool IsMobileNumber(std::string_view phone) {
  return phone.size() == 11 && AllDigits(phone) && phone[0] == '1' && phone[1] >= '3';
}

char IdCheckCharacter(std::string_view first17) {
  // ISO 7064 MOD 11-2: weight of position i (0-based, left to right) is 2^(17-i) mod 11.
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return "10X98765432"[sum % 11];
}

IdCheck CheckIdNumber(std::string_view id, tickets::Date as_of) {
  if (id.size() != 18 || !AllDigits(id.substr(0, 17))) return IdCheck::kBadChecksum;
  if (id[17] != IdCheckCharacter(id.substr(0, 17))) return IdCheck::kBadChecksum;
  auto number = [&](size_t at, size_t n) {
    int v = 0;
    for (char c : id.substr(at, n)) v = v * 10 + (c - '0');  // digits: checked above
    return v;
  };
  auto birth = RealDate(number(6, 4), number(10, 2), number(12, 2));
  if (!birth || as_of < *birth) return IdCheck::kBadBirthDate;
  return IdCheck::kOk;
}

std::optional<int64_t> ParseAmountFen(std::string_view amount) {
  if (amount.empty()) return std::nullopt;
  if (auto fen = ParseDecimalFen(amount)) return fen;
  // Written in digits only: the forms above or nothing ("12.345" is not an amount to round).
  if (std::all_of(amount.begin(), amount.end(), [](char c) { return (c & 0x80) == 0; })) {
    return std::nullopt;
  }
  std::optional<double> yuan = text::ParseNumber(amount);
  if (!yuan || !std::isfinite(*yuan) || *yuan < 0 || *yuan > 1e13) return std::nullopt;
  return std::llround(*yuan * 100);
}

std::optional<int> ParseDays(std::string_view days) {
  if (days.ends_with("天")) days.remove_suffix(std::string_view("天").size());
  if (AllDigits(days) && days.size() <= 6) {
    int v = 0;
    for (char c : days) v = v * 10 + (c - '0');
    return v;
  }
  std::optional<double> n = text::ParseNumber(days);
  if (!n || *n < 0 || *n > 1e6 || *n != std::floor(*n)) return std::nullopt;
  return static_cast<int>(*n);
}

std::optional<tickets::Date> ParseDeadline(std::string_view date) {
  std::string_view s = date;
  auto year = TakeNumber(s, 4, 4);
  if (!year) return std::nullopt;
  // The separator after the year decides the form: '-', '/' or 年 … 月 … 日.
  std::string_view after_month, after_day;
  if (TakePrefix(s, "-")) {
    after_month = "-";
  } else if (TakePrefix(s, "/")) {
    after_month = "/";
  } else if (TakePrefix(s, "年")) {
    after_month = "月";
    after_day = "日";
  } else {
    return std::nullopt;
  }
  auto month = TakeNumber(s, 1, 2);
  if (!month || !TakePrefix(s, after_month)) return std::nullopt;
  auto day = TakeNumber(s, 1, 2);
  if (!day || (!after_day.empty() && !TakePrefix(s, after_day)) || !s.empty()) return std::nullopt;
  return RealDate(*year, *month, *day);
}

std::string FormatAmountFen(int64_t fen) {
  std::string digits = std::to_string(fen / 100);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  char cents[4];
  std::snprintf(cents, sizeof cents, "%02d", static_cast<int>(fen % 100));
  return out + "." + cents;
}

}  // namespace zx::campaigns
