// The process id of a running `zhixian serve`, in a file of its data directory, so that an
// operator's command on the same machine (`zhixian drain`) can find the node it means.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/status.h"

namespace zx {

class PidFile {
 public:
  // Writes this process's id to `path` (replacing a stale file).
  static Result<PidFile> Create(std::string path);
  PidFile(PidFile&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  PidFile& operator=(PidFile&&) = delete;
  ~PidFile();  // removes the file

 private:
  explicit PidFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// The id in `path` when that process still runs: kNotFound when there is no file or it names a
// process that has gone (a node killed), kInvalidArgument when the file is not a pid file.
Result<pid_t> RunningPid(const std::string& path);

}  // namespace zx
