#include "base/pid_file.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>

#include "base/file.h"

namespace zx {

Result<PidFile> PidFile::Create(std::string path) {
  ZX_RETURN_IF_ERROR(ReplaceFile(path, std::to_string(getpid()) + "\n"));
  return PidFile(std::move(path));
}

PidFile::~PidFile() {
  // Only our own: a node started again in the same directory wrote its id over ours.
  if (!path_.empty()) {
    auto pid = RunningPid(path_);
    if (pid.ok() && *pid == getpid()) std::remove(path_.c_str());
  }
}

Result<pid_t> RunningPid(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound("no " + path + ": no zhixian serve runs with this data directory");
  long pid = 0;
  if (!(in >> pid) || pid <= 1) return InvalidArgument(path + " does not hold a process id");
  if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
    return NotFound("the zhixian serve of " + path + " (pid " + std::to_string(pid) +
                    ") is not running");
  return static_cast<pid_t>(pid);
}

}  // namespace zx
