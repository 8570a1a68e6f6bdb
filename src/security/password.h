// Password hashing with argon2id (libargon2), in the standard encoded form
// ("$argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>"), so parameters can be raised later and old
// hashes still verify.
//
// Thread-safe. Hashing is deliberately slow and memory-hard (defaults: 64 MiB, 3 passes, about
// 0.1-0.3 s on the target machine); tests pass cheaper parameters.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace zx::security {

struct PasswordParams {
  uint32_t time_cost = 3;  // passes
  uint32_t memory_kib = 64 * 1024;
  uint32_t parallelism = 1;  // lanes (one thread each)
};

// A new encoded argon2id hash with a random 16-byte salt. kInvalidArgument for a password over
// 1024 bytes (a cap against denial of service), kInternal if libargon2 fails.
Result<std::string> HashPassword(std::string_view password, const PasswordParams& params = {});

// True when `password` matches `encoded` (an argon2id encoded hash). False for a mismatch or a
// malformed hash; never throws, never says which.
bool VerifyPassword(std::string_view encoded, std::string_view password);

}  // namespace zx::security
