// Structured logs: one line per event, "event key=value ...", with a correlation id where there
// is one (call, conversation, ticket, campaign).
//
// Personal data never goes into a log: callers pass masked values, and as a second line of
// defence every line is scrubbed: by the product's one masking function (text::MaskText, which
// knows +86, full-width, Chinese-digit and grouped forms), installed with SetMasker by `app`
// (base cannot depend on text), then of any digit run that looks like a phone or ID number
// (13812345678 -> 138****5678). Thread-safe.
#pragma once

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace zx::log {

// Sets the level ("info", ...) and the output format; call once at start-up. Logs go to stderr.
void Init(const std::string& level);

// The masking applied to every line before the digit-run scrub; null (the default) for none.
// Set once at start-up, before logging from other threads.
using Masker = std::string (*)(std::string_view);
void SetMasker(Masker masker);

// Applies the masker, then masks runs of 7 or more digits (phone, ID, card numbers) keeping the
// first 3 and last 4.
std::string Scrub(std::string_view line);

template <typename... Args>
void Info(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  if (spdlog::should_log(spdlog::level::info))
    spdlog::info("{}", Scrub(fmt::format(fmt, std::forward<Args>(args)...)));
}
template <typename... Args>
void Warn(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  if (spdlog::should_log(spdlog::level::warn))
    spdlog::warn("{}", Scrub(fmt::format(fmt, std::forward<Args>(args)...)));
}
template <typename... Args>
void Error(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  if (spdlog::should_log(spdlog::level::err))
    spdlog::error("{}", Scrub(fmt::format(fmt, std::forward<Args>(args)...)));
}
template <typename... Args>
void Debug(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  if (spdlog::should_log(spdlog::level::debug))
    spdlog::debug("{}", Scrub(fmt::format(fmt, std::forward<Args>(args)...)));
}

}  // namespace zx::log
