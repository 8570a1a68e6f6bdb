// The end of a conversation, as the citizen sees it: the satisfaction they give (满意, 基本满意,
// 不满意; on the phone keys 1, 2 and 3) and the reference number (受理编号) they are told.
// Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zx::dialogue {

// The ratings a citizen may give, best first.
inline constexpr std::string_view kSatisfactionRatings[] = {"满意", "基本满意", "不满意"};
bool IsSatisfactionRating(std::string_view rating);

// The rating a telephone key gives (the voice module's "请按1满意，按2基本满意，按3不满意"):
// '1' 满意, '2' 基本满意, '3' 不满意; none for any other key.
std::optional<std::string> SatisfactionForKey(char key);

// The prompt a voice channel plays after the goodbye, naming the keys.
inline constexpr std::string_view kSatisfactionKeyPrompt =
    "请您对本次服务进行评价：满意请按1，基本满意请按2，不满意请按3。";

// The reference day of `now_ms`: the date in China Standard Time (UTC+8, no daylight saving),
// "YYYYMMDD". References count per reference day.
std::string ReferenceDay(int64_t now_ms);
// The 受理编号 of the `seq`-th (1-based) conversation ended on `day`: the day and the number in
// at least four digits ("20261205" and 7 -> "202612050007"). Digits only, so that it is read out
// digit by digit and typed on a keypad.
std::string ReferenceNumber(std::string_view day, int64_t seq);

}  // namespace zx::dialogue
