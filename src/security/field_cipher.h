// FieldCipher: encryption of personal data in database columns, and blind indexes for lookups.
//
// Every column that holds a name, phone number, ID number, address, transcript or recording
// reference stores FieldCipher::Encrypt output, never plaintext:
//
//   zx1:<key version>:<base64(nonce(12) | SM4-GCM ciphertext | tag(16))>
//
// The key version in the value keeps old rows readable after `keys rotate`; Reencrypt moves a
// value to the current key. `aad` (associated data) binds a value to where it belongs, so that a
// ciphertext copied into another row or column fails to decrypt: use FieldAad(table, column,
// row key) unless there is a reason not to (reencrypt.h relies on that convention).
//
// Lookups by phone number go through BlindIndex(kind, value): a keyed HMAC-SM3, equal for equal
// inputs, useless without the key file. Normalise the value first (e.g. phone digits only, no
// +86), since "138 1234 5678" and "13812345678" index differently.
//
// Thread-safe: all methods are const over an immutable KeyRing. Errors from Decrypt: kDataLoss
// for a malformed value or a failed authentication (changed data, wrong aad, wrong key),
// kFailedPrecondition when the value's key version is not in the key file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "security/keys.h"

namespace zx::security {

// "table.column:row_key", the conventional associated data of an encrypted column value.
std::string FieldAad(std::string_view table, std::string_view column, std::string_view row_key);

// A Decrypt (or sealed-file) failure as staff should hear it: a value the keys held cannot open
// (a key version the key file lacks, or authentication failing: the key file was replaced or
// lost, or the value altered; the cipher cannot tell which) becomes kKeyMissing (HTTP 410)
// naming `what`, so that a request is answered, never failed as a server error. Other errors
// pass unchanged.
Status AsKeyMissing(const Status& error, std::string_view what);

class FieldCipher {
 public:
  explicit FieldCipher(std::shared_ptr<const KeyRing> keys);

  // Encrypts under the current key with a fresh random nonce.
  std::string Encrypt(std::string_view plaintext, std::string_view aad) const;
  Result<std::string> Decrypt(std::string_view ciphertext, std::string_view aad) const;

  // Hex HMAC-SM3 of (kind, value) under the blind-index key; `kind` ("phone", "id_number")
  // separates the index spaces so equal strings of different kinds do not collide.
  std::string BlindIndex(std::string_view kind, std::string_view value) const;

  // The value under the current key (decrypt + encrypt with a new nonce); a value already
  // under the current key comes back unchanged.
  Result<std::string> Reencrypt(std::string_view ciphertext, std::string_view aad) const;

  // True when `value` has the zx1: form (it says nothing about authenticity).
  static bool LooksEncrypted(std::string_view value);
  // The key version of a zx1: value; kDataLoss when it is not one.
  static Result<uint32_t> KeyVersionOf(std::string_view ciphertext);

  uint32_t current_version() const { return keys_->current_version(); }
  // The ring behind this cipher, for files sealed with the same keys (sealed_file.h).
  const std::shared_ptr<const KeyRing>& key_ring() const { return keys_; }

 private:
  std::shared_ptr<const KeyRing> keys_;
};

}  // namespace zx::security
