// The fields of a campaign target file and how each is read (DOMAIN.md "Target files for
// notification campaigns", rule 3 "Normalisation" and the checks of rule 4 on a phone number
// and an ID number). Used by the import (campaigns/target_import.h) and the do-not-call list.
// Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tickets/calendar.h"

namespace zx::campaigns {

// The columns of a target file, in DOMAIN.md's order (a file may have them in any order).
inline constexpr std::string_view kName = "姓名";
inline constexpr std::string_view kGender = "性别";
inline constexpr std::string_view kPhone = "手机号";
inline constexpr std::string_view kIdNumber = "身份证号";
inline constexpr std::string_view kScenario = "场景";
inline constexpr std::string_view kDaysOverdue = "逾期天数";
inline constexpr std::string_view kAmountDue = "应缴金额";
inline constexpr std::string_view kDeadline = "截止日期";
inline constexpr std::string_view kPreviousPlace = "原参保地";
inline constexpr std::string_view kMissingMaterials = "缺少材料";
inline constexpr std::string_view kApplicationNo = "申请编号";
inline constexpr std::array<std::string_view, 11> kTargetColumns = {
    kName,      kGender,   kPhone,         kIdNumber,         kScenario,     kDaysOverdue,
    kAmountDue, kDeadline, kPreviousPlace, kMissingMaterials, kApplicationNo};
// The columns every record needs (checked first, in this order, as missing_field); a file
// whose header lacks one of them is not a target file.
inline constexpr std::array<std::string_view, 4> kRequiredColumns = {kName, kPhone, kIdNumber,
                                                                     kScenario};

// NFKC (full-width digits and letters become ASCII, U+3000 a space), then trimmed of white
// space at both ends. Every field goes through it. `raw` must be valid UTF-8.
std::string NormalizeField(std::string_view raw);
// A 手机号 as written ("+86 138-1234-5678", "１３８１２３４５６７８") -> "13812345678":
// NormalizeField, white space and '-' removed, a leading +86 dropped. Not checked here.
std::string NormalizePhone(std::string_view raw);
// A 身份证号 as written: NormalizeField, white space removed, a lower-case x made X.
std::string NormalizeIdNumber(std::string_view raw);
// The same three into `out`, reusing the memory it holds (the import normalises every field
// of a million rows: most fit the buffer of the record before).
void NormalizeFieldInto(std::string_view raw, std::string& out);
void NormalizePhoneInto(std::string_view raw, std::string& out);
void NormalizeIdNumberInto(std::string_view raw, std::string& out);

// A mainland mobile number: 1, then 3-9, then 9 more digits (of a normalised number).
bool IsMobileNumber(std::string_view phone);

// What the ID number check found (DOMAIN.md rule 4, in this order).
enum class IdCheck { kOk, kBadChecksum, kBadBirthDate };
// The ISO 7064 MOD 11-2 check character ('0'-'9' or 'X') of the first 17 digits of an ID
// number; `first17` must be 17 ASCII digits.
char IdCheckCharacter(std::string_view first17);
// A normalised 18-character 身份证号: kBadChecksum when it is not 17 digits and a check
// character, or the check character is wrong; kBadBirthDate when the birth date it holds
// (characters 7-14, YYYYMMDD) is not a real date or is after `as_of`.
IdCheck CheckIdNumber(std::string_view id, tickets::Date as_of);

// 应缴金额 of a normalised field in fen (分): "1234.50", "1,234.50", "1234.5元", Chinese numerals
// ("一千二百元", "两千元", "1.5万元"); nullopt when it is none of them or negative (digits
// alone only in the first forms: "12.345" is not an amount).
std::optional<int64_t> ParseAmountFen(std::string_view amount);
// 逾期天数: a whole number of days, in digits or Chinese numerals ("15", "十五天"); nullopt
// otherwise.
std::optional<int> ParseDays(std::string_view days);
// 截止日期 of a normalised field: "2026-12-01", "2026/12/01", "2026年12月1日" (month and day
// with one or two digits); nullopt when it is none of them or not a real date.
std::optional<tickets::Date> ParseDeadline(std::string_view date);

// "1,234.50" for 123450 fen: how reports write an amount.
std::string FormatAmountFen(int64_t fen);

}  // namespace zx::campaigns
