#include "telephony/trunk.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "telephony/gateway.h"

namespace zx::telephony {

const char* SipTransportName(SipTransport transport) {
  switch (transport) {
    case SipTransport::kUdp:
      return "udp";
    case SipTransport::kTcp:
      return "tcp";
    case SipTransport::kDefault:
      break;
  }
  return "default";
}

namespace {

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

// RFC 3261 "token": header names.
bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("-.!%*_+`'~").find(c) == std::string_view::npos)
      return false;
  return true;
}

// URI user part characters we accept from the caller (unreserved and a few user marks); the
// rest would need escaping rules that no telephone number needs.
bool IsUriUserChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("-_.!~*'()&=+$,;?/%").find(c) != std::string_view::npos;
}

}  // namespace

std::string SipUri::HostPort() const { return port ? host + ":" + std::to_string(port) : host; }

std::string SipUri::ToString() const {
  return "sip:" + (user.empty() ? std::string() : user + "@") + HostPort() + params;
}

std::string SipUri::Param(std::string_view name) const {
  size_t pos = 0;
  while (pos < params.size()) {
    size_t start = pos + 1;  // past ';'
    size_t end = params.find(';', start);
    if (end == std::string::npos) end = params.size();
    std::string_view item(params.data() + start, end - start);
    size_t eq = item.find('=');
    if (IEquals(item.substr(0, eq), name))
      return eq == std::string_view::npos ? std::string() : std::string(item.substr(eq + 1));
    pos = end;
  }
  return {};
}

void SipUri::SetParam(std::string_view name, std::string_view value) {
  std::string out;
  size_t pos = 0;
  while (pos < params.size()) {
    size_t start = pos + 1;
    size_t end = params.find(';', start);
    if (end == std::string::npos) end = params.size();
    std::string_view item(params.data() + start, end - start);
    if (!IEquals(item.substr(0, item.find('=')), name)) out += ";" + std::string(item);
    pos = end;
  }
  out += ";" + std::string(name) + "=" + std::string(value);
  params = std::move(out);
}

Result<SipUri> ParseSipUri(std::string_view text) {
  auto bad = [&](const char* why) {
    return InvalidArgument("SIP URI '" + std::string(text) + "': " + why);
  };
  if (text.size() > 256) return bad("longer than 256 characters");
  for (char c : text)
    if (static_cast<unsigned char>(c) <= ' ' || c == '<' || c == '>' || c == '"')
      return bad("contains spaces, control characters, quotes or angle brackets");
  if (text.size() >= 5 && IEquals(text.substr(0, 5), "sips:"))
    return bad("sips (TLS) is not supported");
  if (text.size() < 4 || !IEquals(text.substr(0, 4), "sip:")) return bad("must start with sip:");
  std::string_view rest = text.substr(4);
  if (rest.find('?') != std::string_view::npos) return bad("URI headers (?...) are not supported");
  SipUri uri;
  size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    uri.user = std::string(rest.substr(0, at));
    if (uri.user.empty()) return bad("empty user part");
    for (char c : uri.user)
      if (!IsUriUserChar(c)) return bad("user part has a character that needs escaping");
    rest = rest.substr(at + 1);
  }
  size_t semi = rest.find(';');
  std::string_view hostport = rest.substr(0, semi);
  if (semi != std::string_view::npos) uri.params = std::string(rest.substr(semi));
  std::string_view port_text;
  if (!hostport.empty() && hostport.front() == '[') {
    size_t close = hostport.find(']');
    if (close == std::string_view::npos) return bad("unclosed IPv6 literal");
    uri.host = std::string(hostport.substr(0, close + 1));
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("junk after the IPv6 literal");
      port_text = after.substr(1);
    }
  } else {
    size_t colon = hostport.find(':');
    uri.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) port_text = hostport.substr(colon + 1);
    for (char c : uri.host)
      if (!IsHostChar(c)) return bad("host is not a name or an IPv4 address");
  }
  if (uri.host.empty()) return bad("no host");
  if (!port_text.empty() || (hostport.size() && hostport.back() == ':')) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || value == 0 ||
        value > 65535)
      return bad("port is not 1-65535");
    uri.port = static_cast<uint16_t>(value);
  }
  if (!uri.params.empty()) {
    if (uri.params.find(";;") != std::string::npos || uri.params.back() == ';')
      return bad("empty parameter");
  }
  return uri;
}

bool IsDialableUser(std::string_view user) {
  if (user.empty() || user.size() > 64) return false;
  for (char c : user)
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("+*#.-_").find(c) == std::string_view::npos)
      return false;
  return true;
}

