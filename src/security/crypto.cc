#include "security/crypto.h"

#include <gcrypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>

namespace zx::security {
namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "zhixian: fatal: %s\n", what);
  std::abort();
}

void InitGcrypt() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Another library in the process may have initialised libgcrypt already; then leave it.
    if (gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) return;
    if (!gcry_check_version(GCRYPT_VERSION)) Die("libgcrypt version mismatch");
    // Keys live in ordinary memory (wiped after use); libgcrypt's secure memory pool would
    // need mlock limits and prints warnings otherwise.
    gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
    gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
  });
}

const EVP_MD* Sm3Md() {
  // Fetched once; EVP_MD objects are immutable and shareable across threads.
  static EVP_MD* md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SM3", nullptr);
    if (!m) Die("OpenSSL has no SM3 digest");
    return m;
  }();
  return md;
}

struct CipherCloser {
  void operator()(gcry_cipher_hd_t h) const { gcry_cipher_close(h); }
};
using CipherHandle = std::unique_ptr<std::remove_pointer_t<gcry_cipher_hd_t>, CipherCloser>;

Result<CipherHandle> OpenGcm(std::string_view key, std::string_view nonce, std::string_view aad) {
  if (key.size() != kSm4KeyBytes)
    return InvalidArgument("SM4 key must be 16 bytes, got " + std::to_string(key.size()));
  if (nonce.size() != kGcmNonceBytes)
    return InvalidArgument("GCM nonce must be 12 bytes, got " + std::to_string(nonce.size()));
  InitGcrypt();
  gcry_cipher_hd_t raw = nullptr;
  if (gcry_cipher_open(&raw, GCRY_CIPHER_SM4, GCRY_CIPHER_MODE_GCM, 0)) Die("gcry_cipher_open");
  CipherHandle h(raw);
  if (gcry_cipher_setkey(h.get(), key.data(), key.size())) Die("gcry_cipher_setkey");
  if (gcry_cipher_setiv(h.get(), nonce.data(), nonce.size())) Die("gcry_cipher_setiv");
  if (gcry_cipher_authenticate(h.get(), aad.data(), aad.size())) Die("gcry_cipher_authenticate");
  return h;
}

}  // namespace

std::string Sm3(std::string_view data) {
  std::string out(kSm3Bytes, '\0');
  unsigned int len = 0;
  if (!EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len,
                  Sm3Md(), nullptr) ||
      len != kSm3Bytes)
    Die("EVP_Digest(SM3)");
  return out;
}

std::string HmacSm3(std::string_view key, std::string_view data) {
  std::string out(kSm3Bytes, '\0');
  unsigned int len = 0;
  // HMAC() with a NULL key pointer would fail; an empty key is legal in HMAC.
  static const unsigned char kEmpty = 0;
  const void* k = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  if (!HMAC(Sm3Md(), k, static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(),
            reinterpret_cast<unsigned char*>(out.data()), &len) ||
      len != kSm3Bytes)
    Die("HMAC(SM3)");
  return out;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    Die("RAND_bytes: the system random source failed");
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<std::string> Sm4GcmEncrypt(std::string_view key, std::string_view nonce,
                                  std::string_view aad, std::string_view plaintext) {
  ZX_ASSIGN_OR_RETURN(auto h, OpenGcm(key, nonce, aad));
  std::string out(plaintext.size() + kGcmTagBytes, '\0');
  if (gcry_cipher_final(h.get())) Die("gcry_cipher_final");
  if (gcry_cipher_encrypt(h.get(), out.data(), plaintext.size(), plaintext.data(),
                          plaintext.size()))
    Die("gcry_cipher_encrypt");
  if (gcry_cipher_gettag(h.get(), out.data() + plaintext.size(), kGcmTagBytes))
    Die("gcry_cipher_gettag");
  return out;
}

Result<std::string> Sm4GcmDecrypt(std::string_view key, std::string_view nonce,
                                  std::string_view aad, std::string_view ciphertext_and_tag) {
  if (ciphertext_and_tag.size() < kGcmTagBytes)
    return DataLoss("SM4-GCM ciphertext shorter than its tag");
  ZX_ASSIGN_OR_RETURN(auto h, OpenGcm(key, nonce, aad));
  size_t n = ciphertext_and_tag.size() - kGcmTagBytes;
  std::string out(n, '\0');
  if (gcry_cipher_final(h.get())) Die("gcry_cipher_final");
  if (gcry_cipher_decrypt(h.get(), out.data(), n, ciphertext_and_tag.data(), n))
    Die("gcry_cipher_decrypt");
  if (gcry_cipher_checktag(h.get(), ciphertext_and_tag.data() + n, kGcmTagBytes)) {
    Wipe(out);
    return DataLoss(
        "SM4-GCM authentication failed (wrong key or associated data, or the "
        "ciphertext was changed)");
  }
  return out;
}

Result<std::string> Sm4GcmSeal(std::string_view key, std::string_view aad,
                               std::string_view plaintext) {
  std::string nonce = RandomBytes(kGcmNonceBytes);
  ZX_ASSIGN_OR_RETURN(auto ct, Sm4GcmEncrypt(key, nonce, aad, plaintext));
  return nonce + ct;
}

Result<std::string> Sm4GcmOpen(std::string_view key, std::string_view aad,
                               std::string_view sealed) {
  if (sealed.size() < kGcmNonceBytes + kGcmTagBytes)
    return DataLoss("SM4-GCM sealed value too short");
  return Sm4GcmDecrypt(key, sealed.substr(0, kGcmNonceBytes), aad, sealed.substr(kGcmNonceBytes));
}

void Wipe(std::string& secret) {
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

}  // namespace zx::security
