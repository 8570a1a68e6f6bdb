#include "telephony/call_outcome.h"

#include <gtest/gtest.h>

#include <string>

namespace zx::telephony {
namespace {

TEST(CallOutcome, MapsFinalResponses) {
  struct Case {
    int code;
    CallOutcome outcome;
  };
  for (Case c : {Case{200, CallOutcome::kAnswered}, Case{202, CallOutcome::kAnswered},
                 Case{408, CallOutcome::kNoAnswer}, Case{480, CallOutcome::kNoAnswer},
                 Case{486, CallOutcome::kBusy}, Case{600, CallOutcome::kBusy},
                 Case{404, CallOutcome::kInvalidNumber}, Case{410, CallOutcome::kInvalidNumber},
                 Case{484, CallOutcome::kInvalidNumber}, Case{604, CallOutcome::kInvalidNumber},
                 Case{403, CallOutcome::kRejected}, Case{603, CallOutcome::kRejected},
                 Case{401, CallOutcome::kFailed}, Case{488, CallOutcome::kFailed},
                 Case{500, CallOutcome::kFailed}, Case{503, CallOutcome::kFailed},
                 Case{0, CallOutcome::kFailed}, Case{180, CallOutcome::kFailed}}) {
    EXPECT_EQ(OutcomeForSipCode(c.code), c.outcome) << c.code;
  }
}

TEST(CallOutcome, Names) {
  EXPECT_EQ(std::string(CallOutcomeName(CallOutcome::kNoAnswer)), "no_answer");
  EXPECT_EQ(std::string(CallOutcomeName(CallOutcome::kInvalidNumber)), "invalid_number");
  EXPECT_EQ(std::string(CallOutcomeName(CallOutcome::kFailed)), "failed");
  EXPECT_EQ(std::string(CallOutcomeName(CallOutcome::kAnswered)), "answered");
}

TEST(Sipfrag, StatusLine) {
  EXPECT_EQ(SipfragStatusCode("SIP/2.0 200 OK\r\n"), 200);
  EXPECT_EQ(SipfragStatusCode("SIP/2.0 100 Trying"), 100);
  EXPECT_EQ(SipfragStatusCode("\r\nSIP/2.0 603 Declined\r\nContent-Length: 0\r\n"), 603);
  EXPECT_EQ(SipfragStatusCode("SIP/2.0 200"), 200);
  EXPECT_EQ(SipfragStatusCode(""), 0);
  EXPECT_EQ(SipfragStatusCode("INVITE sip:x SIP/2.0"), 0);
  EXPECT_EQ(SipfragStatusCode("SIP/2.0 2000 OK"), 0);
  EXPECT_EQ(SipfragStatusCode("SIP/2.0 099 x"), 0);
  EXPECT_EQ(SipfragStatusCode("SIP/2.0 abc"), 0);
}

}  // namespace
}  // namespace zx::telephony
