// SpeechInput over a scripted recognizer: the final text or "not understood" comes back through
// `post`; a newer utterance replaces an older one; a cancelled one never answers. Streaming: the
// audio goes as it comes, partials come back in order, throttled, for the newest utterance only.
#include "telephony/speech_input.h"

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>

namespace zx::telephony {
namespace {

// Streams whose results the test delivers; posts run when the test says so.
class ScriptedRecognizer final : public SpeechRecognizer {
 public:
  // What happened to a stream; kept by the recognizer, so it outlives the stream.
  struct Log {
    Pcm fed;
    bool finished = false;
    bool cancelled = false;
  };
  struct Stream final : public RecognitionStream {
    explicit Stream(std::shared_ptr<Log> l) : log(std::move(l)) {}
    void Feed(const int16_t* samples, size_t count) override {
      if (!log->finished && !log->cancelled)
        log->fed.insert(log->fed.end(), samples, samples + count);
    }
    void Finish() override { log->finished = true; }
    void Cancel() override { log->cancelled = true; }
    ~Stream() override { log->cancelled = true; }
    std::shared_ptr<Log> log;
  };
  std::unique_ptr<RecognitionStream> Open(const RecognitionOptions& options,
                                          RecognitionHandler* handler) override {
    names.push_back(options.name);
    handlers.push_back(handler);
    logs.push_back(std::make_shared<Log>());
    last = logs.back().get();
    return std::make_unique<Stream>(logs.back());
  }
  std::vector<std::string> names;
  std::vector<RecognitionHandler*> handlers;
  std::vector<std::shared_ptr<Log>> logs;
  Log* last = nullptr;
};

// Audio whose samples count up from `from`, so that what a stream got says which part it was.
Pcm Ramp(int from, size_t n) {
  Pcm p(n);
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<int16_t>(from + i);
  return p;
}

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
  EXPECT_EQ(asr_.last->fed.size(), 1600u);
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

TEST_F(SpeechInputTest, StreamingFeedsAsItComesAndOnlyTheRestAtTheEnd) {
  std::vector<std::string> partials;
  SpeechInput input(
      asr_, "call-7", Poster(), [&](const std::string& t) { partials.push_back(t); },
      std::chrono::milliseconds(0));
  input.Start();
  ASSERT_EQ(asr_.names, std::vector<std::string>{"call-7-utt-1"});
  const Pcm whole = Ramp(0, 2400);
  input.Feed(Pcm(whole.begin(), whole.begin() + 1000));
  input.Feed(Pcm(whole.begin() + 1000, whole.begin() + 1800));
  EXPECT_EQ(asr_.last->fed.size(), 1800u);
  EXPECT_FALSE(asr_.last->finished);
  EXPECT_FALSE(input.listening());  // no final awaited yet
  std::vector<Heard> heard;
  input.Listen(whole, [&](const Heard& h) { heard.push_back(h); });
  EXPECT_EQ(asr_.names.size(), 1u);  // the same stream
  EXPECT_EQ(asr_.last->fed, whole);  // each sample once, in order
  EXPECT_TRUE(asr_.last->finished);
  asr_.handlers[0]->OnFinal({"我想补办社保卡", true});
  RunPosted();
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_EQ(heard[0].text, "我想补办社保卡");
  EXPECT_TRUE(partials.empty());
}

TEST_F(SpeechInputTest, PartialsArePostedInOrderWhenTheTextChanged) {
  std::vector<std::string> partials;
  SpeechInput input(
      asr_, "call-7", Poster(), [&](const std::string& t) { partials.push_back(t); },
      std::chrono::milliseconds(0));
  input.Start();
  RecognitionHandler* h = asr_.handlers[0];
  h->OnPartial({"我", false});
  h->OnPartial({"我", false});  // unchanged: not posted again
  h->OnPartial({"", false});
  h->OnPartial({"我想", false});
  EXPECT_TRUE(partials.empty());  // not on the recognizer's thread
  EXPECT_EQ(posted_.size(), 2u);
  RunPosted();
  EXPECT_EQ(partials, (std::vector<std::string>{"我", "我想"}));
  // After the end of audio, until the final: still shown.
  std::vector<Heard> heard;
  input.Listen(Pcm(800), [&](const Heard& hd) { heard.push_back(hd); });
  h->OnPartial({"我想补办", false});
  h->OnFinal({"我想补办社保卡", true});
  RunPosted();
  EXPECT_EQ(partials.back(), "我想补办");
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_EQ(partials.size(), 3u);
}

TEST_F(SpeechInputTest, PartialsAreThrottled) {
  std::vector<std::string> partials;
  SpeechInput input(
      asr_, "call-7", Poster(), [&](const std::string& t) { partials.push_back(t); },
      std::chrono::hours(1));
  input.Start();
  for (const char* t : {"我", "我想", "我想补", "我想补办"})
    asr_.handlers[0]->OnPartial({t, false});
  RunPosted();
  EXPECT_EQ(partials, std::vector<std::string>{"我"});  // the next ones within the interval
}

TEST_F(SpeechInputTest, ANewerUtteranceDropsTheOldersPartialsButNotItsAwaitedFinal) {
  std::vector<std::string> partials;
  std::vector<std::string> heard;
  SpeechInput input(
      asr_, "call-7", Poster(), [&](const std::string& t) { partials.push_back(t); },
      std::chrono::milliseconds(0));
  input.Start();
  input.Feed(Pcm(800));
  input.Listen(Pcm(1600), [&](const Heard& h) { heard.push_back("1:" + h.text); });
  RecognitionHandler* first = asr_.handlers[0];
  first->OnPartial({"旧", false});  // on its way when the caller speaks again
  input.Start();                    // the second utterance: utt-2 opens
  ASSERT_EQ(asr_.names, (std::vector<std::string>{"call-7-utt-1", "call-7-utt-2"}));
  EXPECT_FALSE(asr_.logs[0]->cancelled);  // the first one's final is still awaited
  RecognitionHandler* second = asr_.handlers[1];
  second->OnPartial({"新", false});
  first->OnPartial({"旧的话", false});
  RunPosted();
  EXPECT_EQ(partials, std::vector<std::string>{"新"});
  first->OnFinal({"旧的话", true});  // before the second ends: answered as without streaming
  RunPosted();
  EXPECT_EQ(heard, std::vector<std::string>{"1:旧的话"});
  // A third: the second's partials and final no longer count once the third is listened to.
  input.Listen(Pcm(1600), [&](const Heard& h) { heard.push_back("2:" + h.text); });
  input.Start();
  input.Listen(Pcm(1600), [&](const Heard& h) { heard.push_back("3:" + h.text); });
  EXPECT_TRUE(asr_.logs[1]->cancelled);  // replaced, as a newer utterance always did
  asr_.handlers[2]->OnFinal({"第三句", true});
  RunPosted();
  EXPECT_EQ(partials, std::vector<std::string>{"新"});
  EXPECT_EQ(heard, (std::vector<std::string>{"1:旧的话", "3:第三句"}));
}

TEST_F(SpeechInputTest, AnAbandonedUtteranceIsCancelledAndTheNextStartsAfresh) {
  std::vector<std::string> partials;
  SpeechInput input(
      asr_, "call-7", Poster(), [&](const std::string& t) { partials.push_back(t); },
      std::chrono::milliseconds(0));
  input.Start();
  input.Feed(Pcm(800));
  asr_.handlers[0]->OnPartial({"嗯", false});
  input.Abandon();  // too short, or a key
  EXPECT_TRUE(asr_.logs[0]->cancelled);
  RunPosted();
  EXPECT_TRUE(partials.empty());
  // An utterance without Start (no streaming) is recognised whole, as before.
  std::vector<Heard> heard;
  input.Listen(Ramp(5, 1600), [&](const Heard& h) { heard.push_back(h); });
  EXPECT_EQ(asr_.names.back(), "call-7-utt-2");
  EXPECT_EQ(asr_.last->fed, Ramp(5, 1600));
  asr_.handlers[1]->OnFinal({"好的", true});
  RunPosted();
  ASSERT_EQ(heard.size(), 1u);
  // Cancel drops a started one too.
  input.Start();
  input.Cancel();
  EXPECT_TRUE(asr_.logs[2]->cancelled);
}

}  // namespace
}  // namespace zx::telephony
