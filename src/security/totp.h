// One-time codes (TOTP, RFC 6238) as the second factor of staff logins.
//
// A user enrolled with `zhixian user otp enable NAME` logs in with the password and the 6-digit
// code of an authenticator app (any app that reads otpauth:// URIs). The code is HMAC-SHA1 over
// the 30-second step, as RFC 6238 and every authenticator app do: SM3 would be the national
// choice but no authenticator app computes it; the secret itself is stored sealed with SM4-GCM
// (users.h). A code is accepted for the current step and one step either side (clock drift),
// and each step at most once (replay).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace zx::security {

inline constexpr int kTotpStepSeconds = 30;
inline constexpr int kTotpDigits = 6;
inline constexpr size_t kTotpSecretBytes = 20;  // 160 bits, RFC 4226's recommendation

// A fresh random secret (raw bytes).
std::string NewTotpSecret();

// RFC 4648 base32 without padding, upper case: how authenticator apps take secrets.
std::string Base32Encode(std::string_view bytes);
// Accepts lower case, spaces and '=' padding, as people type them.
Result<std::string> Base32Decode(std::string_view text);

// The code of `step` (unix seconds / 30), zero-padded to `digits`.
std::string TotpCode(std::string_view secret, int64_t step, int digits = kTotpDigits);

// The step that `code` matches within ±`window` steps of `unix_seconds`, or nothing. Constant
// time in where the codes differ.
std::optional<int64_t> MatchTotp(std::string_view secret, std::string_view code,
                                 int64_t unix_seconds, int window = 1);

// otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=...&digits=6&period=30 (the QR payload).
std::string OtpauthUri(std::string_view issuer, std::string_view account, std::string_view secret);

}  // namespace zx::security
