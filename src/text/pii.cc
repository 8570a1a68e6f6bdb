// PII masking. Rules:
//   MaskPhone:    keeps the first 3 and last 4 digits (138****5678); with an area code written
//                 with a dash the area code stays and the local number keeps its last 4
//                 (010-****5678); a +86 / 0086 prefix stays; numbers of fewer than 7 digits keep
//                 only their last 2 digits (4 to 6 digits) or none.
//   MaskIdNumber: 15 or more characters keep the first 6 and last 4 (110101********8515);
//                 shorter strings keep their last quarter.
//   MaskName:     keeps the surname (one character, or two for a compound surname such as 欧阳
//                 when the name has three or more characters); every other character is '*'.
//   MaskText:     masks mobile numbers (also +86 / 0086 / 86 in front, or written 138 1234
//                 5678, 138-1234-5678), landlines with an area code (0571-88886666), 18-character
//                 ID numbers (also in groups: 110101 19900307 8515), digit runs of 15 to 19 (old
//                 IDs, bank cards; in groups of four), wherever they stand alone, whether written
//                 in ASCII digits, full-width digits (１３８...) or Chinese digits as speech
//                 recognition writes them (幺三八...). Each masked digit becomes one '*'.
#include "text/pii.h"

#include <algorithm>
#include <array>
#include <string>

#include "text/utf8.h"

