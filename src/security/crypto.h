// The cryptographic primitives of zhixian, all Chinese national standards (商用密码):
//   SM3 (GB/T 32905) and HMAC-SM3, through OpenSSL 3.0's EVP "SM3";
//   SM4-GCM (GB/T 32907 + GCM, RFC 8998), through libgcrypt, since OpenSSL 3.0 has no SM4-GCM;
//   a cryptographically secure random source and a constant-time comparison.
//
// Everything here works on raw bytes in std::string (not text). Thread-safe: libgcrypt is
// initialised once, on first use, under std::call_once; callers need not do anything.
// Errors: wrong key or nonce sizes are kInvalidArgument; a failed authentication tag (wrong key,
// wrong AAD, or a ciphertext that was changed) is kDataLoss. A failure inside the libraries with
// valid arguments is an impossible state and aborts the process with a log line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace zx::security {

inline constexpr size_t kSm3Bytes = 32;       // digest size
inline constexpr size_t kSm4KeyBytes = 16;    // 128-bit key
inline constexpr size_t kGcmNonceBytes = 12;  // 96-bit nonce, the GCM fast path
inline constexpr size_t kGcmTagBytes = 16;    // full 128-bit tag

// SM3 digest of `data`: 32 raw bytes.
std::string Sm3(std::string_view data);
// HMAC-SM3 (RFC 2104 with SM3) of `data` under `key` (any length): 32 raw bytes.
std::string HmacSm3(std::string_view key, std::string_view data);

// `n` bytes from the operating system's CSPRNG (OpenSSL RAND_bytes).
std::string RandomBytes(size_t n);

// True when a == b; the time taken depends only on the lengths, not on where they differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// SM4-GCM with an explicit nonce; returns ciphertext || tag (plaintext size + 16).
// For known-answer tests and interoperability; production code uses Sm4GcmSeal, which never
// reuses a nonce. key: 16 bytes; nonce: 12 bytes; aad: any (authenticated, not encrypted).
Result<std::string> Sm4GcmEncrypt(std::string_view key, std::string_view nonce,
                                  std::string_view aad, std::string_view plaintext);
// The inverse: `ciphertext_and_tag` is what Sm4GcmEncrypt returned. kDataLoss when the tag
// does not verify; no plaintext is returned then.
Result<std::string> Sm4GcmDecrypt(std::string_view key, std::string_view nonce,
                                  std::string_view aad, std::string_view ciphertext_and_tag);

// SM4-GCM with a fresh random 12-byte nonce: returns nonce || ciphertext || tag.
Result<std::string> Sm4GcmSeal(std::string_view key, std::string_view aad,
                               std::string_view plaintext);
// Opens what Sm4GcmSeal produced. kDataLoss when it is too short or does not authenticate.
Result<std::string> Sm4GcmOpen(std::string_view key, std::string_view aad, std::string_view sealed);

// Overwrites `secret` with zeros in a way the compiler may not elide; for key material.
void Wipe(std::string& secret);

}  // namespace zx::security
