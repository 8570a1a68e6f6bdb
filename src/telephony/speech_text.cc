#include "telephony/speech_text.h"

#include <cctype>

#include "text/normalizer.h"

namespace zx::telephony {
namespace {

const char* const kDigitWords[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool StartsWith(std::string_view s, size_t pos, std::string_view prefix) {
  return s.substr(pos, prefix.size()) == prefix;
}

// Digit by digit; in phone-like runs 1 is read 幺 as Chinese hotlines do.
void AppendDigits(std::string& out, std::string_view digits, bool phone_style) {
  for (char c : digits) {
    if (IsDigit(c)) {
      out += (phone_style && c == '1') ? "幺" : kDigitWords[c - '0'];
    } else if (c == 'X' || c == 'x') {
      out += "叉";
    }
  }
}

}  // namespace

std::string PrepareForSpeech(std::string_view input) {
  std::string text = text::SanitizeUtf8(input);
  // Citations are for reading, not for listening: drop "（依据：...）" and "(依据: ...)".
  for (std::string_view open : {"（依据", "(依据"}) {
    size_t p;
    while ((p = text.find(open)) != std::string::npos) {
      size_t close = text.find("）", p);
      size_t close_ascii = text.find(')', p);
      size_t end = std::string::npos;
      if (close != std::string::npos) end = close + std::string_view("）").size();
      if (close_ascii != std::string::npos && (end == std::string::npos || close_ascii < close))
        end = close_ascii + 1;
      text.erase(p, end == std::string::npos ? std::string::npos : end - p);
    }
  }

  std::string out;
  out.reserve(text.size() * 2);
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (IsDigit(c)) {
      size_t j = i;
      while (j < text.size() && (IsDigit(text[j]) || text[j] == '-')) ++j;
      // An ID number ends in X: take it with the digits.
      if (j < text.size() && (text[j] == 'X' || text[j] == 'x') && j - i == 17) ++j;
      std::string_view run(text.data() + i, j - i);
      while (!run.empty() && run.back() == '-') run.remove_suffix(1), --j;
      bool has_dash = run.find('-') != std::string_view::npos;
      size_t digits = 0;
      for (char d : run) digits += IsDigit(d);
      bool decimal = j < text.size() && text[j] == '.';
      if (has_dash && run.size() == 10 && run[4] == '-' && run[7] == '-') {
        // 2025-01-01 -> 二零二五年1月1日
        AppendDigits(out, run.substr(0, 4), false);
        out += "年";
        out += std::to_string(std::stoi(std::string(run.substr(5, 2)))) + "月";
        out += std::to_string(std::stoi(std::string(run.substr(8, 2)))) + "日";
      } else if (!decimal && (digits >= 5 || has_dash || (run.size() > 1 && run[0] == '0'))) {
        AppendDigits(out, run, true);  // phone, case, ID, account numbers
      } else if (digits == 4 && StartsWith(text, j, "年")) {
        AppendDigits(out, run, false);  // years
      } else {
        out.append(run);  // quantities: the synthesizer reads them as numbers
      }
      i = j;
      continue;
    }
    if (c == '%') {  // "8%" -> "百分之8": move the word before the number just written
      size_t k = out.size();
      while (k > 0 && (IsDigit(out[k - 1]) || out[k - 1] == '.')) --k;
      out.insert(k, "百分之");
      ++i;
      continue;
    }
    if (c == '\n' || c == '\r' || c == '\t') {
      if (!out.empty() && !StartsWith(out, out.size() - 3, "。")) out += "，";
      ++i;
      continue;
    }
    if (c == '*' || c == '#' || c == '_' || c == '|' || c == '`') {
      ++i;
      continue;
    }
    out += c;
    ++i;
  }
  // Trim trailing separators.
  while (!out.empty() && (out.back() == ' ' || StartsWith(out, out.size() - 3, "，")))
    out.resize(out.back() == ' ' ? out.size() - 1 : out.size() - 3);
  return out;
}

}  // namespace zx::telephony
