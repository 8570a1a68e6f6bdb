#include "text/spoken_numbers.h"

#include <cstdint>

namespace zx::text {
namespace {

const char* const kDigit[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// A group of up to four digits (1..9999) as 千百十 words. `leading`: the group starts the whole
// number (a leading 1 before 十 is not said: 十五, but 一万零一十五). `two_as_liang`: a 2 before
// 千 that starts the group is 两 (两千二百).
std::string ReadGroup(int n, bool leading, bool two_as_liang) {
  static const char* const kUnit[] = {"千", "百", "十", ""};
  int d[4] = {n / 1000, n / 100 % 10, n / 10 % 10, n % 10};
  std::string out;
  bool started = false;
  bool zero = false;
  for (int i = 0; i < 4; ++i) {
    if (d[i] == 0) {
      if (started) zero = true;
      continue;
    }
    if (zero) out += "零";
    zero = false;
    if (i == 2 && d[i] == 1 && leading && !started) {
      out += "十";  // 十五, not 一十五
    } else if (d[i] == 2 && i == 0 && two_as_liang && !started) {
      out += "两";
      out += kUnit[i];
    } else {
      out += kDigit[d[i]];
      out += kUnit[i];
    }
    started = true;
  }
  return out;
}

}  // namespace

std::string ReadInteger(std::string_view digits) {
  if (!AllDigits(digits)) return "";
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  if (digits.size() > 16) return ReadDigits(digits, false);
  uint64_t v = 0;
  for (char c : digits) v = v * 10 + static_cast<uint64_t>(c - '0');
  if (v == 0) return "零";
  // Groups of four from the top: 亿亿 is not needed below 10^16.
  static const char* const kBig[] = {"万亿", "亿", "万", ""};
  int groups[4] = {static_cast<int>(v / 1000000000000ULL % 10000),
                   static_cast<int>(v / 100000000ULL % 10000), static_cast<int>(v / 10000 % 10000),
                   static_cast<int>(v % 10000)};
  std::string out;
  bool started = false;
  bool zero = false;  // a gap (a zero group, or a group below 1000) after something was said
  for (int g = 0; g < 4; ++g) {
    int n = groups[g];
    if (n == 0) {
      if (started) zero = true;
      continue;
    }
    if (started && (zero || n < 1000)) out += "零";
    zero = false;
    // 两 before 千 only when it leads the number or its 万/亿 group ("两万二千": the second 2 is
    // 二); a lone 2 before 万/亿 is 两 too (两万, 两亿).
    bool lone_two = n == 2 && g < 3 && !started;
    if (lone_two) {
      out += "两";
    } else {
      out += ReadGroup(n, !started, !started);
    }
    out += kBig[g];
    started = true;
  }
  return out;
}

std::string ReadDecimal(std::string_view number) {
  size_t dot = number.find('.');
  if (dot == std::string_view::npos) return ReadInteger(number);
  std::string_view whole = number.substr(0, dot);
  std::string_view fraction = number.substr(dot + 1);
  if (whole.empty()) whole = "0";
  if (!AllDigits(whole) || (!fraction.empty() && !AllDigits(fraction))) return "";
  // Trailing zeros of a fraction are not said (1.50 -> 一点五); a whole fraction of zeros not at
  // all.
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  std::string out = ReadInteger(whole);
  if (fraction.empty()) return out;
  return out + "点" + ReadDigits(fraction, false);
}

std::string ReadAmount(std::string_view number) {
  size_t dot = number.find('.');
  std::string_view whole = number.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : number.substr(dot + 1);
  if (whole.empty()) whole = "0";
  if (!AllDigits(whole) || (!fraction.empty() && !AllDigits(fraction))) return "";
  int jiao = fraction.size() > 0 ? fraction[0] - '0' : 0;
  int fen = fraction.size() > 1 ? fraction[1] - '0' : 0;
  std::string yuan_digits(whole);
  if (fraction.size() > 2 && fraction[2] >= '5') {  // round to 分
    if (++fen == 10) {
      fen = 0;
      if (++jiao == 10) {
        jiao = 0;
        // Carry into the 元: add one to the decimal string.
        int i = static_cast<int>(yuan_digits.size()) - 1;
        while (i >= 0 && yuan_digits[i] == '9') yuan_digits[i--] = '0';
        if (i < 0) {
          yuan_digits.insert(yuan_digits.begin(), '1');
        } else {
          ++yuan_digits[i];
        }
      }
    }
  }
  bool has_yuan = yuan_digits.find_first_not_of('0') != std::string::npos;
  std::string out;
  if (has_yuan) out = ReadInteger(yuan_digits) + "元";
  if (jiao) out += std::string(kDigit[jiao]) + "角";
  if (fen) {
    if (has_yuan && !jiao) out += "零";
    out += std::string(kDigit[fen]) + "分";
  }
  return out.empty() ? "零元" : out;
}

std::string ReadDigits(std::string_view digits, bool yao) {
  std::string out;
  for (char c : digits) {
    if (c >= '0' && c <= '9') {
      out += (yao && c == '1') ? "幺" : kDigit[c - '0'];
    } else if (c == 'X' || c == 'x') {
      out += "叉";
    }
  }
  return out;
}

}  // namespace zx::text
