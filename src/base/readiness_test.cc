#include "base/readiness.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/pid_file.h"

namespace zx {
namespace {

TEST(Readiness, ReadyUntilTheDatabaseFailsOrTheNodeDrains) {
  Readiness r;
  EXPECT_EQ(r.Why(), "");
  r.SetDatabase(Unavailable("connection refused"));
  EXPECT_EQ(r.Why(), "database unreachable: connection refused");
  r.SetDatabase(Status::Ok());
  EXPECT_EQ(r.Why(), "");  // back by itself
  r.StartDraining();
  r.SetDatabase(Unavailable("connection refused"));
  EXPECT_EQ(r.Why(), "draining");  // for good, and first
  r.SetDatabase(Status::Ok());
  EXPECT_TRUE(r.draining());
  EXPECT_EQ(r.Why(), "draining");
}

TEST(PidFile, NamesThisProcessWhileItLivesAndNothingAfter) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("zx_pid_" + std::to_string(getpid()))).string();
  EXPECT_EQ(RunningPid(path).status().code(), Code::kNotFound);
  {
    auto pid_file = PidFile::Create(path);
    ASSERT_TRUE(pid_file.ok()) << pid_file.status().message();
    auto pid = RunningPid(path);
    ASSERT_TRUE(pid.ok()) << pid.status().message();
    EXPECT_EQ(*pid, getpid());
  }
  EXPECT_FALSE(std::filesystem::exists(path));  // removed with it

  // A node killed leaves its file: a process that is gone is not running.
  pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  std::ofstream(path) << child << "\n";
  auto stale = RunningPid(path);
  EXPECT_EQ(stale.status().code(), Code::kNotFound);
  EXPECT_NE(stale.status().message().find("is not running"), std::string::npos);
  std::ofstream(path) << "not a pid\n";
  EXPECT_EQ(RunningPid(path).status().code(), Code::kInvalidArgument);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace zx
