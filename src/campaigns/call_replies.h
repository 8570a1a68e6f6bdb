// CallReplies: what a citizen says during a campaign call, understood by the phrases it holds
// (kb/campaigns/replies.toml): at the identity question yes, no or later; after the notice a
// confirmation, a repeat, a person, later, or a question for the knowledge base. Data, not
// code: a deployment adds its own phrases. Immutable after Load; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace zx::campaigns {

enum class Said {
  kNothing,  // nothing usable (empty, or one character that says nothing)
  kYes,
  kNo,
  kLater,
  kConfirm,
  kRepeat,
  kAgent,
  kQuestion,
};
const char* SaidName(Said said);  // "nothing", "yes", "no", "later", "confirm", ...

class CallReplies {
 public:
  // kInvalidArgument "<path>:<line>: <what>" for a syntax error, a missing or unknown list, a
  // phrase that is not a non-empty string, a [when] entry without days (0-14) and at (HH:MM).
  static Result<CallReplies> Load(const std::string& path);
  static Result<CallReplies> Parse(std::string_view toml, const std::string& origin);

  // The answer to the identity question: kLater, kNo, kYes or kNothing.
  Said AtIdentity(std::string_view text) const;
  // After the notice: kAgent, kRepeat, kLater, kConfirm, kQuestion (anything else of two or
  // more characters, and a "not_confirm" phrase such as 不明白) or kNothing.
  Said AtNotice(std::string_view text) const;
  // The instant a "later" names ("明天上午": 09:00 China time tomorrow), the longest phrase of
  // [when] found; 0 when it names none.
  int64_t LaterAt(std::string_view text, int64_t now_ms) const;

 private:
  struct When {
    std::string phrase;
    int days = 0;
    int minute = 0;  // of the day, China time
  };
  std::vector<std::string> yes_, no_, identity_later_;
  std::vector<std::string> agent_, repeat_, later_, not_confirm_, confirm_;
  std::vector<When> when_;  // longest phrase first
};

}  // namespace zx::campaigns
