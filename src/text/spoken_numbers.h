// Numbers read aloud in Chinese, the inverse of numerals.h: what a voice says for a figure
// written in digits. Pure functions; the inputs are ASCII digit strings as written.
//
//   ReadInteger("22400") == "两万二千四百"     ReadInteger("32000") == "三万二千"
//   ReadInteger("1015") == "一千零一十五"      ReadInteger("15") == "十五"
//   ReadDecimal("21.75") == "二十一点七五"     ReadDecimal("0.5") == "零点五"
//   ReadAmount("230.50") == "二百三十元五角"   ReadAmount("22400.00") == "两万二千四百元"
//   ReadAmount("0.5") == "五角"                ReadAmount("12.34") == "十二元三角四分"
//   ReadDigits("12345", true) == "幺二三四五"  ReadDigits("2026", false) == "二零二六"
//
// 两 is said for a leading 2 before 千, 万 or 亿 (两万, 两千二百); 二 elsewhere (二百, 二十).
// Leading zeros of an integer are ignored ("007" reads 七); an empty or non-digit input reads "".
#pragma once

#include <string>
#include <string_view>

namespace zx::text {

// A whole number of up to 16 digits (longer ones are read digit by digit).
std::string ReadInteger(std::string_view digits);
// "INTEGER.FRACTION": the integer as ReadInteger, 点, then the fraction digit by digit.
std::string ReadDecimal(std::string_view number);
// A sum of money in 元 ("INTEGER" or "INTEGER.FRACTION", the fraction rounded to 分), with the
// unit words: 元, 角, 分 ("10.05" -> 十元零五分). Zero reads 零元.
std::string ReadAmount(std::string_view number);
// Digit by digit: 0-9 as 零一二…九; `yao`: 1 as 幺 (telephone, case and ID numbers); X/x as 叉.
std::string ReadDigits(std::string_view digits, bool yao);

}  // namespace zx::text
