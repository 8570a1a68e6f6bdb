#include "security/password.h"

#include <argon2.h>

#include "security/crypto.h"

namespace zx::security {
namespace {
constexpr size_t kMaxPasswordBytes = 1024;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
}  // namespace

Result<std::string> HashPassword(std::string_view password, const PasswordParams& params) {
  if (password.size() > kMaxPasswordBytes)
    return InvalidArgument("password longer than 1024 bytes");
  std::string salt = RandomBytes(kSaltBytes);
  size_t len = argon2_encodedlen(params.time_cost, params.memory_kib, params.parallelism,
                                 kSaltBytes, kHashBytes, Argon2_id);
  std::string encoded(len, '\0');
  int rc = argon2id_hash_encoded(params.time_cost, params.memory_kib, params.parallelism,
                                 password.data(), password.size(), salt.data(), salt.size(),
                                 kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return Internal(std::string("argon2id: ") + argon2_error_message(rc));
  encoded.resize(encoded.find('\0') == std::string::npos ? encoded.size() : encoded.find('\0'));
  return encoded;
}

bool VerifyPassword(std::string_view encoded, std::string_view password) {
  if (password.size() > kMaxPasswordBytes) return false;
  if (encoded.substr(0, 10) != "$argon2id$") return false;
  std::string e(encoded);  // NUL-terminated for libargon2
  return argon2id_verify(e.c_str(), password.data(), password.size()) == ARGON2_OK;
}

}  // namespace zx::security
