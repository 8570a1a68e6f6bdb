#include "telephony/speech_input.h"

#include <chrono>
#include <utility>

namespace zx::telephony {

// Receives one utterance's recognition on the recognizer's thread and posts it to the call's
// thread, where the input checks that it is still the awaited one.
class SpeechInput::Relay final : public RecognitionHandler {
 public:
  Relay(std::weak_ptr<SpeechInput*> input, uint64_t seq, Post post)
      : input_(std::move(input)), seq_(seq), post_(std::move(post)) {}
  void OnPartial(const RecognitionResult&) override {}
  void OnFinal(const RecognitionResult& r) override {
    Heard heard;
    heard.understood = !r.text.empty();
    heard.text = r.text;
    if (r.text.empty()) heard.error = "empty";
    Deliver(std::move(heard));
  }
  void OnError(const RecognitionError& e) override {
    Heard heard;
    heard.error = RecognitionErrorCodeName(e.code);
    Deliver(std::move(heard));
  }

 private:
  void Deliver(Heard heard) {
    post_([input = input_, seq = seq_, heard = std::move(heard)]() mutable {
      if (auto self = input.lock()) (*self)->Finished(seq, std::move(heard));
    });
  }
  std::weak_ptr<SpeechInput*> input_;
  uint64_t seq_;
  Post post_;
};

SpeechInput::SpeechInput(SpeechRecognizer& recognizer, std::string name, Post post)
    : recognizer_(recognizer),
      name_(std::move(name)),
      post_(std::move(post)),
      self_(std::make_shared<SpeechInput*>(this)) {}

SpeechInput::~SpeechInput() {
  Cancel();
  self_.reset();
}

void SpeechInput::Listen(const Pcm& audio, Done done) {
  Cancel();  // a newer utterance replaces one still being recognised
  uint64_t seq = ++seq_;
  relay_ = std::make_shared<Relay>(self_, seq, post_);
  RecognitionOptions options;
  options.name = name_ + "-utt-" + std::to_string(seq);
  done_ = std::move(done);
  started_ = std::chrono::steady_clock::now();
  stream_ = recognizer_.Open(options, relay_.get());
  stream_->Feed(audio.data(), audio.size());
  stream_->Finish();
}

void SpeechInput::Cancel() {
  stream_.reset();  // cancels; waits for a callback in progress
  relay_.reset();
  done_ = nullptr;
}

void SpeechInput::Finished(uint64_t seq, Heard heard) {
  if (seq != seq_ || !done_) return;  // a replaced or cancelled utterance
  Done done = std::move(done_);
  Cancel();
  heard.recognize_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - started_)
                           .count();
  done(heard);
}

}  // namespace zx::telephony
