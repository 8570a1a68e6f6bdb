#include "telephony/probes.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "base/clock.h"
#include "base/net_probe.h"
#include "telephony/sms_gateway.h"
#include "telephony/sms_http_gateway.h"

namespace zx::telephony {

HealthCheck CheckSipListen(const std::string& sip) {
  if (sip == "off" || sip.empty()) return HealthCheck::Ok("off (server.sip)");
  auto hp = SplitHostPort(sip);
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
  addrinfo* res = nullptr;
  if (!hp || ::getaddrinfo(hp->host.c_str(), hp->port.c_str(), &hints, &res) != 0)
    return HealthCheck::Fail("server.sip '" + sip + "' is not an IP:PORT",
                             "set server.sip to e.g. 0.0.0.0:5060, or off");
  int fd = ::socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int rc = fd < 0 ? -1 : ::bind(fd, res->ai_addr, res->ai_addrlen);
  int err = errno;
  if (fd >= 0) ::close(fd);
  ::freeaddrinfo(res);
  if (rc != 0)
    return HealthCheck::Warn(
        "cannot bind " + sip + ": " + std::strerror(err),
        err == EADDRINUSE ? "another process (a running zhixian?) holds it; stop it or change "
                            "server.sip"
                          : "choose an address of this host for server.sip");
  return HealthCheck::Ok("listen address " + sip + " is free");
}

OptionalHealthCheck CheckTrunk(const std::string& proxy, std::chrono::milliseconds timeout) {
  if (proxy.empty()) return std::nullopt;
  std::string rest = proxy.rfind("sip:", 0) == 0 ? proxy.substr(4) : proxy;
  bool tcp = rest.find(";transport=tcp") != std::string::npos;
  rest = rest.substr(0, rest.find(';'));
  if (auto at = rest.find('@'); at != std::string::npos) rest = rest.substr(at + 1);
  auto hp = SplitHostPort(rest);
  if (!hp) hp = HostPort{rest, "5060"};
  auto connected = ConnectWithin(*hp, tcp ? SOCK_STREAM : SOCK_DGRAM, timeout);
  if (!connected.ok())
    return HealthCheck::Fail(proxy + ": " + connected.status().message(),
                             "check trunk.proxy and the network path (firewall) to it");
  int fd = *connected;
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  char ip[INET6_ADDRSTRLEN] = "0.0.0.0";
  int lport = 0;
  if (local.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&local);
    ::inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    lport = ntohs(a->sin_port);
  }
  std::string branch = "z9hG4bK-doctor-" + std::to_string(std::random_device{}());
  std::string transport = tcp ? "TCP" : "UDP";
  std::string msg =
      "OPTIONS sip:" + hp->host + ":" + hp->port + " SIP/2.0\r\n" + "Via: SIP/2.0/" + transport +
      " " + ip + ":" + std::to_string(lport) + ";branch=" + branch +
      ";rport\r\nMax-Forwards: 70\r\nFrom: <sip:doctor@" + ip + ">;tag=" + branch +
      "\r\nTo: <sip:" + hp->host + ">\r\nCall-ID: " + branch + "@" + ip +
      "\r\nCSeq: 1 OPTIONS\r\nUser-Agent: zhixian-doctor\r\nContent-Length: 0\r\n\r\n";
  (void)::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL);
  pollfd p{fd, POLLIN, 0};
  char buf[512];
  ssize_t n = ::poll(&p, 1, static_cast<int>(timeout.count())) == 1
                  ? ::recv(fd, buf, sizeof buf - 1, 0)
                  : -1;
  ::close(fd);
  if (n > 8 && std::string(buf, 8) == "SIP/2.0 ") {
    std::string status(buf + 8, static_cast<size_t>(std::min<ssize_t>(n - 8, 3)));
    return HealthCheck::Ok(proxy + " answers OPTIONS (" + status + ")");
  }
  return HealthCheck::Fail(
      proxy + " did not answer an OPTIONS within " +
          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + " s",
      "check trunk.proxy, that the proxy accepts SIP from this host, and the firewall");
}

HealthCheck CheckAsr(const std::string& url, std::chrono::milliseconds timeout) {
  if (url.empty()) return HealthCheck::Ok("not configured (callers use keys; asr.url)");
  std::string rest = url;
  bool tls = rest.rfind("wss://", 0) == 0;
  if (auto scheme = rest.find("://"); scheme != std::string::npos) rest = rest.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  auto hp = SplitHostPort(rest);
  if (!hp) hp = HostPort{rest, tls ? "443" : "80"};
  auto connected = ConnectWithin(*hp, SOCK_STREAM, timeout);
  if (!connected.ok())
    return HealthCheck::Fail(url + ": " + connected.status().message(),
                             "start the FunASR runtime server or correct asr.url");
  ::close(*connected);
  return HealthCheck::Ok(url + " accepts connections");
}

}  // namespace zx::telephony

namespace zx::telephony {

HealthCheck CheckSms(const SmsConfig& config, const std::string& data_dir,
                     std::chrono::milliseconds timeout) {
  if (config.gateway == "none")
    return HealthCheck::Ok("not configured (sms.gateway = none: no SMS fall-back)");
  if (config.gateway == "file") {
    namespace fs = std::filesystem;
    fs::path file = fs::path(data_dir) / "sms.jsonl";
    std::error_code ec;
    // The file, or the nearest directory that exists (MakeSmsGateway creates the rest).
    fs::path probe = file;
    while (!fs::exists(probe, ec)) {
      fs::path parent = probe.parent_path();
      if (parent.empty()) parent = ".";
      if (parent == probe) break;
      probe = parent;
    }
    if (::access(probe.c_str(), W_OK) != 0)
      return HealthCheck::Fail(file.string() + " cannot be written (" + probe.string() + ": " +
                                   std::strerror(errno) + ")",
                               "make the data directory writable by this user (data.dir, --data)");
    return HealthCheck::Ok("file sink " + file.string() + " (demo: masked, nothing is sent)");
  }
  auto gateway = MakeSmsGateway(config, data_dir, SystemClock::Instance());
  if (!gateway.ok())
    return HealthCheck::Fail(gateway.status().message(),
                             "correct the [sms] key named (docs/telephony.md, SMS)");
  auto url = ParseHttpUrl(config.url);  // MakeSmsGateway checked it
  HostPort hp{url->host, std::to_string(url->port)};
  auto connected = ConnectWithin(hp, SOCK_STREAM, timeout);
  if (!connected.ok())
    return HealthCheck::Fail(url->host + ":" + hp.port + ": " + connected.status().message(),
                             "check sms.url and the network path (firewall, proxy) to it");
  ::close(*connected);
  return HealthCheck::Ok("http gateway " + url->host + ":" + hp.port +
                         " accepts connections (no message sent)");
}

}  // namespace zx::telephony