namespace zx::text {
namespace {

bool Digit(char c) { return c >= '0' && c <= '9'; }

// Replaces the digits of `s` whose digit index is in [keep_head, count - keep_tail).
std::string MaskDigits(std::string_view s, size_t keep_head, size_t keep_tail) {
  size_t count = 0;
  for (char c : s) count += Digit(c) ? 1 : 0;
  std::string out(s);
  size_t k = 0;
  for (char& c : out) {
    if (!Digit(c)) continue;
    if (k >= keep_head && k + keep_tail < count) c = '*';
    ++k;
  }
  return out;
}

bool IsMobile(std::string_view digits) {
  return digits.size() == 11 && digits[0] == '1' && digits[1] >= '3' && digits[1] <= '9';
}

constexpr std::array<std::u32string_view, 30> kCompoundSurnames = {
    U"欧阳", U"司马", U"上官", U"诸葛", U"东方", U"皇甫", U"尉迟", U"公孙", U"慕容", U"长孙",
    U"宇文", U"司徒", U"令狐", U"夏侯", U"端木", U"独孤", U"南宫", U"西门", U"轩辕", U"百里",
    U"呼延", U"澹台", U"公冶", U"太史", U"申屠", U"闻人", U"赫连", U"万俟", U"钟离", U"拓跋"};

}  // namespace

std::string MaskPhone(std::string_view phone) {
  std::string_view prefix;
  std::string_view rest = phone;
  for (std::string_view p : {"+86", "0086"}) {
    if (rest.starts_with(p)) {
      prefix = phone.substr(0, p.size());
      rest.remove_prefix(p.size());
      break;
    }
  }
  size_t count = 0;
  for (char c : rest) count += Digit(c) ? 1 : 0;
  std::string masked;
  const size_t dash = rest.find('-');
  size_t lead = 0;
  while (lead < rest.size() && (rest[lead] == ' ' || rest[lead] == '-')) ++lead;
  if (dash != std::string_view::npos && dash > lead && rest[lead] == '0' && dash - lead >= 3 &&
      dash - lead <= 4 && count >= 10) {
    // Landline with area code: 010-12345678.
    masked = std::string(rest.substr(0, dash)) + MaskDigits(rest.substr(dash), 0, 4);
  } else if (count >= 7) {
    masked = MaskDigits(rest, 3, 4);
  } else if (count >= 4) {
    masked = MaskDigits(rest, 0, 2);
  } else {
    masked = MaskDigits(rest, 0, 0);
  }
  return std::string(prefix) + masked;
}

std::string MaskIdNumber(std::string_view id) {
  const size_t n = id.size();
  size_t head = 6, tail = 4;
  if (n < 15) {
    head = 0;
    tail = n / 4;
  }
  std::string out(id);
  for (size_t i = head; i + tail < n; ++i) out[i] = '*';
  return out;
}

std::string MaskName(std::string_view name) {
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  const auto t = utf8::Decode(name);
  if (t.size() == 0) return "";
  size_t keep = 1;
  if (t.size() >= 3) {
    for (auto s : kCompoundSurnames) {
      if (t.cp[0] == s[0] && t.cp[1] == s[1]) keep = 2;
    }
  }
  if (t.size() == 1) keep = 0;
  std::string out(name.substr(0, t.offset[keep]));
  for (size_t i = keep; i < t.size(); ++i) out += t.cp[i] == ' ' ? ' ' : '*';
  return out;
}

namespace {

// The digit a character stands for in a number as people write or say it: ASCII, full-width
// (as typed on phones) and the Chinese digits speech recognition writes (幺三八...); -1 else.
int DigitValue(char32_t c) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (c >= 0xFF10 && c <= 0xFF19) return static_cast<int>(c - 0xFF10);
  switch (c) {
    case U'〇':
    case U'零':
      return 0;
    case U'一':
    case U'幺':
      return 1;
    case U'二':
      return 2;
    case U'三':
      return 3;
    case U'四':
      return 4;
    case U'五':
      return 5;
    case U'六':
      return 6;
    case U'七':
      return 7;
    case U'八':
      return 8;
    case U'九':
      return 9;
    default:
      return -1;
  }
}
bool IsCheckX(char32_t c) { return c == 'x' || c == 'X' || c == 0xFF38 || c == 0xFF58; }
// Separators inside a written number: space, ideographic space, hyphens and dashes.
bool IsNumberSeparator(char32_t c) {
  return c == ' ' || c == '-' || c == 0x3000 || c == 0xFF0D || c == 0x2010 || c == 0x2013 ||
         c == 0x2014;
}
bool IsWordChar(char32_t c) {
  return utf8::IsAsciiAlpha(c) || utf8::IsAsciiDigit(c) || (c >= 0xFF10 && c <= 0xFF19) ||
         (c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A);
}

// One group of digit characters without separators: code point indexes [begin, end).
struct Group {
  size_t begin, end;
  std::string digits;   // ASCII; a trailing check character as 'X'
  bool number = false;  // part of a number masked as such
};

enum class Kind { kNone, kMobile, kIntlMobile, kLandline, kIdLike };

// A number is written in at most this many groups (a card number in fours: 5; a mobile number
// read digit by digit with spaces: 11); bounding it keeps MaskText linear on any input.
constexpr size_t kMaxGroups = 12;

// What the digits of groups g[0, n) form; `prefix` receives how many leading digits are a
// country prefix (86 / 0086) for kIntlMobile.
Kind Classify(const Group* g, size_t n, size_t* prefix) {
  std::string d;
  for (size_t i = 0; i < n; ++i) d += g[i].digits;
  const bool has_x = !d.empty() && d.back() == 'X';
  for (size_t i = 0; i + 1 < n; ++i)
    if (g[i].digits.back() == 'X') return Kind::kNone;  // X only closes an ID number
  const bool separated = n > 1;
  if (!has_x) {
    if (IsMobile(d)) return Kind::kMobile;
    // +86 138..., 0086 138..., 86 138...
    for (std::string_view p : {"0086", "86"})
      if (d.size() == p.size() + 11 && d.starts_with(p) && IsMobile(d.substr(p.size()))) {
        *prefix = p.size();
        return Kind::kIntlMobile;
      }
    // Landline with its area code: 0571-88886666, 010 12345678, 057188886666.
    if (d[0] == '0' && d.size() >= 10 && d.size() <= 12 && d[1] != '0') return Kind::kLandline;
  }
  if (!separated) {
    if ((has_x && d.size() == 18) || (!has_x && d.size() >= 15 && d.size() <= 19))
      return Kind::kIdLike;
    return Kind::kNone;
  }
  // Written in groups: an ID number (valid check digit), or a card number in groups of four.
  if (d.size() == 18 && IsValidIdNumber(d)) return Kind::kIdLike;
  bool fours = !has_x && d.size() >= 16 && d.size() <= 19;
  for (size_t i = 0; fours && i + 1 < n; ++i) fours = g[i].digits.size() == 4;
  return fours ? Kind::kIdLike : Kind::kNone;
}

std::string Mask(std::string_view text, bool unfinished) {
  const utf8::CodePoints t = utf8::Decode(text);
  const size_t n = t.size();
  std::vector<bool> hide(n, false);
  size_t i = 0;
  while (i < n) {
    if (DigitValue(t.cp[i]) < 0 ||
        (i > 0 && (IsWordChar(t.cp[i - 1]) || DigitValue(t.cp[i - 1]) >= 0))) {
      ++i;
      continue;
    }
    // The run: groups of digits joined by single separators.
    std::vector<Group> groups;
    size_t k = i;
    for (;;) {
      Group g{k, k, "", false};
      while (k < n && DigitValue(t.cp[k]) >= 0)
        g.digits += static_cast<char>('0' + DigitValue(t.cp[k++]));
      size_t total = g.digits.size();
      for (const auto& x : groups) total += x.digits.size();
      if (k < n && IsCheckX(t.cp[k]) && total == 17) {
        g.digits += 'X';
        ++k;
      }
      g.end = k;
      groups.push_back(std::move(g));
      if (groups.back().digits.back() == 'X') break;
      if (k + 1 < n && IsNumberSeparator(t.cp[k]) && DigitValue(t.cp[k + 1]) >= 0) {
        ++k;
        continue;
      }
      break;
    }
    const size_t run_end = groups.back().end;
    const bool boundary_after = run_end >= n || !IsWordChar(t.cp[run_end]);
    // From each group on, the longest stretch of groups that forms a number is masked.
    size_t g0 = 0;
    while (g0 < groups.size()) {
      Group* rest = groups.data() + g0;
      size_t longest = 0, digits = 0;
      while (longest < std::min(groups.size() - g0, kMaxGroups) &&
             digits + rest[longest].digits.size() <= 20)
        digits += rest[longest++].digits.size();
      size_t taken = 0, prefix = 0;
      Kind kind = Kind::kNone;
      for (size_t m = longest; m >= 1 && kind == Kind::kNone; --m) {
        const bool at_end = g0 + m == groups.size();
        if (at_end && !boundary_after) continue;
        kind = Classify(rest, m, &prefix);
        taken = m;
      }
      if (kind == Kind::kNone) {
        ++g0;
        continue;
      }
      // Digit positions (code point indexes) of the number, in order.
      std::vector<size_t> pos;
      for (size_t x = 0; x < taken; ++x)
        for (size_t c = rest[x].begin; c < rest[x].end; ++c) pos.push_back(c);
      size_t head = 0, tail = 4;
      switch (kind) {
        case Kind::kMobile:
          head = 3;
          break;
        case Kind::kIntlMobile:
          head = prefix + 3;
          break;
        case Kind::kLandline: {
          const std::string& d0 = rest[0].digits;
          head = d0.size() >= 3 && d0.size() <= 4 && taken > 1 ? d0.size()
                 : (d0[1] == '1' || d0[1] == '2')              ? 3
                                                               : 4;
          break;
        }
        case Kind::kIdLike:
          head = 6;
          break;
        case Kind::kNone:
          break;
      }
      for (size_t x = head; x + tail < pos.size(); ++x) hide[pos[x]] = true;
      for (size_t x = 0; x < taken; ++x) rest[x].number = true;
      g0 += taken;
    }
    if (unfinished) {
      // What is not a number yet may be one still being said: beyond the run's first three
      // digits, none is shown.
      size_t seen = 0;
      for (const Group& g : groups) {
        if (g.number) continue;
        for (size_t c = g.begin; c < g.end; ++c)
          if (DigitValue(t.cp[c]) >= 0 && seen++ >= 3) hide[c] = true;
      }
    }
    i = run_end;
  }
  std::string out;
  out.reserve(text.size());
  for (size_t c = 0; c < n; ++c) {
    if (hide[c])
      out += '*';
    else
      out.append(text.substr(t.offset[c], t.offset[c + 1] - t.offset[c]));
  }
  return out;
}

}  // namespace

