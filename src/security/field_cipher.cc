#include "security/field_cipher.h"

#include <cstdio>
#include <cstdlib>

#include "security/crypto.h"
#include "security/encoding.h"

namespace zx::security {
namespace {

constexpr std::string_view kPrefix = "zx1:";

struct Parsed {
  uint32_t version = 0;
  std::string_view body;  // base64
};

Result<Parsed> ParseValue(std::string_view v) {
  if (v.substr(0, kPrefix.size()) != kPrefix)
    return DataLoss("not an encrypted value (expected the zx1: form)");
  v.remove_prefix(kPrefix.size());
  size_t colon = v.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 10)
    return DataLoss("encrypted value without a key version");
  uint64_t ver = 0;
  for (char c : v.substr(0, colon)) {
    if (c < '0' || c > '9') return DataLoss("encrypted value with a bad key version");
    ver = ver * 10 + uint64_t(c - '0');
  }
  if (ver == 0 || ver > UINT32_MAX) return DataLoss("encrypted value with a bad key version");
  return Parsed{uint32_t(ver), v.substr(colon + 1)};
}

// The AAD actually authenticated: the caller's, bound to the format and key version.
std::string FullAad(uint32_t version, std::string_view aad) {
  std::string out(kPrefix);
  out += std::to_string(version);
  out += ':';
  out += aad;
  return out;
}

}  // namespace

std::string FieldAad(std::string_view table, std::string_view column, std::string_view row_key) {
  std::string out(table);
  out += '.';
  out += column;
  out += ':';
  out += row_key;
  return out;
}

FieldCipher::FieldCipher(std::shared_ptr<const KeyRing> keys) : keys_(std::move(keys)) {
  if (!keys_) {
    std::fprintf(stderr, "zhixian: fatal: FieldCipher without a key ring\n");
    std::abort();
  }
}

Status AsKeyMissing(const Status& error, std::string_view what) {
  if (error.code() != Code::kDataLoss && error.code() != Code::kFailedPrecondition) return error;
  return KeyMissing(std::string(what) + " does not open under the keys this server holds (" +
                    error.message() +
                    "): the key file was replaced or lost, or the data was altered; start with "
                    "the key file it was written with (security.key_file) to read it");
}

std::string FieldCipher::Encrypt(std::string_view plaintext, std::string_view aad) const {
  uint32_t v = keys_->current_version();
  auto sealed = Sm4GcmSeal(keys_->CurrentDataKey(), FullAad(v, aad), plaintext);
  // The ring guarantees a 16-byte current key, so sealing cannot fail on arguments.
  if (!sealed.ok()) {
    std::fprintf(stderr, "zhixian: fatal: %s\n", sealed.status().ToString().c_str());
    std::abort();
  }
  std::string out(kPrefix);
  out += std::to_string(v);
  out += ':';
  out += Base64Encode(*sealed);
  return out;
}

Result<std::string> FieldCipher::Decrypt(std::string_view ciphertext, std::string_view aad) const {
  ZX_ASSIGN_OR_RETURN(auto p, ParseValue(ciphertext));
  const std::string* key = keys_->DataKey(p.version);
  if (!key)
    return FailedPrecondition("encrypted value uses key version " + std::to_string(p.version) +
                              ", which the key file does not have (wrong key file?)");
  auto raw = Base64Decode(p.body);
  if (!raw.ok()) return DataLoss("encrypted value is not valid base64");
  return Sm4GcmOpen(*key, FullAad(p.version, aad), *raw);
}

std::string FieldCipher::BlindIndex(std::string_view kind, std::string_view value) const {
  std::string msg(kind);
  msg += '\0';
  msg += value;
  return HexEncode(HmacSm3(keys_->BlindIndexKey(), msg));
}

Result<std::string> FieldCipher::Reencrypt(std::string_view ciphertext,
                                           std::string_view aad) const {
  ZX_ASSIGN_OR_RETURN(auto v, KeyVersionOf(ciphertext));
  // Authenticate even when already current, so a re-encryption run also verifies every row.
  ZX_ASSIGN_OR_RETURN(auto plain, Decrypt(ciphertext, aad));
  if (v == keys_->current_version()) {
    Wipe(plain);
    return std::string(ciphertext);
  }
  std::string out = Encrypt(plain, aad);
  Wipe(plain);
  return out;
}

bool FieldCipher::LooksEncrypted(std::string_view value) { return ParseValue(value).ok(); }

Result<uint32_t> FieldCipher::KeyVersionOf(std::string_view ciphertext) {
  ZX_ASSIGN_OR_RETURN(auto p, ParseValue(ciphertext));
  return p.version;
}

}  // namespace zx::security
