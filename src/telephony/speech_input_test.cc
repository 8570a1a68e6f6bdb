// SpeechInput over a scripted recognizer: the final text or "not understood" comes back through
// `post`; a newer utterance replaces an older one; a cancelled one never answers.
#include "telephony/speech_input.h"

#include <gtest/gtest.h>

#include <deque>
#include <functional>

namespace zx::telephony {
namespace {

// Streams whose results the test delivers; posts run when the test says so.
class ScriptedRecognizer final : public SpeechRecognizer {
 public:
  struct Stream final : public RecognitionStream {
    void Feed(const int16_t*, size_t count) override { fed += count; }
    void Finish() override { finished = true; }
    void Cancel() override { cancelled = true; }
    ~Stream() override { cancelled = true; }
    size_t fed = 0;
    bool finished = false;
    bool cancelled = false;
  };
  std::unique_ptr<RecognitionStream> Open(const RecognitionOptions& options,
                                          RecognitionHandler* handler) override {
    names.push_back(options.name);
    handlers.push_back(handler);
    auto s = std::make_unique<Stream>();
    last = s.get();
    return s;
  }
  std::vector<std::string> names;
  std::vector<RecognitionHandler*> handlers;
  Stream* last = nullptr;
};

class SpeechInputTest : public ::testing::Test {
 protected:
  SpeechInput::Post Poster() {
    return [this](std::function<void()> task) { posted_.push_back(std::move(task)); };
  }
  void RunPosted() {
    while (!posted_.empty()) {
      auto task = std::move(posted_.front());
      posted_.pop_front();
      task();
    }
  }
  ScriptedRecognizer asr_;
  std::deque<std::function<void()>> posted_;
};

TEST_F(SpeechInputTest, FinalTextComesBackThroughPost) {
  SpeechInput input(asr_, "call-7", Poster());
  std::vector<Heard> heard;
  input.Listen(Pcm(1600), [&](const Heard& h) { heard.push_back(h); });
  ASSERT_EQ(asr_.names, std::vector<std::string>{"call-7-utt-1"});
  EXPECT_EQ(asr_.last->fed, 1600u);
  EXPECT_TRUE(asr_.last->finished);
  EXPECT_TRUE(input.listening());
  asr_.handlers[0]->OnFinal({"我想补办社保卡", true});
  EXPECT_TRUE(heard.empty());  // not on the recognizer's thread
  RunPosted();
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_TRUE(heard[0].understood);
  EXPECT_EQ(heard[0].text, "我想补办社保卡");
  EXPECT_FALSE(input.listening());
}

TEST_F(SpeechInputTest, EmptyTextAndErrorsAreNotUnderstood) {
  SpeechInput input(asr_, "call-7", Poster());
  std::vector<Heard> heard;
  input.Listen(Pcm(160), [&](const Heard& h) { heard.push_back(h); });
  asr_.handlers[0]->OnFinal({"", true});
  RunPosted();
  input.Listen(Pcm(160), [&](const Heard& h) { heard.push_back(h); });
  asr_.handlers[1]->OnError({RecognitionErrorCode::kTimeout, "no final result"});
  RunPosted();
  ASSERT_EQ(heard.size(), 2u);
  EXPECT_FALSE(heard[0].understood);
  EXPECT_EQ(heard[0].error, "empty");
  EXPECT_FALSE(heard[1].understood);
  EXPECT_EQ(heard[1].error, "timeout");
}

TEST_F(SpeechInputTest, ANewerUtteranceReplacesTheOlder) {
  SpeechInput input(asr_, "call-7", Poster());
  std::vector<std::string> heard;
  input.Listen(Pcm(160), [&](const Heard& h) { heard.push_back("1:" + h.text); });
  auto* first = asr_.handlers[0];
  first->OnFinal({"旧的", true});  // already on its way when the newer utterance comes
  input.Listen(Pcm(160), [&](const Heard& h) { heard.push_back("2:" + h.text); });
  asr_.handlers[1]->OnFinal({"新的", true});
  RunPosted();
  EXPECT_EQ(heard, std::vector<std::string>{"2:新的"});
}

TEST_F(SpeechInputTest, CancelledOrDestroyedInputsNeverAnswer) {
  std::vector<std::string> heard;
  {
    SpeechInput input(asr_, "call-7", Poster());
    input.Listen(Pcm(160), [&](const Heard& h) { heard.push_back(h.text); });
    asr_.handlers[0]->OnFinal({"太晚了", true});
  }
  RunPosted();  // the input is gone: dropped
  SpeechInput input(asr_, "call-8", Poster());
  input.Listen(Pcm(160), [&](const Heard& h) { heard.push_back(h.text); });
  asr_.handlers[1]->OnFinal({"也太晚了", true});
  input.Cancel();
  RunPosted();
  EXPECT_TRUE(heard.empty());
}

}  // namespace
}  // namespace zx::telephony
