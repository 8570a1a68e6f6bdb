// How an outbound call ended, from the final SIP response: what a campaign needs to decide
// whether to retry (busy, no answer) or not (invalid number, rejected). Also the status line of
// a message/sipfrag body (the NOTIFYs of a REFER transfer).
#pragma once

#include <string_view>

namespace zx::telephony {

enum class CallOutcome {
  kAnswered,       // 2xx: the call was answered
  kNoAnswer,       // ring timeout (we sent CANCEL), 408, 480
  kBusy,           // 486, 600
  kInvalidNumber,  // 404, 410, 484, 604
  kRejected,       // 403, 603
  kCancelled,      // we gave up before an answer (Hangup, shutdown)
  kFailed,         // everything else: other 4xx, 5xx, 6xx, no response, transport errors
};

// "answered", "no_answer", "busy", "invalid_number", "rejected", "cancelled", "failed".
const char* CallOutcomeName(CallOutcome outcome);

// The outcome of a final response code (200-699); anything else is kFailed.
CallOutcome OutcomeForSipCode(int code);

// The status code of a sipfrag body ("SIP/2.0 200 OK\r\n", RFC 3420), 0 when it is not one.
int SipfragStatusCode(std::string_view body);

}  // namespace zx::telephony
