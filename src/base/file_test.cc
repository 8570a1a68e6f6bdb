#include "base/file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace zx {
namespace {

TEST(File, ReadsBytesAndNamesTheFileWhenItCannot) {
  std::string path = ::testing::TempDir() + "/zx-file-test.bin";
  { std::ofstream(path, std::ios::binary) << std::string("a\0b\r\n示例", 9); }
  auto bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  EXPECT_EQ(*bytes, std::string("a\0b\r\n示例", 9));
  std::remove(path.c_str());
  auto missing = ReadFile(path);
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_EQ(missing.status().message(), path + ": no such file");
  auto dir = ReadFile(::testing::TempDir());
  EXPECT_EQ(dir.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace zx
