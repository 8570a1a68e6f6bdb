#include "security/keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "security/testing/temp_dir.h"

namespace zx::security {
namespace {

using testing::TempDir;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(KeyFile, InitCreatesMode0600AndRefusesToOverwrite) {
  TempDir dir;
  FakeClock clock(1700000000000);
  const std::string path = dir.File("keys");
  ASSERT_TRUE(InitKeyFile(path, clock).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const std::string before = ReadFile(path);
  Status again = InitKeyFile(path, clock);
  EXPECT_EQ(again.code(), Code::kAlreadyExists);
  EXPECT_NE(again.message().find("refusing to overwrite"), std::string::npos);
  EXPECT_EQ(ReadFile(path), before);

  auto ring = KeyRing::Load(path);
  ASSERT_TRUE(ring.ok()) << ring.status().ToString();
  EXPECT_EQ(ring->current_version(), 1u);
  EXPECT_EQ(ring->CurrentDataKey().size(), 16u);
  EXPECT_EQ(ring->BlindIndexKey().size(), 16u);
  EXPECT_NE(ring->CurrentDataKey(), ring->BlindIndexKey());
  EXPECT_EQ(ring->versions().at(1), 1700000000000);
}

TEST(KeyFile, TwoInitsMakeDifferentKeys) {
  TempDir dir;
  FakeClock clock;
  ASSERT_TRUE(InitKeyFile(dir.File("a"), clock).ok());
  ASSERT_TRUE(InitKeyFile(dir.File("b"), clock).ok());
  EXPECT_NE(KeyRing::Load(dir.File("a"))->CurrentDataKey(),
            KeyRing::Load(dir.File("b"))->CurrentDataKey());
}

TEST(KeyFile, LoadRefusesReadableByOthers) {
  TempDir dir;
  FakeClock clock;
  const std::string path = dir.File("keys");
  ASSERT_TRUE(InitKeyFile(path, clock).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto ring = KeyRing::Load(path);
  ASSERT_FALSE(ring.ok());
  EXPECT_EQ(ring.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(ring.status().message().find("chmod 600"), std::string::npos);
}

TEST(KeyFile, MissingFileSaysHowToCreateIt) {
  TempDir dir;
  auto ring = KeyRing::Load(dir.File("nope"));
  ASSERT_FALSE(ring.ok());
  EXPECT_EQ(ring.status().code(), Code::kNotFound);
  EXPECT_NE(ring.status().message().find("zhixian keys init"), std::string::npos);
}

TEST(KeyFile, RotateAddsCurrentKeyAndKeepsOldOnes) {
  TempDir dir;
  FakeClock clock(1000);
  const std::string path = dir.File("keys");
  ASSERT_TRUE(InitKeyFile(path, clock).ok());
  auto before = KeyRing::Load(path);
  clock.Advance(std::chrono::hours(24));
  auto v = RotateKeyFile(path, clock);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, 2u);
  auto after = KeyRing::Load(path);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->current_version(), 2u);
  EXPECT_EQ(*after->DataKey(1), before->CurrentDataKey());
  EXPECT_NE(*after->DataKey(2), *after->DataKey(1));
  EXPECT_EQ(after->BlindIndexKey(), before->BlindIndexKey());  // lookups keep working
  EXPECT_EQ(after->versions().at(2), 1000 + 24 * 3600 * 1000LL);
  EXPECT_EQ(after->DataKey(3), nullptr);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(KeyFile, SerializeParseRoundTrip) {
  FakeClock clock(5);
  KeyRing ring = KeyRing::Generate(clock);
  ring.Rotate(clock);
  auto back = KeyRing::Parse(ring.Serialize(), "mem");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->Serialize(), ring.Serialize());
}

TEST(KeyFile, ParseErrorsNameTheLine) {
  const std::string good_key = "00112233445566778899aabbccddeeff";
  struct Case {
    std::string text;
    std::string expect;
  } cases[] = {
      {"", "not a zhixian key file"},
      {"hello 1\n", "mem:1: not a zhixian key file"},
      {"zhixian-keys 9\n", "format 9 is not supported"},
      {"zhixian-keys 1\nhmac 1 abc\n", "mem:2: a key must be 32 hex digits"},
      {"zhixian-keys 1\nhmac 1 " + good_key + "\ndata 1 " + good_key + "\n",
       "mem:3: expected: data <version> <key> <created unix ms>"},
      {"zhixian-keys 1\nhmac 1 " + good_key + "\ndata 1 " + good_key + " 0\ncurrent 2\n",
       "current version 2 has no data key"},
      {"zhixian-keys 1\nhmac 1 " + good_key + "\ndata 1 " + good_key + " 0\n", "no current line"},
      {"zhixian-keys 1\nsecret 1\n", "mem:2: unknown line 'secret'"},
  };
  for (const auto& c : cases) {
    auto r = KeyRing::Parse(c.text, "mem");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), Code::kDataLoss);
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos) << r.status().message();
  }
}

TEST(KeyFile, MustLiveOutsideTheDataDirectory) {
  TempDir dir;
  std::filesystem::create_directories(dir.File("var"));
  EXPECT_EQ(CheckKeyFileOutside(dir.File("var/keys"), dir.File("var")).code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(CheckKeyFileOutside(dir.File("var/sub/../keys"), dir.File("var/")).code(),
            Code::kFailedPrecondition);
  EXPECT_TRUE(CheckKeyFileOutside(dir.File("keys"), dir.File("var")).ok());
  EXPECT_TRUE(CheckKeyFileOutside(dir.File("var2/keys"), dir.File("var")).ok());
}

}  // namespace
}  // namespace zx::security
