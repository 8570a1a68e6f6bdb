#include "telephony/call_outcome.h"

#include <cctype>

namespace zx::telephony {

const char* CallOutcomeName(CallOutcome outcome) {
  switch (outcome) {
    case CallOutcome::kAnswered:
      return "answered";
    case CallOutcome::kNoAnswer:
      return "no_answer";
    case CallOutcome::kBusy:
      return "busy";
    case CallOutcome::kInvalidNumber:
      return "invalid_number";
    case CallOutcome::kRejected:
      return "rejected";
    case CallOutcome::kCancelled:
      return "cancelled";
    case CallOutcome::kFailed:
      break;
  }
  return "failed";
}

CallOutcome OutcomeForSipCode(int code) {
  if (code >= 200 && code < 300) return CallOutcome::kAnswered;
  switch (code) {
    case 408:  // Request Timeout
    case 480:  // Temporarily Unavailable
      return CallOutcome::kNoAnswer;
    case 486:  // Busy Here
    case 600:  // Busy Everywhere
      return CallOutcome::kBusy;
    case 404:  // Not Found
    case 410:  // Gone
    case 484:  // Address Incomplete
    case 604:  // Does Not Exist Anywhere
      return CallOutcome::kInvalidNumber;
    case 403:  // Forbidden
    case 603:  // Decline
      return CallOutcome::kRejected;
    default:
      return CallOutcome::kFailed;
  }
}

int SipfragStatusCode(std::string_view body) {
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.front())))
    body.remove_prefix(1);
  constexpr std::string_view kVersion = "SIP/2.0 ";
  if (body.substr(0, kVersion.size()) != kVersion) return 0;
  body.remove_prefix(kVersion.size());
  if (body.size() < 3) return 0;
  int code = 0;
  for (int i = 0; i < 3; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(body[i]))) return 0;
    code = code * 10 + (body[i] - '0');
  }
  if (body.size() > 3 && body[3] != ' ' && body[3] != '\r' && body[3] != '\n') return 0;
  return code >= 100 && code <= 699 ? code : 0;
}

}  // namespace zx::telephony