std::string MaskText(std::string_view text) { return Mask(text, false); }

std::string MaskUnfinishedText(std::string_view text) { return Mask(text, true); }

bool IsValidIdNumber(std::string_view id) {
  if (id.size() != 18) return false;
  for (size_t i = 0; i < 17; ++i) {
    if (!Digit(id[i])) return false;
  }
  const char last = id[17];
  if (!Digit(last) && last != 'X' && last != 'x') return false;
  // Province code (GB/T 2260): 11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81-83.
  const int province = (id[0] - '0') * 10 + (id[1] - '0');
  const bool province_ok =
      (province >= 11 && province <= 15) || (province >= 21 && province <= 23) ||
      (province >= 31 && province <= 37) || (province >= 41 && province <= 46) ||
      (province >= 50 && province <= 54) || (province >= 61 && province <= 65) || province == 71 ||
      (province >= 81 && province <= 83);
  if (!province_ok) return false;
  auto num = [&](size_t b, size_t len) {
    int v = 0;
    for (size_t i = b; i < b + len; ++i) v = v * 10 + (id[i] - '0');
    return v;
  };
  const int year = num(6, 4), month = num(10, 2), day = num(12, 2);
  if (year < 1900 || year > 2100 || month < 1 || month > 12 || day < 1) return false;
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int max_day = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  if (day > max_day) return false;
  // GB 11643 check character.
  static constexpr std::array<int, 17> kWeights = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                                   3, 7, 9,  10, 5, 8, 4, 2};
  static constexpr char kCheck[] = "10X98765432";
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (id[i] - '0') * kWeights[i];
  const char expected = kCheck[sum % 11];
  return (last == 'x' ? 'X' : last) == expected;
}

}  // namespace zx::text