Status ValidateTrunk(const TrunkOptions& trunk) {
  if (!trunk.configured()) {
    if (trunk.register_enabled) return InvalidArgument("trunk.register needs trunk.proxy");
    return Status::Ok();
  }
  auto proxy = ParseSipUri(trunk.proxy);
  if (!proxy.ok()) return InvalidArgument("trunk.proxy: " + proxy.status().message());
  std::string transport = proxy->Param("transport");
  if (!transport.empty() && !IEquals(transport, "udp") && !IEquals(transport, "tcp"))
    return InvalidArgument("trunk.proxy: transport must be udp or tcp, not '" + transport + "'");
  if (!trunk.domain.empty()) {
    auto domain = ParseSipUri("sip:" + trunk.domain);
    if (!domain.ok() || !domain->user.empty() || !domain->params.empty())
      return InvalidArgument("trunk.domain '" + trunk.domain + "' is not HOST[:PORT]");
  }
  if (!trunk.from_user.empty() && !IsDialableUser(trunk.from_user))
    return InvalidArgument("trunk.from_user '" + trunk.from_user + "' is not a dialable user");
  if (!trunk.username.empty() && !IsDialableUser(trunk.username))
    return InvalidArgument("trunk.username has characters other than digits, letters, +*#.-_");
  if (trunk.register_enabled) {
    if (trunk.username.empty()) return InvalidArgument("trunk.register needs trunk.username");
    if (trunk.register_expires_s < 60)
      return InvalidArgument("trunk.register_expires must be at least 60 seconds");
  }
  return Status::Ok();
}

Result<DialTarget> ResolveDialTarget(std::string_view number_or_uri, const TrunkOptions& trunk,
                                     SipTransport transport) {
  DialTarget target;
  SipUri request;
  bool is_uri = number_or_uri.find(':') != std::string_view::npos;
  if (is_uri) {
    auto uri = ParseSipUri(number_or_uri);
    if (!uri.ok()) return uri.status();
    request = std::move(*uri);
    target.user_masked = MaskNumber(request.user);
  } else {
    if (!IsDialableUser(number_or_uri))
      return InvalidArgument("number '" + MaskNumber(number_or_uri) +
                             "': only digits, letters and + * # . - _ (1-64 characters)");
    if (!trunk.configured())
      return FailedPrecondition("no trunk is configured: dial a full SIP URI or set trunk.proxy");
    auto proxy = ParseSipUri(trunk.proxy);
    if (!proxy.ok()) return proxy.status();
    std::string user;
    for (char c : number_or_uri) user += c == '#' ? std::string("%23") : std::string(1, c);
    request.user = user;
    if (trunk.domain.empty()) {
      request.host = proxy->host;
      request.port = proxy->port;
    } else {
      auto domain = ParseSipUri("sip:" + trunk.domain);
      if (!domain.ok()) return domain.status();
      request.host = domain->host;
      request.port = domain->port;
    }
    target.user_masked = MaskNumber(number_or_uri);
  }

  SipUri route;
  bool have_route = false;
  if (trunk.configured()) {
    auto proxy = ParseSipUri(trunk.proxy);
    if (!proxy.ok()) return proxy.status();
    route = std::move(*proxy);
    route.user.clear();
    // A request URI that already names the proxy needs no Route header.
    have_route = !(IEquals(route.host, request.host) && route.port == request.port);
    if (!have_route && request.Param("transport").empty() && !route.Param("transport").empty())
      request.SetParam("transport", route.Param("transport"));
  }
  if (transport != SipTransport::kDefault) {
    if (have_route)
      route.SetParam("transport", SipTransportName(transport));
    else
      request.SetParam("transport", SipTransportName(transport));
  }
  target.request_uri = request.ToString();
  if (have_route) target.route = route.ToString();
  return target;
}

Result<std::string> UriHeaders(const std::vector<std::pair<std::string, std::string>>& headers) {
  auto checked = FormatExtraHeaders(headers);
  if (!checked.ok()) return checked.status();
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const auto& [name, value] : headers) {
    out += out.empty() ? '?' : '&';
    out += name;
    out += '=';
    for (unsigned char c : value) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
  }
  return out;
}

Result<std::string> FormatExtraHeaders(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  static constexpr std::string_view kReserved[] = {"via",
                                                   "from",
                                                   "to",
                                                   "call-id",
                                                   "cseq",
                                                   "contact",
                                                   "route",
                                                   "record-route",
                                                   "max-forwards",
                                                   "content-length",
                                                   "content-type",
                                                   "content-encoding",
                                                   "f",
                                                   "t",
                                                   "i",
                                                   "v",
                                                   "m",
                                                   "l",
                                                   "c",
                                                   "e"};
  std::string out;
  for (const auto& [name, value] : headers) {
    if (!IsToken(name)) return InvalidArgument("header name '" + name + "' is not a SIP token");
    for (std::string_view reserved : kReserved)
      if (IEquals(name, reserved))
        return InvalidArgument("header '" + name + "' is written by the SIP stack itself");
    for (char c : value)
      if (c == '\r' || c == '\n' || c == '\0')
        return InvalidArgument("header '" + name + "' has a line break in its value");
    if (value.size() > 512) return InvalidArgument("header '" + name + "' is over 512 bytes");
    out += name + ": " + value + "\r\n";
  }
  return out;
}

}  // namespace zx::telephony
