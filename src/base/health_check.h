// What one check of `zhixian doctor` found: a verdict, what was seen and, when something is
// wrong, how to fix it. Each module checks what it knows (the key file in security, SIP in
// telephony, ...) and returns these; app runs the list and prints it (app/doctor.cc).
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace zx {

struct HealthCheck {
  enum class Verdict { kOk, kWarn, kFail };
  Verdict verdict = Verdict::kOk;
  std::string what;  // one line: what was checked and found
  std::string fix;   // empty when there is nothing to do

  static HealthCheck Ok(std::string what) { return {Verdict::kOk, std::move(what), ""}; }
  static HealthCheck Warn(std::string what, std::string fix) {
    return {Verdict::kWarn, std::move(what), std::move(fix)};
  }
  static HealthCheck Fail(std::string what, std::string fix) {
    return {Verdict::kFail, std::move(what), std::move(fix)};
  }
};

// A check that may not apply (e.g. no trunk configured): nullopt is left out of the report.
using OptionalHealthCheck = std::optional<HealthCheck>;

}  // namespace zx
