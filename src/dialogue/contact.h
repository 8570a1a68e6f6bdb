// The contact a citizen gives in a conversation: a phone number and an address, found in their
// words so that the summary carries them (sealed with the conversation's state, masked when
// shown) and nobody has to ask again. The address words are data (kb/dialogue.toml [contact]).
// Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace zx::dialogue {

struct AddressWords {
  // Words that end a part of an address (路, 街, 小区, 号, 栋, 单元, 室 ...).
  std::vector<std::string> markers;
  // Words after which an address begins (住在, 地址是, 位于, 在 ...); the longest first is best.
  std::vector<std::string> leads;
};

struct ContactFacts {
  std::string phone;    // digits only ("13812345678", "057188886666"); "" when none
  std::string address;  // as written ("东城区幸福路12号3单元"); "" when none
};

// The last mobile number (11 digits, 1[3-9]...) or landline with an area code (0xx-xxxxxxxx)
// in `text` (ASCII digits; pass normalised text), and the last address: a run of characters
// ending in a marker that has a house number (a digit) or two markers, at least 5 characters,
// beginning after a lead word or a punctuation mark.
ContactFacts FindContact(std::string_view text, const AddressWords& words);

// An address for display: every digit becomes '*' ("幸福路12号" -> "幸福路**号").
std::string MaskAddress(std::string_view address);

}  // namespace zx::dialogue
