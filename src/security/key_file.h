// The key file as the server and the commands open it (security.key_file): checked to lie
// outside the data directory, then read. Errors start with "security.key_file: ", the setting
// that names the file, so that the fix is obvious.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "security/audit.h"
#include "security/field_cipher.h"

namespace zx::security {

// The field cipher over the key file's data keys; nullptr (and OK) when `key_file` is empty.
Result<std::shared_ptr<const FieldCipher>> LoadFieldCipher(const std::string& key_file,
                                                           const std::string& data_dir);

// The audit log's key (AuditKeyFrom) from the key file, for commands that load no data keys;
// "" (the plain chain) when there is no usable key file.
std::string AuditKeyOfKeyFile(const std::string& key_file, const std::string& data_dir);

// The audit log's options in the data directory `data_dir`: its key from `cipher`, or, without
// one, from the key file (AuditKeyOfKeyFile: the key file's audit key serves commands that load
// no data keys), and the sealed head DATA/audit.head when the database is `on_disk`.
AuditOptions AuditOptionsFor(const FieldCipher* cipher, const std::string& key_file,
                             const std::string& data_dir, bool on_disk);

// The key file a `zhixian keys` command works on: `given` (--key-file), else `configured`
// (security.key_file), checked to lie outside `data_dir`; kInvalidArgument when neither is set.
Result<std::string> KeyFileToManage(const std::string& given, const std::string& configured,
                                    const std::string& data_dir);

}  // namespace zx::security
