// TextSealer: how the dialogue keeps personal text encrypted at rest (the application gives it
// the security module's sealing; ConversationStore applies it).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "security/field_cipher.h"

namespace zx::dialogue {

// Encrypts and decrypts personal text at rest: turns (conversation_turns.text, row key
// "<conversation id>/<seq>", the turn_key column) and the conversation state
// (conversations.data, row key the id). Table, column and row key are bound into the
// ciphertext, so a sealed value moved to another place does not open. Identity when not
// configured (tests only).
struct TextSealer {
  std::function<std::string(const std::string& plain, const std::string& table,
                            const std::string& column, const std::string& row_key)>
      seal;
  std::function<Result<std::string>(const std::string& sealed, const std::string& table,
                                    const std::string& column, const std::string& row_key)>
      open;
  // The keyed lookup value of a personal value (security::FieldCipher::BlindIndex): equal for
  // equal values, useless without the key. Conversations are found by the citizen's phone
  // number through it. When not configured (tests only) the store uses an unkeyed SM3 hash.
  std::function<std::string(const std::string& kind, const std::string& value)> blind_index;
};

// The sealing of `cipher` (not null): SM4-GCM with the associated data security::FieldAad(table,
// column, row key), the convention of `zhixian keys reencrypt` (security/reencrypt.h).
TextSealer CipherSealer(std::shared_ptr<const security::FieldCipher> cipher);

}  // namespace zx::dialogue
