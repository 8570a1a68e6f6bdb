#include "base/net_probe.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

namespace zx {
namespace {

std::string Seconds(std::chrono::milliseconds timeout) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + " s";
}

// getaddrinfo, waited for at most `timeout`: a host name with unreachable name servers (an
// offline machine) can take much longer. A lookup still running is left to finish on its own
// thread; its result is freed there.
Result<addrinfo*> Resolve(const HostPort& hp, int type, std::chrono::milliseconds timeout) {
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
  if (!lookup->cv.wait_for(lock, timeout, [&] { return lookup->done; })) {
    lookup->abandoned = true;
    return Unavailable("cannot resolve " + hp.host + " within " + Seconds(timeout) +
                       " (name servers unreachable?)");
  }
  if (lookup->rc != 0)
    return Unavailable("cannot resolve " + hp.host + ": " + ::gai_strerror(lookup->rc));
  return lookup->res;
}

}  // namespace

std::optional<HostPort> SplitHostPort(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= s.size()) return std::nullopt;
  std::string host = s.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return HostPort{host, s.substr(colon + 1)};
}

Result<int> ConnectWithin(const HostPort& hp, int socket_type, std::chrono::milliseconds timeout) {
  ZX_ASSIGN_OR_RETURN(addrinfo * res, Resolve(hp, socket_type, timeout));
  std::string error;
  int fd = -1;
  for (addrinfo* a = res; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    if (errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int err = 0;
      socklen_t len = sizeof(err);
      if (::poll(&p, 1, static_cast<int>(timeout.count())) == 1 &&
          ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
        break;
      error = err ? std::strerror(err) : "no answer within " + Seconds(timeout);
    } else {
      error = std::strerror(errno);
    }
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  if (fd < 0) return Unavailable(error);
  return fd;
}

}  // namespace zx
