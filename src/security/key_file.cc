#include "security/key_file.h"

#include <filesystem>

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

AuditOptions AuditOptionsFor(const FieldCipher* cipher, const std::string& key_file,
                             const std::string& data_dir, bool on_disk) {
  AuditOptions options;
  options.key = cipher ? AuditKeyFrom(*cipher->key_ring()) : AuditKeyOfKeyFile(key_file, data_dir);
  if (on_disk) options.head_path = (std::filesystem::path(data_dir) / "audit.head").string();
  return options;
}

Result<std::string> KeyFileToManage(const std::string& given, const std::string& configured,
                                    const std::string& data_dir) {
  std::string path = given.empty() ? configured : given;
  if (path.empty()) return InvalidArgument("give --key-file PATH (or set security.key_file)");
  ZX_RETURN_IF_ERROR(CheckKeyFileOutside(path, data_dir));
  return path;
}

}  // namespace zx::security
