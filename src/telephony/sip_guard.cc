#include "telephony/sip_guard.h"

#include <arpa/inet.h>

#include <cstring>
#include <sstream>

namespace zx::telephony {
namespace {

std::vector<std::string> Words(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool AllDigits(std::string_view s) {
  if (s.empty() || s.size() > 6) return false;
  for (char ch : s)
    if (ch < '0' || ch > '9') return false;
  return true;
}

std::string ConnectionProblem(std::string_view value, bool ipv6) {
  auto w = Words(value);
  if (w.size() != 3) return "c= line is not 'IN IP4 ADDRESS'";
  if (w[0] != "IN") return "c= network type is not IN";
  std::string addr = w[2].substr(0, w[2].find('/'));  // multicast TTL/count
  unsigned char buf[16];
  if (w[1] == "IP4") {
    if (ipv6) return "c= address is IPv4, media is IPv6";
    if (inet_pton(AF_INET, addr.c_str(), buf) != 1) return "c= address is not an IPv4 address";
    return "";
  }
  if (w[1] == "IP6") {
    if (!ipv6) return "c= address is IPv6, which is not supported here";
    if (inet_pton(AF_INET6, addr.c_str(), buf) != 1) return "c= address is not an IPv6 address";
    return "";
  }
  return "c= address type is neither IP4 nor IP6";
}

}  // namespace

std::string SdpProblem(std::string_view sdp, bool ipv6) {
  bool session_c = false, in_media = false, audio = false, media_c = false, any_audio = false;
  auto end_media = [&]() -> std::string {
    if (in_media && audio && !media_c && !session_c) return "audio stream without c= address";
    return "";
  };
  size_t pos = 0;
  while (pos < sdp.size()) {
    size_t eol = sdp.find('\n', pos);
    std::string_view line = sdp.substr(pos, eol == std::string_view::npos ? sdp.npos : eol - pos);
    pos = eol == std::string_view::npos ? sdp.size() : eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() < 2 || line[1] != '=') continue;
    std::string_view value = line.substr(2);
    if (line[0] == 'c') {
      if (std::string p = ConnectionProblem(value, ipv6); !p.empty()) return p;
      (in_media ? media_c : session_c) = true;
    } else if (line[0] == 'm') {
      if (std::string p = end_media(); !p.empty()) return p;
      auto w = Words(value);
      if (w.size() < 4) return "m= line is incomplete";
      std::string port = w[1].substr(0, w[1].find('/'));
      if (!AllDigits(port) || std::stol(port) > 65535) return "m= port is not 0..65535";
      in_media = true;
      media_c = false;
      audio = w[0] == "audio";
      any_audio |= audio;
    }
  }
  if (std::string p = end_media(); !p.empty()) return p;
  if (!any_audio) return "no audio stream";
  return "";
}

Result<AllowList> AllowList::Parse(std::string_view text) {
  AllowList list;
  std::string s(text);
  for (char& ch : s)
    if (ch == ',' || ch == ';') ch = ' ';
  for (const std::string& item : Words(s)) {
    Entry e;
    std::string addr = item;
    int prefix = -1;
    if (auto slash = item.find('/'); slash != std::string::npos) {
      addr = item.substr(0, slash);
      std::string bits = item.substr(slash + 1);
      if (!AllDigits(bits) || bits.size() > 3)
        return InvalidArgument("sip.allow_from: bad prefix length in '" + item + "'");
      prefix = std::stoi(bits);
    }
    if (inet_pton(AF_INET, addr.c_str(), e.bytes) == 1) {
      e.family = AF_INET;
      e.prefix = prefix < 0 ? 32 : prefix;
      if (e.prefix > 32) return InvalidArgument("sip.allow_from: prefix over 32 in '" + item + "'");
    } else if (inet_pton(AF_INET6, addr.c_str(), e.bytes) == 1) {
      e.family = AF_INET6;
      e.prefix = prefix < 0 ? 128 : prefix;
      if (e.prefix > 128)
        return InvalidArgument("sip.allow_from: prefix over 128 in '" + item + "'");
    } else {
      return InvalidArgument("sip.allow_from: '" + item +
                             "' is not an IP address or prefix (host names are not resolved)");
    }
    list.entries_.push_back(e);
  }
  return list;
}

bool AllowList::Contains(const sockaddr* addr) const {
  if (!addr) return false;
  int family = addr->sa_family;
  const uint8_t* bytes = nullptr;
  if (family == AF_INET) {
    bytes = reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in*>(addr)->sin_addr);
  } else if (family == AF_INET6) {
    bytes =
        reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr);
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(bytes, kMapped, 12) == 0) {
      family = AF_INET;
      bytes += 12;
    }
  } else {
    return false;
  }
  for (const Entry& e : entries_) {
    if (e.family != family) continue;
    int full = e.prefix / 8, rest = e.prefix % 8;
    if (std::memcmp(e.bytes, bytes, static_cast<size_t>(full)) != 0) continue;
    if (rest) {
      uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
      if ((e.bytes[full] & mask) != (bytes[full] & mask)) continue;
    }
    return true;
  }
  return false;
}

}  // namespace zx::telephony
