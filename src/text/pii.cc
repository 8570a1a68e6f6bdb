// PII masking. Rules:
//   MaskPhone:    keeps the first 3 and last 4 digits (138****5678); with an area code written
//                 with a dash the area code stays and the local number keeps its last 4
//                 (010-****5678); a +86 / 0086 prefix stays; numbers of fewer than 7 digits keep
//                 only their last 2 digits (4 to 6 digits) or none.
//   MaskIdNumber: 15 or more characters keep the first 6 and last 4 (110101********8515);
//                 shorter strings keep their last quarter.
//   MaskName:     keeps the surname (one character, or two for a compound surname such as 欧阳
//                 when the name has three or more characters); every other character is '*'.
//   MaskText:     masks mobile numbers (also written 138 1234 5678 or 138-1234-5678),
//                 landlines with an area code (0571-88886666), 18-character ID numbers, and
//                 digit runs of 15 to 19 (old IDs, bank cards), wherever they stand alone.
#include "text/pii.h"

#include <array>
#include <string>

#include "text/utf8.h"

namespace zx::text {
namespace {

bool Digit(char c) { return c >= '0' && c <= '9'; }
bool Alnum(char c) { return Digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

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
  const auto t = internal::Decode(name);
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

std::string MaskText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  const size_t n = text.size();
  auto boundary_before = [&](size_t p) { return p == 0 || !Alnum(text[p - 1]); };
  auto boundary_after = [&](size_t p) { return p >= n || !Alnum(text[p]); };
  while (i < n) {
    if (!Digit(text[i]) || !boundary_before(i)) {
      out.push_back(text[i++]);
      continue;
    }
    size_t j = i;
    while (j < n && Digit(text[j])) ++j;
    const std::string_view run = text.substr(i, j - i);

    // Grouped mobile: 138 1234 5678 / 138-1234-5678.
    if (run.size() == 3 && j < n && (text[j] == ' ' || text[j] == '-')) {
      const char sep = text[j];
      size_t k = j;
      std::string digits(run);
      int groups = 1;
      while (k < n && text[k] == sep && k + 1 < n && Digit(text[k + 1]) && digits.size() < 11) {
        size_t g = k + 1;
        while (g < n && Digit(text[g])) ++g;
        digits.append(text.substr(k + 1, g - k - 1));
        k = g;
        ++groups;
      }
      if (groups == 3 && IsMobile(digits) && boundary_after(k)) {
        out += MaskPhone(text.substr(i, k - i));
        i = k;
        continue;
      }
    }
    // Landline: 0571-88886666, 010-12345678.
    if (run[0] == '0' && (run.size() == 3 || run.size() == 4) && j + 1 < n && text[j] == '-' &&
        Digit(text[j + 1])) {
      size_t k = j + 1;
      while (k < n && Digit(text[k])) ++k;
      if ((k - j - 1 == 7 || k - j - 1 == 8) && boundary_after(k)) {
        out += MaskPhone(text.substr(i, k - i));
        i = k;
        continue;
      }
    }
    // ID number with check character X.
    if (run.size() == 17 && j < n && (text[j] == 'x' || text[j] == 'X') && boundary_after(j + 1)) {
      out += MaskIdNumber(text.substr(i, 18));
      i = j + 1;
      continue;
    }
    if (boundary_after(j)) {
      if (IsMobile(run)) {
        out += MaskPhone(run);
        i = j;
        continue;
      }
      if (run.size() >= 15 && run.size() <= 19) {
        out += MaskIdNumber(run);
        i = j;
        continue;
      }
    }
    out.append(run);
    i = j;
  }
  return out;
}

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
