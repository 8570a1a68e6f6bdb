#include "base/config.h"

#include <gtest/gtest.h>

namespace zx {
namespace {

TEST(Config, DefaultsWithoutFile) {
  auto c = ParseConfig("", "defaults", {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server.http, "127.0.0.1:8080");
  EXPECT_EQ(c->data.dir, "./var");
}

TEST(Config, FileOverridesDefaultsAndEnvOverridesFile) {
  auto c = ParseConfig("[server]\nhttp = \"0.0.0.0:9000\"\nthreads = 4\n", "z.toml",
                       {"ZHIXIAN_SERVER_THREADS=8", "ZHIXIAN_DATA_DIR=/tmp/x", "HOME=/root"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server.http, "0.0.0.0:9000");
  EXPECT_EQ(c->server.threads, 8);
  EXPECT_EQ(c->data.dir, "/tmp/x");
}

TEST(Config, UnknownKeyIsNamedWithLine) {
  auto c = ParseConfig("[server]\n\nhtpp = \"x\"\n", "z.toml", {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("z.toml:3"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("server.htpp"), std::string::npos);
}

TEST(Config, WrongTypeAndRangeNameTheKey) {
  auto a = ParseConfig("[server]\nthreads = \"four\"\n", "z.toml", {});
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("server.threads must be a number"), std::string::npos);
  auto b = ParseConfig("[knowledge]\nanswer_threshold = 1.5\n", "z.toml", {});
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("knowledge.answer_threshold"), std::string::npos);
  auto e = ParseConfig("", "defaults", {"ZHIXIAN_SERVER_THREADS=lots"});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("ZHIXIAN_SERVER_THREADS"), std::string::npos);
}

TEST(Config, BadAddressAndLevel) {
  EXPECT_FALSE(ParseConfig("[server]\nhttp = \"localhost\"\n", "z", {}).ok());
  EXPECT_FALSE(ParseConfig("[log]\nlevel = \"loud\"\n", "z", {}).ok());
  EXPECT_FALSE(ParseConfig("[server\n", "z", {}).ok());
}

TEST(Config, EveryKeyHasAnEnvName) {
  for (const auto& k : ConfigKeys()) EXPECT_EQ(k.env.rfind("ZHIXIAN_", 0), 0u) << k.name;
}

}  // namespace
}  // namespace zx
