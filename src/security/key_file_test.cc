#include "security/key_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "security/keys.h"
#include "security/testing/temp_dir.h"

namespace zx::security {
namespace {

using testing::TempDir;

// doctor's key-file check: a readable-by-others file fails with the chmod that fixes it; a good
// one is ok with its data key version; a missing configured one fails, a missing "auto" warns.
TEST(KeyFileHealth, JudgesModePlaceAndPresence) {
  TempDir keys, data;
  std::string path = keys.File("keys");
  ASSERT_TRUE(InitKeyFile(path, SystemClock::Instance()).ok());
  HealthCheck good = CheckKeyFileHealth(path, data.path());
  EXPECT_EQ(good.verdict, HealthCheck::Verdict::kOk) << good.what;
  EXPECT_EQ(good.what, path + " (mode 0600, data key version 1)");

  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  HealthCheck open = CheckKeyFileHealth(path, data.path());
  EXPECT_EQ(open.verdict, HealthCheck::Verdict::kFail);
  EXPECT_EQ(open.what, path + " has mode 0644 (others may read it)");
  EXPECT_EQ(open.fix, "chmod 600 " + path);

  HealthCheck missing = CheckKeyFileHealth(keys.File("nothing"), data.path());
  EXPECT_EQ(missing.verdict, HealthCheck::Verdict::kFail);
  EXPECT_EQ(CheckKeyFileHealth("", data.path()).verdict, HealthCheck::Verdict::kWarn);

  ASSERT_TRUE(InitKeyFile(data.File("keys"), SystemClock::Instance()).ok());
  HealthCheck inside = CheckKeyFileHealth(data.File("keys"), data.path());
  EXPECT_EQ(inside.verdict, HealthCheck::Verdict::kFail) << inside.what;
}

}  // namespace
}  // namespace zx::security
