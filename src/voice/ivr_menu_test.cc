// kb/ivr.toml: the shipped menu loads without [call]; a [call] left from before the move is
// still read (and checked), for the warning of app/voice_service.cc.
#include "voice/ivr_menu.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace zx::voice {
namespace {

std::string Write(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / ("zx_ivr_" + name + ".toml");
  std::ofstream(path) << text;
  return path.string();
}

constexpr const char* kMenu = R"(greeting = "您好"
[[key]]
key = "1"
action = "ask"
text = "社保"
)";

TEST(IvrMenuTest, TheShippedMenuHasNoCallSection) {
  auto menu = LoadIvrMenu(std::string(ZX_SOURCE_DIR) + "/kb/ivr.toml");
  ASSERT_TRUE(menu.ok()) << menu.status().message();
  EXPECT_FALSE(menu->legacy_call.has_value());
  EXPECT_FALSE(menu->greeting.empty());
  ASSERT_NE(menu->Find('0'), nullptr);
  EXPECT_EQ(menu->Find('0')->action, "agent");
}

TEST(IvrMenuTest, ALegacyCallSectionIsReadAndChecked) {
  auto path = Write("legacy", std::string(kMenu) +
                                  "[call]\nmax_calls = 1\nanswer_delay_ms = 0\n"
                                  "transfer_to = \"sip:8001@x\"\nrecord = false\n");
  auto menu = LoadIvrMenu(path);
  ASSERT_TRUE(menu.ok()) << menu.status().message();
  ASSERT_TRUE(menu->legacy_call.has_value());
  EXPECT_EQ(menu->legacy_call->max_calls, 1);
  EXPECT_EQ(menu->legacy_call->over_capacity_code, 486);
  EXPECT_EQ(menu->legacy_call->answer_delay_ms, 0);
  EXPECT_EQ(menu->legacy_call->transfer_to, "sip:8001@x");
  EXPECT_FALSE(menu->legacy_call->record);
  auto bad = LoadIvrMenu(Write("bad", std::string(kMenu) + "[call]\nover_capacity_code = 404\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("over_capacity_code"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(IvrMenuTest, ErrorsNameTheKey) {
  auto menu =
      LoadIvrMenu(Write("dup", std::string(kMenu) + "[[key]]\nkey = \"1\"\naction = \"menu\"\n"));
  ASSERT_FALSE(menu.ok());
  EXPECT_NE(menu.status().message().find("defined twice"), std::string::npos);
}

}  // namespace
}  // namespace zx::voice
