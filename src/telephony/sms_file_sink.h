// FileSmsSink: an SmsGateway for demos and tests that sends nothing. It appends one JSON line
// per message to a file (MakeSmsGateway: DATA/sms.jsonl):
//   {"at":1767225600000,"id":"c1-t2-a3","to":"138****5678","text":"【示例市12345】您好..."}
// The number is ALWAYS masked (text/pii.h MaskPhone) and phone or ID numbers inside the text
// too (MaskText): the file never holds a full number, so it may be shown and shared. "text" is
// the sign followed by the text, as the citizen would read it. Every valid message is accepted
// (provider_id = the id); a write failure is kUnavailable. Thread-safe; lines are never
// interleaved.
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "telephony/sms_gateway.h"

namespace zx::telephony {

struct FileSmsOptions {
  std::string path;  // created if missing, appended to
  std::string sign;
  int max_chars = 500;
};

// kInvalidArgument if the file cannot be opened for appending (its directory is created).
Result<std::unique_ptr<SmsGateway>> MakeFileSmsSink(const FileSmsOptions& options,
                                                    const Clock& clock);

}  // namespace zx::telephony
