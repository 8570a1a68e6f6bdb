#include "dialogue/contact.h"

#include <algorithm>

namespace zx::dialogue {
namespace {

bool Digit(char c) { return c >= '0' && c <= '9'; }

// Length of the UTF-8 sequence starting with byte `c`.
size_t SeqLen(unsigned char c) { return c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2; }

// Characters that end an address run: punctuation, spaces, and the sentence's own verbs are
// left to the lead words.
bool Breaks(std::string_view ch) {
  static constexpr std::string_view kBreaks[] = {"，", "。", "！", "？", "；", "：", "、", "（",
                                                 "）", ",",  ".",  "!",  "?",  ";",  ":",  " ",
                                                 "\n", "\t", "“",  "”",  "(",  ")"};
  return std::find(std::begin(kBreaks), std::end(kBreaks), ch) != std::end(kBreaks);
}

std::string FindPhone(std::string_view text) {
  std::string found;
  size_t i = 0;
  while (i < text.size()) {
    if (!Digit(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    std::string digits;
    int dashes = 0;
    while (j < text.size() && (Digit(text[j]) || text[j] == '-')) {
      if (text[j] == '-')
        ++dashes;
      else
        digits += text[j];
      ++j;
    }
    const bool mobile =
        digits.size() == 11 && digits[0] == '1' && digits[1] >= '3' && digits[1] <= '9';
    const bool landline =
        digits[0] == '0' && dashes == 1 && digits.size() >= 10 && digits.size() <= 12;
    if (mobile || landline) found = digits;
    i = j;
  }
  return found;
}

}  // namespace

ContactFacts FindContact(std::string_view text, const AddressWords& words) {
  ContactFacts out;
  out.phone = FindPhone(text);
  if (words.markers.empty()) return out;
  // Runs of text between breaks; in each, the address ends at the end of its last marker.
  size_t run_start = 0;
  auto consider = [&](size_t begin, size_t end) {
    std::string_view run = text.substr(begin, end - begin);
    size_t last_end = std::string_view::npos, first_at = std::string_view::npos;
    int markers = 0;
    for (size_t i = 0; i < run.size(); i += SeqLen(static_cast<unsigned char>(run[i]))) {
      for (const auto& m : words.markers) {
        if (m.empty() || run.substr(i, m.size()) != m) continue;
        ++markers;
        if (first_at == std::string_view::npos) first_at = i;
        last_end = std::max(last_end == std::string_view::npos ? 0 : last_end, i + m.size());
      }
    }
    if (last_end == std::string_view::npos) return;
    // The start: after the last lead word before the first marker, else the run's start.
    size_t start = 0;
    for (const auto& lead : words.leads) {
      if (lead.empty()) continue;
      size_t at = run.rfind(lead, first_at);
      if (at != std::string_view::npos && at + lead.size() <= first_at)
        start = std::max(start, at + lead.size());
    }
    // Leading digits of a phone number said just before are not the address.
    while (start < last_end && Digit(run[start])) ++start;
    std::string_view address = run.substr(start, last_end - start);
    size_t chars = 0;
    bool digit = false;
    for (size_t i = 0; i < address.size(); i += SeqLen(static_cast<unsigned char>(address[i]))) {
      ++chars;
      digit |= Digit(address[i]);
    }
    if (chars >= 5 && (digit || markers >= 2) &&
        address.find_first_not_of("0123456789-") != std::string_view::npos)
      out.address = std::string(address);
  };
  size_t i = 0;
  while (i < text.size()) {
    size_t len = std::min(SeqLen(static_cast<unsigned char>(text[i])), text.size() - i);
    if (Breaks(text.substr(i, len))) {
      if (i > run_start) consider(run_start, i);
      run_start = i + len;
    }
    i += len;
  }
  if (text.size() > run_start) consider(run_start, text.size());
  return out;
}

std::string MaskAddress(std::string_view address) {
  std::string out(address);
  for (char& c : out)
    if (Digit(c)) c = '*';
  return out;
}

}  // namespace zx::dialogue
