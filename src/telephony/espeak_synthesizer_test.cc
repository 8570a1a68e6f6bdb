#include "telephony/espeak_synthesizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

namespace zx::telephony {
namespace {

double Rms(const Pcm& pcm) {
  double sum = 0;
  for (int16_t s : pcm) sum += double(s) * s;
  return pcm.empty() ? 0 : std::sqrt(sum / pcm.size());
}

TEST(EspeakSynthesizer, SpeaksChineseAt8kHzAndCaches) {
  auto tts = EspeakSynthesizer::Create();
  ASSERT_TRUE(tts.ok()) << tts.status().ToString();
  auto a = (*tts)->Synthesize("您好，这里是示例市幺二三四五热线。");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  // A dozen syllables: one to five seconds of audible 8 kHz audio.
  EXPECT_GT((*a)->size(), 8000u);
  EXPECT_LT((*a)->size(), 5 * 8000u);
  EXPECT_GT(Rms(**a), 300);
  auto b = (*tts)->Synthesize("您好，这里是示例市幺二三四五热线。");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->get(), b->get());  // the same rendered prompt
  EXPECT_EQ((*tts)->stats().cache_hits, 1u);
  EXPECT_FALSE((*tts)->Synthesize("").ok());
}

TEST(EspeakSynthesizer, OneInstanceAndManyThreads) {
  auto tts = EspeakSynthesizer::Create();
  ASSERT_TRUE(tts.ok());
  EXPECT_EQ(EspeakSynthesizer::Create().status().code(), Code::kFailedPrecondition);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i)
        if ((*tts)->Synthesize("社保" + std::to_string(t * 10 + i)).ok()) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 12);
}

}  // namespace
}  // namespace zx::telephony
