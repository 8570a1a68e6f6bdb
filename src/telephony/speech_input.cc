#include "telephony/speech_input.h"

#include <chrono>
#include <utility>

namespace zx::telephony {

// Receives one utterance's recognition on the recognizer's thread and posts it to the call's
// thread, where the input checks that it is still the awaited one.
class SpeechInput::Relay final : public RecognitionHandler {
 public:
  Relay(std::weak_ptr<SpeechInput*> input, uint64_t seq, Post post, bool partials,
        std::chrono::milliseconds interval)
      : input_(std::move(input)),
        seq_(seq),
        post_(std::move(post)),
        partials_(partials),
        interval_(interval) {}
  // Throttled here, on the recognizer's thread, so that the call's thread gets at most one post
  // per interval: the next partial or the final carries what was skipped.
  void OnPartial(const RecognitionResult& r) override {
    if (!partials_ || r.text.empty() || r.text == last_partial_) return;
    auto now = std::chrono::steady_clock::now();
    if (posted_any_ && now - last_post_ < interval_) return;
    posted_any_ = true;
    last_post_ = now;
    last_partial_ = r.text;
    post_([input = input_, seq = seq_, text = r.text] {
      if (auto self = input.lock()) (*self)->Partly(seq, text);
    });
  }
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
  const bool partials_;
  const std::chrono::milliseconds interval_;
  // The recognizer's thread only (its callbacks come one at a time).
  std::string last_partial_;
  bool posted_any_ = false;
  std::chrono::steady_clock::time_point last_post_;
};

SpeechInput::SpeechInput(SpeechRecognizer& recognizer, std::string name, Post post, Partial partial,
                         std::chrono::milliseconds partial_interval)
    : recognizer_(recognizer),
      name_(std::move(name)),
      post_(std::move(post)),
      partial_(std::move(partial)),
      partial_interval_(partial_interval),
      self_(std::make_shared<SpeechInput*>(this)) {}

SpeechInput::~SpeechInput() {
  Cancel();
  self_.reset();
}

std::unique_ptr<RecognitionStream> SpeechInput::Open(uint64_t seq, std::shared_ptr<Relay>* relay) {
  *relay = std::make_shared<Relay>(self_, seq, post_, bool(partial_), partial_interval_);
  RecognitionOptions options;
  options.name = name_ + "-utt-" + std::to_string(seq);
  return recognizer_.Open(options, relay->get());
}

void SpeechInput::Start() {
  Abandon();  // one started before and never ended is awaited by no one
  opened_ = ++next_;
  speaking_ = Open(opened_, &speaking_relay_);
}

void SpeechInput::Feed(const Pcm& audio) {
  if (!speaking_ || audio.empty()) return;
  speaking_->Feed(audio.data(), audio.size());
  fed_ += audio.size();
}

void SpeechInput::Abandon() {
  speaking_.reset();  // cancels; waits for a callback in progress
  speaking_relay_.reset();
  fed_ = 0;
}

void SpeechInput::Listen(const Pcm& audio, Done done) {
  Drop();  // a newer utterance replaces one still being recognised
  if (speaking_) {
    // Started: its stream has the beginning already.
    seq_ = opened_;
    stream_ = std::move(speaking_);
    relay_ = std::move(speaking_relay_);
    if (fed_ < audio.size()) stream_->Feed(audio.data() + fed_, audio.size() - fed_);
    fed_ = 0;
  } else {
    seq_ = opened_ = ++next_;
    stream_ = Open(seq_, &relay_);
    stream_->Feed(audio.data(), audio.size());
  }
  done_ = std::move(done);
  started_ = std::chrono::steady_clock::now();
  stream_->Finish();
}

void SpeechInput::Drop() {
  stream_.reset();  // cancels; waits for a callback in progress
  relay_.reset();
  done_ = nullptr;
}

void SpeechInput::Cancel() {
  Drop();
  Abandon();
}

void SpeechInput::Finished(uint64_t seq, Heard heard) {
  if (seq != seq_ || !done_) return;  // a replaced or cancelled utterance
  Done done = std::move(done_);
  Drop();
  heard.recognize_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - started_)
                           .count();
  done(heard);
}

void SpeechInput::Partly(uint64_t seq, const std::string& text) {
  // Only the newest utterance, while it is still open (spoken, or awaiting its final).
  if (seq != opened_ || !partial_) return;
  if (!(speaking_ && speaking_relay_) && !(stream_ && seq_ == seq)) return;
  partial_(text);
}

}  // namespace zx::telephony
