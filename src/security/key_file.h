// The key file as the server and the commands open it (security.key_file): checked to lie
// outside the data directory, then read. Errors start with "security.key_file: ", the setting
// that names the file, so that the fix is obvious.
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/health_check.h"
#include "base/status.h"
#include "security/audit.h"
#include "security/field_cipher.h"

namespace zx::security {

// security.key_file's default: "auto", the key file at DefaultKeyFilePath(). An empty value
// means no key file at all (a key held in memory only: what was sealed cannot be read after a
// restart; tests and throw-away demos).
inline constexpr const char* kAutoKeyFile = "auto";

// Where "auto" puts the key file, outside any data directory and per user:
// $XDG_CONFIG_HOME/zhixian/keys, else $HOME/.config/zhixian/keys; "" when neither variable is
// set (then "auto" means no key file).
std::string DefaultKeyFilePath();

// The key file `configured` (security.key_file) names: "auto" is DefaultKeyFilePath() when a
// file exists there, else "" (none); any other value as it is.
std::string ResolveKeyFile(const std::string& configured);

// The key file at `path`, created when missing: its directory (0700) and a fresh key ring
// (InitKeyFile: mode 0600). `*created` says whether this call made it. Another process creating
// it at the same time is fine (its file is used). kFailedPrecondition when it would lie inside
// `data_dir`; kUnavailable when the directory or file cannot be written.
Status EnsureKeyFile(const std::string& path, const std::string& data_dir, const Clock& clock,
                     bool* created);

// The field cipher over the key file's data keys; nullptr (and OK) when `key_file` is empty
// (or "auto" without a file there: ResolveKeyFile).
Result<std::shared_ptr<const FieldCipher>> LoadFieldCipher(const std::string& key_file,
                                                           const std::string& data_dir);

// `zhixian keys init`: a new key file at `path` (InitKeyFile); at the default place
// (`default_place`: security.key_file "auto" and no other path given) its directory is made as
// serve makes it (EnsureKeyFile). kAlreadyExists when there is one: keys in it may be the only
// way to read existing data.
Status CreateKeyFile(const std::string& path, bool default_place, const std::string& data_dir,
                     const Clock& clock);

// LoadFieldCipher, or without a key file a cipher under a key held only in memory (what it seals
// is readable until the process ends, never plaintext), with a warning that says how to keep it.
Result<std::shared_ptr<const FieldCipher>> LoadFieldCipherOrEphemeral(const std::string& key_file,
                                                                      const std::string& data_dir,
                                                                      const Clock& clock);

// The audit log's key (AuditKeyFrom) from the key file, for commands that load no data keys;
// "" (the plain chain) when there is no usable key file.
std::string AuditKeyOfKeyFile(const std::string& key_file, const std::string& data_dir);

// The audit log's options in the data directory `data_dir`: its key from `cipher`, or, without
// one, from the key file (AuditKeyOfKeyFile: the key file's audit key serves commands that load
// no data keys), and the sealed head DATA/audit.head when the database is `on_disk`.
AuditOptions AuditOptionsFor(const FieldCipher* cipher, const std::string& key_file,
                             const std::string& data_dir, bool on_disk);

// The key file a `zhixian keys` command works on: `given` (--key-file), else `configured`
// (security.key_file; "auto": DefaultKeyFilePath(), existing or not), checked to lie outside
// `data_dir`; kInvalidArgument when neither is set.
Result<std::string> KeyFileToManage(const std::string& given, const std::string& configured,
                                    const std::string& data_dir);

// For `zhixian serve` with security.key_file = "auto" (`configured`): creates the key file at
// DefaultKeyFilePath() when missing (EnsureKeyFile) and logs where it is, that it needs a backup,
// or (a warning) that there is no default place for it. Another value: nothing to do.
Status PrepareDefaultKeyFile(const std::string& configured, const std::string& data_dir,
                             const Clock& clock);

// `zhixian doctor`'s check of the key file security.key_file (`configured`) names: it exists
// (a missing "auto" one only warns: the first start makes it), lies outside `data_dir`, has mode
// 0600 and loads. No key file at all warns: sealed data is unreadable after a restart.
HealthCheck CheckKeyFileHealth(const std::string& configured, const std::string& data_dir);

}  // namespace zx::security
