// Numbers as people say them: Chinese numerals, mixed forms, amounts, durations and dates.
//
//   ParseNumber("两万三") == 23000      ParseNumber("一万五千块") == 15000
//   ParseNumber("1.5万") == 15000       ParseNumber("三千五百二十") == 3520
//   ParseMonths("三年零七个月") == 43    ParseMonths("十个月") == 10   ParseMonths("两年半") == 30
//   ParseYearMonth("七零年五月") == {1970, 5}   ParseYearMonth("1976年3月") == {1976, 3}
//   ParseYear("八五年") == 1985 (two-digit years: 00-29 -> 20xx, 30-99 -> 19xx)
//
// Each Parse* takes exactly one expression (surrounding 元/块/钱/左右 allowed) and returns
// nullopt when it is not one. FindQuantities scans free text for all of them. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zx::text {

struct YearMonth {
  int year = 0;
  int month = 0;  // 1..12, 0 when only the year was said
  bool operator==(const YearMonth&) const = default;
};

std::optional<double> ParseNumber(std::string_view s);
std::optional<int> ParseMonths(std::string_view s);
std::optional<YearMonth> ParseYearMonth(std::string_view s);
std::optional<int> ParseYear(std::string_view s);

enum class QuantityKind { kNumber, kMoney, kMonths, kYearMonth, kPercent };

struct Quantity {
  QuantityKind kind;
  double value = 0;      // kNumber, kMoney (元), kMonths, kPercent (15 for 15%)
  YearMonth year_month;  // kYearMonth
  size_t begin = 0;      // byte span in the input
  size_t end = 0;
  std::string text;  // the words as said
};

// The value of one Chinese numeral character (零〇 一壹幺 二贰两 … 九玖): 0..9; -1 for any other
// character. 幺 (one, as said digit by digit: 幺二三四五) is 1.
int ChineseDigitValue(char32_t c);

// Every quantity in `normalized` text, left to right, longest match first.
std::vector<Quantity> FindQuantities(std::string_view normalized);

// The text with every spoken number rewritten in Arabic digits ("交了三年零七个月" ->
// "交了3年7个月"), for indexing and display.
std::string RewriteNumerals(std::string_view normalized);

}  // namespace zx::text
