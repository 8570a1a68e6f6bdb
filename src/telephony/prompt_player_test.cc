// PromptPlayer over the fake call control: sentences queued as they are synthesised, the first
// replacing what plays, completion only for the latest prompt's last sentence, replay.
#include "telephony/prompt_player.h"

#include <gtest/gtest.h>

#include "telephony/speech_text.h"
#include "telephony/testing/fake_call_control.h"

namespace zx::telephony {
namespace {

class CountingSynthesizer final : public SpeechSynthesizer {
 public:
  Result<SharedPcm> Synthesize(std::string_view text) override {
    ++calls;
    if (text.find("坏") != std::string_view::npos) return Unavailable("engine down");
    return std::make_shared<const Pcm>(text.size() * 8, int16_t{1000});
  }
  int calls = 0;
};

TEST(PromptPlayerTest, SplitsIntoSentencesShortFragmentsRidingAlong) {
  auto parts = PromptPlayer::SplitSentences(
      "您好，这里是示例市政务服务热线。社保业务请按一，医保业务请按二。好的。");
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], "您好，这里是示例市政务服务热线。");  // "您好，" alone is too short
  EXPECT_EQ(parts[1], "社保业务请按一，医保业务请按二。");
  EXPECT_EQ(parts[2], "好的。");
  EXPECT_TRUE(PromptPlayer::SplitSentences("").empty());
}

TEST(PromptPlayerTest, QueuesEverySentenceAndCompletesAfterTheLast) {
  testing::FakeCallControl calls;
  CountingSynthesizer tts;
  PromptPlayer player(calls, tts, 7);
  int done = 0;
  bool was_interrupted = true;
  ASSERT_TRUE(player.Say("第一句话比较长一些吧。第二句话也比较长一些。", [&](bool interrupted) {
    ++done;
    was_interrupted = interrupted;
  }));
  auto played = calls.played(7);
  ASSERT_EQ(played.size(), 2u);
  EXPECT_EQ(calls.stops(), std::vector<CallId>{7});  // the first sentence replaced what played
  EXPECT_TRUE(player.playing());
  player.OnPlaybackDone(played[0].prompt_id, false);
  EXPECT_EQ(done, 0);
  player.OnPlaybackDone(played[1].prompt_id, false);
  EXPECT_EQ(done, 1);
  EXPECT_FALSE(was_interrupted);
  EXPECT_FALSE(player.playing());
  player.OnPlaybackDone(played[1].prompt_id, false);  // reported twice: once only
  EXPECT_EQ(done, 1);
}

TEST(PromptPlayerTest, AReplacedPromptNeverCompletes) {
  testing::FakeCallControl calls;
  CountingSynthesizer tts;
  PromptPlayer player(calls, tts, 7);
  std::vector<std::string> done;
  player.Say("第一个提示。", [&](bool) { done.push_back("first"); });
  uint64_t first = calls.played(7).back().prompt_id;
  player.Say("第二个提示。",
             [&](bool interrupted) { done.push_back(interrupted ? "second cut" : "second"); });
  uint64_t second = calls.played(7).back().prompt_id;
  player.OnPlaybackDone(first, true);  // the gateway reports the stopped one
  EXPECT_TRUE(done.empty());
  player.OnPlaybackDone(second, true);  // barge-in
  EXPECT_EQ(done, std::vector<std::string>{"second cut"});
}

TEST(PromptPlayerTest, ReplayPlaysTheSameAudioAgain) {
  testing::FakeCallControl calls;
  CountingSynthesizer tts;
  PromptPlayer player(calls, tts, 7);
  EXPECT_FALSE(player.Replay());
  player.Say("请再听一遍这个提示。");
  int synthesised = tts.calls;
  bool done = false;
  ASSERT_TRUE(player.Replay([&](bool) { done = true; }));
  EXPECT_EQ(tts.calls, synthesised);
  auto played = calls.played(7);
  ASSERT_EQ(played.size(), 2u);
  EXPECT_EQ(played[0].audio, played[1].audio);
  player.OnPlaybackDone(played[1].prompt_id, false);
  EXPECT_TRUE(done);
}

TEST(PromptPlayerTest, NothingSynthesisedPlaysNothing) {
  testing::FakeCallControl calls;
  CountingSynthesizer tts;
  PromptPlayer player(calls, tts, 7);
  EXPECT_FALSE(player.Say("坏的。"));
  EXPECT_FALSE(player.Say(""));
  EXPECT_TRUE(calls.played().empty());
  EXPECT_FALSE(player.playing());
}

}  // namespace
}  // namespace zx::telephony
