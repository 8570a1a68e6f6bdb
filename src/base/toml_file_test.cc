#include "base/toml_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace zx {
namespace {

TEST(TomlFile, SyntaxErrorsNameTheFileAndLine) {
  auto ok = ParseToml("a = 1\n[b]\nc = \"x\"\n", "kb/x.toml");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)["b"]["c"].value<std::string>(), "x");
  auto bad = ParseToml("a = 1\n\nb = = 2\n", "kb/x.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad.status().message().rfind("kb/x.toml:3: ", 0), 0u) << bad.status().message();
}

TEST(TomlFile, ReadsFilesAndSaysWhenItCannot) {
  std::string path = ::testing::TempDir() + "/zx-toml-file-test.toml";
  { std::ofstream(path) << "[ivr]\nprompt = \"您好\"\n"; }
  auto t = ReadTomlFile(path);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ((*t)["ivr"]["prompt"].value<std::string>(), "您好");
  std::remove(path.c_str());
  auto missing = ReadTomlFile(path);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(missing.status().message(), path + ": no such file");
}

}  // namespace
}  // namespace zx
