// Masking of personal data for display and logs: 13812345678 -> 138****5678,
// 110101199003078515 -> 110101********8515, 张三 -> 张*, 欧阳娜娜 -> 欧阳**.
// Also a validator for the 18-digit resident ID number (GB 11643, check digit). Pure functions.
#pragma once

#include <string>
#include <string_view>

namespace zx::text {

std::string MaskPhone(std::string_view phone);
std::string MaskIdNumber(std::string_view id);
std::string MaskName(std::string_view name);
// Masks every phone and ID number found inside free text.
std::string MaskText(std::string_view text);
// MaskText for text still being said (a recogniser's partial result): a number not yet whole is
// not recognised as one, and its digits beside the whole one masked later would give it away,
// so of any run of digits that is not a number yet, only the first three are shown
// ("电话1391234" -> "电话139****"); years and amounts too, until the final text replaces it.
std::string MaskUnfinishedText(std::string_view text);
// True when `id` is an 18-character ID number with a valid date and check digit.
bool IsValidIdNumber(std::string_view id);

}  // namespace zx::text
