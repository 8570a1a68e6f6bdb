#include "security/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>

#include "security/crypto.h"

namespace zx::security {
namespace {

constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// Percent-encodes what is not unreserved (RFC 3986), for the otpauth URI's label and issuer.
std::string UriEscape(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

std::string NewTotpSecret() { return RandomBytes(kTotpSecretBytes); }

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32[(buffer << (5 - bits)) & 31]);
  return out;
}

Result<std::string> Base32Decode(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char ch : text) {
    if (ch == ' ' || ch == '=' || ch == '-') continue;
    char c = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= '2' && c <= '7' ? c - '2' + 26 : -1;
    if (v < 0) return InvalidArgument("not base32: '" + std::string(1, ch) + "'");
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

std::string TotpCode(std::string_view secret, int64_t step, int digits) {
  unsigned char counter[8];
  for (int i = 7; i >= 0; --i) {
    counter[i] = static_cast<unsigned char>(step & 0xFF);
    step >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  static const unsigned char kEmpty = 0;
  const void* key = secret.empty() ? static_cast<const void*>(&kEmpty) : secret.data();
  HMAC(EVP_sha1(), key, static_cast<int>(secret.size()), counter, sizeof(counter), mac, &len);
  // RFC 4226 dynamic truncation.
  int offset = mac[len - 1] & 0x0F;
  uint32_t binary = (uint32_t(mac[offset] & 0x7F) << 24) | (uint32_t(mac[offset + 1]) << 16) |
                    (uint32_t(mac[offset + 2]) << 8) | uint32_t(mac[offset + 3]);
  uint32_t modulo = 1;
  for (int i = 0; i < digits; ++i) modulo *= 10;
  std::string code = std::to_string(binary % modulo);
  return std::string(static_cast<size_t>(digits) - code.size(), '0') + code;
}

std::optional<int64_t> MatchTotp(std::string_view secret, std::string_view code,
                                 int64_t unix_seconds, int window) {
  if (code.size() != static_cast<size_t>(kTotpDigits)) return std::nullopt;
  int64_t now = unix_seconds / kTotpStepSeconds;
  std::optional<int64_t> match;
  for (int64_t step = now - window; step <= now + window; ++step)
    if (ConstantTimeEquals(TotpCode(secret, step), code) && !match) match = step;
  return match;
}

std::string OtpauthUri(std::string_view issuer, std::string_view account, std::string_view secret) {
  return "otpauth://totp/" + UriEscape(issuer) + ":" + UriEscape(account) +
         "?secret=" + Base32Encode(secret) + "&issuer=" + UriEscape(issuer) +
         "&algorithm=SHA1&digits=" + std::to_string(kTotpDigits) +
         "&period=" + std::to_string(kTotpStepSeconds);
}

}  // namespace zx::security
