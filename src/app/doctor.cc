#include "app/doctor.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <thread>

#include "app/security_context.h"
#include "dialogue/conversation_store.h"
#include "knowledge/loader.h"
#include "knowledge/store.h"
#include "security/audit_check.h"
#include "security/key_file.h"
#include "security/keys.h"

namespace zx::app {
namespace {

namespace fs = std::filesystem;

constexpr int kNetworkTimeoutMs = 2000;  // each network check, so that doctor stays quick

enum class Verdict { kOk, kWarn, kFail };

class Report {
 public:
  explicit Report(std::ostream& out) : out_(out) {}
  void Add(Verdict v, const std::string& check, const std::string& what,
           const std::string& fix = "") {
    const char* tag = v == Verdict::kOk ? "ok  " : v == Verdict::kWarn ? "warn" : "FAIL";
    std::string name = check;
    if (name.size() < 12) name.resize(12, ' ');
    out_ << tag << "  " << name << "  " << what;
    if (!fix.empty()) out_ << "\n" << std::string(20, ' ') << "fix: " << fix;
    out_ << "\n";
    if (v == Verdict::kFail) ++failures_;
    if (v == Verdict::kWarn) ++warnings_;
  }
  int failures() const { return failures_; }
  int warnings() const { return warnings_; }

