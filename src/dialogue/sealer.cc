#include "dialogue/sealer.h"

namespace zx::dialogue {

TextSealer CipherSealer(std::shared_ptr<const security::FieldCipher> cipher) {
  TextSealer sealer;
  sealer.seal = [cipher](const std::string& plain, const std::string& table,
                         const std::string& column, const std::string& key) {
    return cipher->Encrypt(plain, security::FieldAad(table, column, key));
  };
  sealer.open = [cipher](const std::string& sealed, const std::string& table,
                         const std::string& column, const std::string& key) {
    return cipher->Decrypt(sealed, security::FieldAad(table, column, key));
  };
  sealer.blind_index = [cipher](const std::string& kind, const std::string& value) {
    return cipher->BlindIndex(kind, value);
  };
  return sealer;
}

}  // namespace zx::dialogue
