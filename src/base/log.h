// Structured logs: one line per event, "event key=value ...", with a correlation id where there
// is one (call, conversation, ticket, campaign).
//
// Personal data never goes into a log: callers pass masked values, and as a second line of
// defence every line is scrubbed of digit runs that look like phone or ID numbers
// (13812345678 -> 138****5678). Thread-safe.
#pragma once

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace zx::log {

// Sets the level ("info", ...) and the output format; call once at start-up. Logs go to stderr.
void Init(const std::string& level);

// Masks runs of 7 or more digits (phone, ID, card numbers) keeping the first 3 and last 4.
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
