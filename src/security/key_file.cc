#include "security/key_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "base/log.h"
#include "security/audit.h"
#include "security/keys.h"

namespace zx::security {

std::string DefaultKeyFilePath() {
  namespace fs = std::filesystem;
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  // The XDG base-directory rule: a relative XDG_CONFIG_HOME is invalid and ignored.
  if (xdg && *xdg && fs::path(xdg).is_absolute())
    return (fs::path(xdg) / "zhixian" / "keys").string();
  const char* home = std::getenv("HOME");
  if (home && *home) return (fs::path(home) / ".config" / "zhixian" / "keys").string();
  return "";
}

std::string ResolveKeyFile(const std::string& configured) {
  if (configured != kAutoKeyFile) return configured;
  std::string path = DefaultKeyFilePath();
  std::error_code ec;
  return !path.empty() && std::filesystem::exists(path, ec) ? path : "";
}

Status EnsureKeyFile(const std::string& path, const std::string& data_dir, const Clock& clock,
                     bool* created) {
  namespace fs = std::filesystem;
  *created = false;
  Status outside = CheckKeyFileOutside(path, data_dir);
  if (!outside.ok()) return Status(outside.code(), "security.key_file: " + outside.message());
  std::error_code ec;
  if (fs::exists(path, ec)) return Status::Ok();
  fs::path dir = fs::path(path).parent_path();
  if (!dir.empty() && !fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec)
      return Unavailable("security.key_file: cannot create the directory " + dir.string() +
                         " for the key file: " + ec.message());
    // Only its owner may list where the keys are (umask may be looser outside serve).
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  // Written whole under a private name, then linked into place: a start running at the same
  // moment sees either no key file or a complete one, and only one of them makes it.
  std::string tmp = path + ".new." + std::to_string(::getpid());
  (void)::unlink(tmp.c_str());
  Status s = InitKeyFile(tmp, clock);
  if (!s.ok()) return Status(s.code(), "security.key_file: " + s.message());
  int rc = ::link(tmp.c_str(), path.c_str());
  int err = errno;
  (void)::unlink(tmp.c_str());
  if (rc != 0 && err == EEXIST) return Status::Ok();  // made meanwhile by another start
  if (rc != 0)
    return Unavailable("security.key_file: cannot create " + path + ": " + std::strerror(err));
  *created = true;
  return Status::Ok();
}

Result<std::shared_ptr<const FieldCipher>> LoadFieldCipher(const std::string& configured,
                                                           const std::string& data_dir) {
  const std::string key_file = ResolveKeyFile(configured);
  if (key_file.empty()) return std::shared_ptr<const FieldCipher>();
  Status outside = CheckKeyFileOutside(key_file, data_dir);
  if (!outside.ok()) return Status(outside.code(), "security.key_file: " + outside.message());
  auto ring = KeyRing::Load(key_file);
  if (!ring.ok())
    return Status(ring.status().code(), "security.key_file: " + ring.status().message());
  return std::make_shared<const FieldCipher>(
      std::make_shared<const KeyRing>(std::move(ring).value()));
}

std::string AuditKeyOfKeyFile(const std::string& configured, const std::string& data_dir) {
  const std::string key_file = ResolveKeyFile(configured);
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
  std::string path = !given.empty()               ? given
                     : configured == kAutoKeyFile ? DefaultKeyFilePath()
                                                  : configured;
  if (path.empty()) return InvalidArgument("give --key-file PATH (or set security.key_file)");
  ZX_RETURN_IF_ERROR(CheckKeyFileOutside(path, data_dir));
  return path;
}

Status CreateKeyFile(const std::string& path, bool default_place, const std::string& data_dir,
                     const Clock& clock) {
  if (!default_place) return InitKeyFile(path, clock);
  bool created = false;
  ZX_RETURN_IF_ERROR(EnsureKeyFile(path, data_dir, clock, &created));
  if (!created)
    return Status(Code::kAlreadyExists, "key file " + path +
                                            " already exists; refusing to overwrite it (keys "
                                            "in it may be the only way to read existing data)");
  return Status::Ok();
}

Result<std::shared_ptr<const FieldCipher>> LoadFieldCipherOrEphemeral(const std::string& key_file,
                                                                      const std::string& data_dir,
                                                                      const Clock& clock) {
  ZX_ASSIGN_OR_RETURN(std::shared_ptr<const FieldCipher> cipher,
                      LoadFieldCipher(key_file, data_dir));
  if (cipher) return cipher;
  log::Warn(
      "security.no_key_file transcripts are sealed with a key held only in memory and "
      "cannot be read after a restart; leave security.key_file at \"auto\" (the first "
      "`zhixian serve` makes the key file) or run `zhixian keys init --key-file PATH` and "
      "set security.key_file");
  return std::shared_ptr<const FieldCipher>(
      std::make_shared<FieldCipher>(std::make_shared<const KeyRing>(KeyRing::Generate(clock))));
}

Status PrepareDefaultKeyFile(const std::string& configured, const std::string& data_dir,
                             const Clock& clock) {
  if (configured != kAutoKeyFile) return Status::Ok();
  std::string path = DefaultKeyFilePath();
  if (path.empty()) {
    log::Warn(
        "security.no_default_key_file reason=\"neither XDG_CONFIG_HOME nor HOME is set\" "
        "fix=\"set security.key_file (ZHIXIAN_SECURITY_KEY_FILE) to a path outside the data "
        "directory\"");
    return Status::Ok();
  }
  bool created = false;
  ZX_RETURN_IF_ERROR(EnsureKeyFile(path, data_dir, clock, &created));
  if (created)
    log::Warn(
        "security.key_file_created path={} note=\"the key that seals conversations and personal "
        "data; back it up apart from the data directory: without it they cannot be read\"",
        path);
  return Status::Ok();
}

HealthCheck CheckKeyFileHealth(const std::string& configured, const std::string& data_dir) {
  namespace fs = std::filesystem;
  std::string path = configured == kAutoKeyFile ? DefaultKeyFilePath() : configured;
  if (path.empty())
    return HealthCheck::Warn(
        configured.empty() ? "none (security.key_file is empty): conversations cannot be read "
                             "after a restart"
                           : "no default place for it (neither XDG_CONFIG_HOME nor HOME is set)",
        "remove security.key_file (default auto) or set it to a path outside the data "
        "directory");
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    if (configured == kAutoKeyFile)
      return HealthCheck::Warn(
          path + " does not exist yet",
          "zhixian serve creates it at the first start (or: zhixian keys init)");
    return HealthCheck::Fail(
        path + " (security.key_file) does not exist",
        "zhixian keys init --key-file " + path + ", or restore it from the backup");
  }
  Status outside = CheckKeyFileOutside(path, data_dir);
  if (!outside.ok())
    return HealthCheck::Fail(outside.message(),
                             "move it outside " + data_dir + " and set security.key_file");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    return HealthCheck::Fail(path + " has mode " + mode + " (others may read it)",
                             "chmod 600 " + path);
  }
  auto ring = KeyRing::Load(path);
  if (!ring.ok())
    return HealthCheck::Fail(ring.status().message(), "restore the key file from the backup");
  return HealthCheck::Ok(path + " (mode 0600, data key version " +
                         std::to_string(ring->current_version()) + ")");
}

}  // namespace zx::security
