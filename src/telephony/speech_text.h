// Text prepared for speech synthesis. Written answers contain things a voice must not read as
// printed: phone, case and ID numbers (read digit by digit, 1 as 幺), years (二零二五年),
// ISO dates, percentages, citations in brackets, list markers and symbols. Pure; thread-safe.
//
//   PrepareForSpeech("请拨打12345") == "请拨打幺二三四五"
//   PrepareForSpeech("2025年1月起") == "二零二五年1月起"
//   PrepareForSpeech("缴费比例8%") == "缴费比例百分之8"
#pragma once

#include <string>
#include <string_view>

namespace zx::telephony {

std::string PrepareForSpeech(std::string_view text);

}  // namespace zx::telephony