 private:
  std::ostream& out_;
  int failures_ = 0;
  int warnings_ = 0;
};

struct HostPort {
  std::string host;
  std::string port;
};

// "HOST:PORT" or "[V6]:PORT".
std::optional<HostPort> SplitHostPort(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= s.size()) return std::nullopt;
  std::string host = s.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return HostPort{host, s.substr(colon + 1)};
}

// getaddrinfo, waited for at most the network timeout: a host name with unreachable name
// servers (an offline machine) can take much longer. A lookup still running is left to finish
// on its own thread; its result is freed there.
int Resolve(const HostPort& hp, int type, addrinfo** res, std::string* error) {
  struct Lookup {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false, abandoned = false;
    int rc = 0;
    addrinfo* res = nullptr;
  };
  auto lookup = std::make_shared<Lookup>();
  std::thread([lookup, hp, type] {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = type;
    addrinfo* out = nullptr;
    int rc = ::getaddrinfo(hp.host.c_str(), hp.port.c_str(), &hints, &out);
    std::lock_guard lock(lookup->mu);
    if (lookup->abandoned) {
      if (rc == 0) ::freeaddrinfo(out);
      return;
    }
    lookup->rc = rc;
    lookup->res = out;
    lookup->done = true;
    lookup->cv.notify_all();
  }).detach();
  std::unique_lock lock(lookup->mu);
  if (!lookup->cv.wait_for(lock, std::chrono::milliseconds(kNetworkTimeoutMs),
                           [&] { return lookup->done; })) {
    lookup->abandoned = true;
    *error = "cannot resolve " + hp.host + " within 2 s (name servers unreachable?)";
    return -1;
  }
  if (lookup->rc != 0) {
    *error = "cannot resolve " + hp.host + ": " + ::gai_strerror(lookup->rc);
    return -1;
  }
  *res = lookup->res;
  return 0;
}

// A socket connected (TCP) or aimed (UDP) at host:port within the timeout; -1 and `*error`.
int Connect(const HostPort& hp, int type, std::string* error) {
  addrinfo* res = nullptr;
  if (Resolve(hp, type, &res, error) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = res; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    if (errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int err = 0;
      socklen_t len = sizeof(err);
      if (::poll(&p, 1, kNetworkTimeoutMs) == 1 &&
          ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
        break;
      *error = err ? std::strerror(err) : "no answer within 2 s";
    } else {
      *error = std::strerror(errno);
    }
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  return fd;
}

void CheckKeyFile(const Config& config, Report& r) {
  const std::string& configured = config.security.key_file;
  std::string path =
      configured == security::kAutoKeyFile ? security::DefaultKeyFilePath() : configured;
  if (path.empty()) {
    r.Add(Verdict::kWarn, "key file",
          configured.empty() ? "none (security.key_file is empty): conversations cannot be read "
                               "after a restart"
                             : "no default place for it (neither XDG_CONFIG_HOME nor HOME is set)",
          "remove security.key_file (default auto) or set it to a path outside the data "
          "directory");
    return;
  }
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    if (configured == security::kAutoKeyFile)
      r.Add(Verdict::kWarn, "key file", path + " does not exist yet",
            "zhixian serve creates it at the first start (or: zhixian keys init)");
    else
      r.Add(Verdict::kFail, "key file", path + " (security.key_file) does not exist",
            "zhixian keys init --key-file " + path + ", or restore it from the backup");
    return;
  }
  Status outside = security::CheckKeyFileOutside(path, config.data.dir);
  if (!outside.ok()) {
    r.Add(Verdict::kFail, "key file", outside.message(),
          "move it outside " + config.data.dir + " and set security.key_file");
    return;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    r.Add(Verdict::kFail, "key file", path + " has mode " + mode + " (others may read it)",
          "chmod 600 " + path);
    return;
  }
  auto ring = security::KeyRing::Load(path);
  if (!ring.ok()) {
    r.Add(Verdict::kFail, "key file", ring.status().message(),
          "restore the key file from the backup");
    return;
  }
  r.Add(Verdict::kOk, "key file",
        path + " (mode 0600, data key version " + std::to_string(ring->current_version()) + ")");
}

void CheckDatabase(const Config& config, Report& r) {
  auto db = OpenAppDatabase(config);
  if (!db.ok()) {
    r.Add(Verdict::kFail, "database", db.status().message(),
          "check that " + config.data.dir + " is writable by this user (data.dir, --data)");
    return;
  }
  // The migrations a start applies; each is applied once, so this is what serve would do.
  Status migrated = knowledge::MigrateKnowledge(**db);
  if (migrated.ok()) migrated = dialogue::ConversationStore::Open(**db, {}).status();
  auto security = migrated.ok() ? OpenSecurity(**db, config, SystemClock::Instance())
                                : Result<std::unique_ptr<SecurityContext>>(migrated);
  if (!security.ok()) {
    r.Add(Verdict::kFail, "database", security.status().message(),
          "restore the data directory from the backup, or fix what the message names");
    return;
  }
  Status audit = security::CheckAuditAtStart(*(*security)->audit, true);
  if (!audit.ok()) {
    r.Add(Verdict::kFail, "database", audit.message(),
          "zhixian audit verify; see docs/security.md (audit log)");
    return;
  }
  r.Add(Verdict::kOk, "database",
        (fs::path(config.data.dir) / "zhixian.db").string() +
            " opens, migrations apply, audit "
            "chain verifies");
}

void CheckKnowledge(const Config& config, Report& r) {
  auto kb = knowledge::LoadKnowledgeBase(config.knowledge.kb_dir);
  if (!kb.ok()) {
    r.Add(Verdict::kFail, "knowledge", kb.status().message(),
          "fix the file and line named, or point knowledge.kb_dir (--kb) at the knowledge base");
    return;
  }
  r.Add(Verdict::kOk, "knowledge",
        config.knowledge.kb_dir + " (" + std::to_string(kb->entries.size()) + " entries)");
}

// The listen address, bound and released at once (UDP, as calls arrive there first).
void CheckSipListen(const Config& config, Report& r) {
  const std::string& sip = config.server.sip;
  if (sip == "off" || sip.empty()) {
    r.Add(Verdict::kOk, "sip", "off (server.sip)");
    return;
  }
  auto hp = SplitHostPort(sip);
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
  addrinfo* res = nullptr;
  if (!hp || ::getaddrinfo(hp->host.c_str(), hp->port.c_str(), &hints, &res) != 0) {
    r.Add(Verdict::kFail, "sip", "server.sip '" + sip + "' is not an IP:PORT",
          "set server.sip to e.g. 0.0.0.0:5060, or off");
    return;
  }
  int fd = ::socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int rc = fd < 0 ? -1 : ::bind(fd, res->ai_addr, res->ai_addrlen);
  int err = errno;
  if (fd >= 0) ::close(fd);
  ::freeaddrinfo(res);
  if (rc != 0) {
    r.Add(Verdict::kWarn, "sip", "cannot bind " + sip + ": " + std::strerror(err),
          err == EADDRINUSE ? "another process (a running zhixian?) holds it; stop it or change "
                              "server.sip"
                            : "choose an address of this host for server.sip");
    return;
  }
  r.Add(Verdict::kOk, "sip", "listen address " + sip + " is free");
}

// A configured trunk: one OPTIONS, any SIP answer within the timeout means reachable.
void CheckTrunk(const Config& config, Report& r) {
  std::string proxy = config.trunk.proxy;
  if (proxy.empty()) return;
  std::string rest = proxy.rfind("sip:", 0) == 0 ? proxy.substr(4) : proxy;
  bool tcp = rest.find(";transport=tcp") != std::string::npos;
  rest = rest.substr(0, rest.find(';'));
  if (auto at = rest.find('@'); at != std::string::npos) rest = rest.substr(at + 1);
  auto hp = SplitHostPort(rest);
  if (!hp) hp = HostPort{rest, "5060"};
  std::string error;
  int fd = Connect(*hp, tcp ? SOCK_STREAM : SOCK_DGRAM, &error);
  if (fd < 0) {
    r.Add(Verdict::kFail, "trunk", proxy + ": " + error,
          "check trunk.proxy and the network path (firewall) to it");
    return;
  }
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
  ssize_t n = ::poll(&p, 1, kNetworkTimeoutMs) == 1 ? ::recv(fd, buf, sizeof buf - 1, 0) : -1;
  ::close(fd);
  if (n > 8 && std::string(buf, 8) == "SIP/2.0 ") {
    std::string status(buf + 8, static_cast<size_t>(std::min<ssize_t>(n - 8, 3)));
    r.Add(Verdict::kOk, "trunk", proxy + " answers OPTIONS (" + status + ")");
  } else {
    r.Add(Verdict::kFail, "trunk", proxy + " did not answer an OPTIONS within 2 s",
          "check trunk.proxy, that the proxy accepts SIP from this host, and the firewall");
  }
}

void CheckAsr(const Config& config, Report& r) {
  const std::string& url = config.asr.url;
  if (url.empty()) {
    r.Add(Verdict::kOk, "asr", "not configured (callers use keys; asr.url)");
    return;
  }
  std::string rest = url;
  bool tls = rest.rfind("wss://", 0) == 0;
  if (auto scheme = rest.find("://"); scheme != std::string::npos) rest = rest.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  auto hp = SplitHostPort(rest);
  if (!hp) hp = HostPort{rest, tls ? "443" : "80"};
  std::string error;
  int fd = Connect(*hp, SOCK_STREAM, &error);
  if (fd < 0) {
    r.Add(Verdict::kFail, "asr", url + ": " + error,
          "start the FunASR runtime server or correct asr.url");
    return;
  }
  ::close(fd);
  r.Add(Verdict::kOk, "asr", url + " accepts connections");
}

void CheckConsole(Report& r) {
  std::error_code ec;
  if (fs::exists("web/console/dist/index.html", ec)) {
    r.Add(Verdict::kOk, "console", "web/console/dist is built");
  } else if (fs::exists("web/console", ec)) {
    r.Add(Verdict::kWarn, "console", "web/console/dist is not built",
          "(cd web/console && npm ci && npm run build)");
  } else {
    r.Add(Verdict::kWarn, "console",
          "no staff console here (web/console); the chat page and the API work without it",
          "run zhixian from the repository root to serve web/");
  }
}

}  // namespace

int RunDoctor(const CommonFlags& flags, std::ostream& out) {
  Report r(out);
  auto config = LoadAppConfig(flags);
  if (!config.ok()) {
    r.Add(Verdict::kFail, "config", config.status().message(),
          "correct the key named (zhixian config lists every key)");
    out << "1 check failed\n";
    return 2;
  }
  r.Add(Verdict::kOk, "config",
        flags.config_file.empty() ? "defaults (no --config)" : flags.config_file);
  CheckKeyFile(*config, r);
  CheckDatabase(*config, r);
  CheckKnowledge(*config, r);
  CheckSipListen(*config, r);
  CheckTrunk(*config, r);
  CheckAsr(*config, r);
  CheckConsole(r);
  if (r.failures() > 0) {
    out << r.failures() << (r.failures() == 1 ? " check failed" : " checks failed") << "\n";
    return 1;
  }
  out << "all checks passed" << (r.warnings() ? " (with warnings)" : "") << "\n";
  return 0;
}

}  // namespace zx::app
