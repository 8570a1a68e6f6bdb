#include "telephony/wav.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace zx::telephony {
namespace {

TEST(Wav, WritesAReadableStereoFile) {
  auto path = (std::filesystem::temp_directory_path() / "zx_wav_test.wav").string();
  {
    WavWriter w;
    ASSERT_TRUE(w.Open(path, 8000, 2).ok());
    std::vector<int16_t> s;
    for (int i = 0; i < 1600; ++i) s.push_back(static_cast<int16_t>(i));
    w.Write(s.data(), s.size());
    ASSERT_TRUE(w.Close().ok());
  }
  auto wav = ReadWav(path);
  ASSERT_TRUE(wav.ok()) << wav.status().ToString();
  EXPECT_EQ(wav->sample_rate, 8000);
  EXPECT_EQ(wav->channels, 2);
  ASSERT_EQ(wav->samples.size(), 1600u);
  EXPECT_EQ(wav->samples[1599], 1599);
  std::filesystem::remove(path);
}

TEST(Wav, OpenFailsWithAMessage) {
  WavWriter w;
  Status s = w.Open("/nonexistent-dir/x.wav", 8000, 1);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/nonexistent-dir/x.wav"), std::string::npos);
}

}  // namespace
}  // namespace zx::telephony
