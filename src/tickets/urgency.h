// Danger cues that raise a work order's tier to 2h (DOMAIN.md "SLA tiers": injury, a child at
// risk, exposed live wires, a gas smell, a collapsed road or missing manhole cover, a crowd
// gathering, a person trapped, an outage of water or power). Data: kb/tickets/urgent.toml
// (matching rules in its header), with negation as people say it: "没有人受伤", "井盖没有丢"
// raise nothing. Immutable after Load; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace zx::tickets {

struct UrgencyHit {
  std::string cue;     // the cue's name: "有人受伤"
  std::string phrase;  // the words heard, as written in the text
  bool negated = false;
};

class UrgencyCues {
 public:
  // Errors: kInvalidArgument "FILE:LINE: reason" (syntax, missing or mistyped keys, a cue with
  // neither phrases nor parts, parts of fewer than two lists, a window or gap out of 0..20).
  static Result<UrgencyCues> Load(const std::string& path);

  // Every cue heard in `normalized` (simplified, lower case; text::Normalizer), negated ones
  // flagged, in the order of the file's cues.
  std::vector<UrgencyHit> Detect(std::string_view normalized) const;
  // The names of the cues heard and not negated (at most one entry per cue).
  std::vector<std::string> Raising(std::string_view normalized) const;

 private:
  struct Cue {
    std::string name;
    std::vector<std::u32string> phrases;
    std::vector<std::vector<std::u32string>> parts;
    int gap = 8;
  };
  std::vector<Cue> cues_;
  std::vector<std::u32string> negators_;
  std::vector<std::u32string> not_negators_;  // 不小心, 不知道: a negator inside is not one
  std::vector<std::u32string> safe_;
  int window_ = 3;
};

}  // namespace zx::tickets
