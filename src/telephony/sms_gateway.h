// SMS: the text messages of outbound campaigns (the fall-back after a campaign's last failed
// call attempt, and optionally a written copy after a confirmed call), sent through a gateway
// behind this interface. Gateways (MakeSmsGateway picks one from the [sms] section):
//   "http"  a deployment's own SMS platform, by a configurable JSON POST
//           (telephony/sms_http_gateway.h);
//   "file"  a demo and test sink that appends masked JSON lines to DATA/sms.jsonl
//           (telephony/sms_file_sink.h); nothing leaves the machine;
//   "none"  no SMS (MakeSmsGateway returns nullptr; callers skip the fall-back).
// Every gateway MakeSmsGateway builds is rate-limited (telephony/sms_rate_limit.h).
//
// Outcomes of Send:
//   * a receipt with accepted = true: the provider took the message (provider_id names it there);
//   * a receipt with accepted = false: the provider refused it (bad number, blacklisted,
//     template not approved, a 4xx answer...); `error` says why. Sending it again is pointless;
//   * kInvalidArgument: the message itself is malformed (ValidateSmsMessage); nothing was sent;
//   * kUnavailable: no verdict (connection refused, timeout, 5xx, 408, 429): try again later
//     WITH THE SAME id. A timeout after the request went out may mean the provider accepted it,
//     so the id is offered to the provider ({id} in the body template) for its de-duplication;
//   * kResourceExhausted: the rate limit would have made the caller wait too long; later.
// Send blocks (network, rate-limit wait): call it on a worker, never on an I/O thread. Gateways
// are thread-safe. Nothing here logs or stores a full phone number (text/pii.h masks).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "telephony/sms_config.h"

namespace zx::telephony {

struct SmsMessage {
  std::string to;    // a normalised mainland mobile number: 1[3-9] and 9 more digits
  std::string text;  // UTF-8, without the signature (the gateway adds [sms] sign)
  // The caller's idempotency key, e.g. "c12-t345-a3" (campaign, target, attempt): 1-64 of
  // [A-Za-z0-9._:-]. The same message sent again carries the same id.
  std::string id;
};

struct SmsReceipt {
  bool accepted = false;
  std::string provider_id;  // the provider's message id when it gave one; the file sink: the id
  int http_status = 0;      // 0 for gateways without HTTP
  std::string error;        // why it was refused; empty when accepted. No full phone numbers
  int64_t at_ms = 0;        // when the verdict came (Clock::NowUnixMillis)
};

class SmsGateway {
 public:
  virtual ~SmsGateway() = default;
  // Sends one message; see the outcomes above.
  virtual Result<SmsReceipt> Send(const SmsMessage& message) = 0;
  // "http" or "file"; for logs and reports.
  virtual std::string Name() const = 0;
};

// True for "1[3-9]XXXXXXXXX" (11 ASCII digits).
bool IsMobileNumber(const std::string& number);

// kInvalidArgument naming what is wrong: the number (masked in the message), a text that is
// empty, not UTF-8, or longer than `max_chars` code points together with `sign`, an id outside
// the charset or 1-64 characters.
Status ValidateSmsMessage(const SmsMessage& message, const std::string& sign, int max_chars);

// The gateway [sms] configures, rate-limited to config.rate_per_s; nullptr for gateway = "none".
// "file" writes `data_dir`/sms.jsonl (the directory is created). "http" reads the auth header's
// secret now (from the environment variable or file the section names). kInvalidArgument
// naming the key for what the section's own checks cannot see (an unset variable, an
// unreadable CA file...). `clock` times receipts and the rate limit; it must outlive the
// gateway.
Result<std::unique_ptr<SmsGateway>> MakeSmsGateway(const SmsConfig& config,
                                                   const std::string& data_dir, const Clock& clock);

}  // namespace zx::telephony
