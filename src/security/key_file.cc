#include "security/key_file.h"

#include "security/audit.h"
#include "security/keys.h"

namespace zx::security {

Result<std::shared_ptr<const FieldCipher>> LoadFieldCipher(const std::string& key_file,
                                                           const std::string& data_dir) {
  if (key_file.empty()) return std::shared_ptr<const FieldCipher>();
  Status outside = CheckKeyFileOutside(key_file, data_dir);
  if (!outside.ok()) return Status(outside.code(), "security.key_file: " + outside.message());
  auto ring = KeyRing::Load(key_file);
  if (!ring.ok())
    return Status(ring.status().code(), "security.key_file: " + ring.status().message());
  return std::make_shared<const FieldCipher>(
      std::make_shared<const KeyRing>(std::move(ring).value()));
}

std::string AuditKeyOfKeyFile(const std::string& key_file, const std::string& data_dir) {
  if (key_file.empty()) return "";
  auto ring = KeyRing::Load(key_file);
  if (!ring.ok() || !CheckKeyFileOutside(key_file, data_dir).ok()) return "";
  return AuditKeyFrom(*ring);
}

}  // namespace zx::security
