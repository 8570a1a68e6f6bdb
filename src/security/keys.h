// The key file and the key ring: the secrets behind field encryption and blind indexes.
//
// The key file lives OUTSIDE the data directory (so a copied or leaked data directory holds only
// ciphertext) and is created by `zhixian keys init --key-file PATH`. It is a small text file,
// mode 0600, one fact per line:
//
//   # zhixian key file ...            comments
//   zhixian-keys 1                    format and its version (first non-comment line)
//   hmac 1 <32 hex digits>            the key for blind indexes (HMAC-SM3 lookups); never rotated
//   data 1 <32 hex digits> <unix ms>  an SM4 data-encryption key, its version and creation time
//   data 2 <32 hex digits> <unix ms>  ... one line per version, added by `keys rotate`
//   current 2                         the version new writes use
//
// Rotation adds a data key and makes it current; old keys stay so old rows stay readable, until
// `keys reencrypt` has moved every row to the current key. The blind-index key is not rotated:
// changing it would break every lookup (a future format version may add re-indexing).
//
// KeyRing is immutable after construction except for Rotate; share it as
// std::shared_ptr<const KeyRing> across threads (all const methods are thread-safe). Key bytes
// are wiped when the ring is destroyed. Errors: kNotFound (no key file), kAlreadyExists (init
// over an existing file), kFailedPrecondition (file readable by group/others, or inside the data
// directory), kDataLoss (a malformed key file, naming the line).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"

namespace zx::security {

class KeyRing {
 public:
  // A fresh ring: data key version 1 (current) and a blind-index key, from the CSPRNG.
  static KeyRing Generate(const Clock& clock);
  // Parses key-file text; `origin` (the path) names the file in errors.
  static Result<KeyRing> Parse(std::string_view text, std::string_view origin);
  // Reads and parses `path`; refuses a file that group or others may read.
  static Result<KeyRing> Load(const std::string& path);

  KeyRing(KeyRing&&) noexcept = default;
  KeyRing& operator=(KeyRing&&) noexcept = default;
  KeyRing(const KeyRing&) = delete;
  KeyRing& operator=(const KeyRing&) = delete;
  ~KeyRing();

  // The key-file text (including a header comment); Parse(Serialize()) gives the same ring.
  std::string Serialize() const;

  uint32_t current_version() const { return current_; }
  // The 16-byte SM4 key of `version`, or nullptr when the ring has no such version.
  const std::string* DataKey(uint32_t version) const;
  const std::string& CurrentDataKey() const { return data_.at(current_).key; }
  // The 16-byte HMAC-SM3 key for blind indexes.
  const std::string& BlindIndexKey() const { return hmac_key_; }
  // All data-key versions, ascending.
  std::map<uint32_t, int64_t> versions() const;  // version -> created (unix ms)

  // Adds a new random data key (version = highest + 1) and makes it current; returns it.
  uint32_t Rotate(const Clock& clock);

 private:
  struct Entry {
    std::string key;
    int64_t created_ms = 0;
  };
  KeyRing() = default;
  std::map<uint32_t, Entry> data_;
  std::string hmac_key_;
  uint32_t current_ = 0;
};

// Creates the key file at `path` with a fresh ring, mode 0600. Refuses (kAlreadyExists) when
// anything exists at `path`; creates no directories.
Status InitKeyFile(const std::string& path, const Clock& clock);
// Loads `path`, rotates, and replaces the file atomically (write 0600 temp file, fsync,
// rename). Returns the new current version.
Result<uint32_t> RotateKeyFile(const std::string& path, const Clock& clock);
// kFailedPrecondition when `key_file` is inside `data_dir` (after resolving symlinks and
// relative paths), so a copy of the data directory never carries its own key.
Status CheckKeyFileOutside(const std::string& key_file, const std::string& data_dir);

}  // namespace zx::security
