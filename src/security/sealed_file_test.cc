#include "security/sealed_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "base/clock.h"

namespace zx::security {
namespace {

namespace fs = std::filesystem;

class SealedFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("zx_sealed_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    keys_ = std::make_shared<KeyRing>(KeyRing::Generate(clock_));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  static void WriteBytes(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  }
  // A recognisable plaintext: "caller says 13812345678" repeated.
  static std::string Plain(size_t n) {
    std::string s;
    while (s.size() < n) s += "caller says 13812345678;";
    s.resize(n);
    return s;
  }
  std::string Seal(const std::string& name, const std::string& plain, size_t segment = 100) {
    auto w = SealedFileWriter::Create(Path(name), keys_, "rec:1", segment);
    EXPECT_TRUE(w.ok()) << w.status().message();
    // Odd-sized writes cross segment boundaries.
    for (size_t i = 0; i < plain.size(); i += 37)
      EXPECT_TRUE((*w)->Write(std::string_view(plain).substr(i, 37)).ok());
    EXPECT_TRUE((*w)->Close().ok());
    return Path(name);
  }

  FakeClock clock_{1'700'000'000'000};
  fs::path dir_;
  std::shared_ptr<KeyRing> keys_;
};

TEST_F(SealedFileTest, RoundTripsAndHoldsNoPlaintext) {
  std::string plain = Plain(1000);
  std::string path = Seal("a.zxrec", plain);
  EXPECT_EQ(Read(path).find("13812345678"), std::string::npos);
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  auto opened = OpenSealedFile(path, *keys_, "rec:1");
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(opened->data, plain);
  EXPECT_TRUE(opened->complete);
  EXPECT_EQ(opened->key_version, keys_->current_version());
}

TEST_F(SealedFileTest, EmptyAndExactMultipleOfSegment) {
  for (size_t n : {0, 100, 300}) {
    std::string path = Seal("n" + std::to_string(n), Plain(n));
    auto opened = OpenSealedFile(path, *keys_, "rec:1");
    ASSERT_TRUE(opened.ok()) << n << ": " << opened.status().message();
    EXPECT_EQ(opened->data, Plain(n));
    EXPECT_TRUE(opened->complete);
  }
}

TEST_F(SealedFileTest, RefusesToOverwrite) {
  Seal("a", Plain(10));
  auto again = SealedFileWriter::Create(Path("a"), keys_, "rec:1");
  EXPECT_EQ(again.status().code(), Code::kUnavailable);
}

TEST_F(SealedFileTest, ChangedByteIsDetectedAndNamesTheSegment) {
  std::string path = Seal("a", Plain(1000));
  std::string bytes = Read(path);
  bytes[bytes.size() / 2] ^= 0x01;
  WriteBytes(path, bytes);
  auto opened = OpenSealedFile(path, *keys_, "rec:1");
  EXPECT_EQ(opened.status().code(), Code::kDataLoss);
  EXPECT_NE(opened.status().message().find("segment"), std::string::npos);
}

TEST_F(SealedFileTest, WrongAadFails) {
  std::string path = Seal("a", Plain(300));
  EXPECT_EQ(OpenSealedFile(path, *keys_, "rec:2").status().code(), Code::kDataLoss);
}

TEST_F(SealedFileTest, DroppedOrReorderedSegmentFails) {
  std::string path = Seal("a", Plain(300));  // 3 full segments + an empty final one
  std::string bytes = Read(path);
  size_t header = 8 + 4 + 4 + 8, record = 4 + 100 + 16;
  std::string head = bytes.substr(0, header);
  std::string s0 = bytes.substr(header, record), s1 = bytes.substr(header + record, record);
  std::string rest = bytes.substr(header + 2 * record);
  WriteBytes(path, head + s1 + s0 + rest);
  EXPECT_EQ(OpenSealedFile(path, *keys_, "rec:1").status().code(), Code::kDataLoss);
  WriteBytes(path, head + s0 + rest);
  EXPECT_EQ(OpenSealedFile(path, *keys_, "rec:1").status().code(), Code::kDataLoss);
}

TEST_F(SealedFileTest, CutShortFileOpensAsIncomplete) {
  std::string plain = Plain(1000);
  std::string path = Seal("a", plain);
  std::string bytes = Read(path);
  // Drop the final segment and half of the one before: what a killed process leaves.
  size_t header = 8 + 4 + 4 + 8, record = 4 + 100 + 16;
  WriteBytes(path, bytes.substr(0, header + 7 * record + record / 2));
  auto opened = OpenSealedFile(path, *keys_, "rec:1");
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_FALSE(opened->complete);
  EXPECT_EQ(opened->data, plain.substr(0, 700));
}

TEST_F(SealedFileTest, OldKeyStaysReadableAfterRotation) {
  std::string path = Seal("a", Plain(250));
  uint32_t old_version = keys_->current_version();
  keys_->Rotate(clock_);
  auto opened = OpenSealedFile(path, *keys_, "rec:1");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->key_version, old_version);
  // Another deployment's key file has a version 1 too, with other bytes.
  KeyRing other = KeyRing::Generate(clock_);
  EXPECT_EQ(OpenSealedFile(path, other, "rec:1").status().code(), Code::kDataLoss);
}

TEST_F(SealedFileTest, NotASealedFile) {
  WriteBytes(Path("x.wav"), "RIFF....WAVEfmt ");
  EXPECT_EQ(OpenSealedFile(Path("x.wav"), *keys_, "rec:1").status().code(), Code::kDataLoss);
  EXPECT_EQ(OpenSealedFile(Path("missing"), *keys_, "rec:1").status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace zx::security
