// Fakes of the voice side for tests of notice calls (campaigns/notice_calls.h) and of what
// drives them (the HTTP routes): a gateway that records what it was asked to do, in the order a
// real one would see it, and a synthesizer that renders 1 ms of audio per byte of text.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "base/status.h"
#include "telephony/call_control.h"
#include "telephony/recognizer.h"
#include "telephony/synthesizer.h"

namespace zx::campaigns::testing {

using telephony::CallId;

// The gateway's side: what the runner asked it to do.
class FakeGateway final : public telephony::CallControl {
 public:
  struct Played {
    CallId call;
    uint64_t prompt;
    size_t samples;
  };

  void Play(CallId call, telephony::SharedPcm audio, uint64_t prompt_id) override {
    std::lock_guard lock(mu_);
    played_.push_back({call, prompt_id, audio ? audio->size() : 0});
  }
  void StopPlayback(CallId) override {}
  void Hangup(CallId call) override {
    std::lock_guard lock(mu_);
    hangups_.push_back(call);
  }
  // The handler given with each call is the runner itself; tests call it directly.
  Result<CallId> Originate(const std::string& target, const telephony::OriginateOptions& options,
                           std::shared_ptr<telephony::CallHandler> /*handler*/) override {
    std::lock_guard lock(mu_);
    if (!refuse_.ok()) return refuse_;
    CallId id = next_++;
    targets_.push_back(target);
    last_options_ = options;
    options_.push_back(options);
    if (on_originate_) on_originate_(id);
    return id;
  }
  Status Transfer(CallId, const std::string&,
                  const std::vector<std::pair<std::string, std::string>>&) override {
    return Status::Ok();
  }

  std::vector<Played> played() {
    std::lock_guard lock(mu_);
    return played_;
  }
  std::vector<CallId> hangups() {
    std::lock_guard lock(mu_);
    return hangups_;
  }
  std::vector<std::string> targets() {
    std::lock_guard lock(mu_);
    return targets_;
  }
  telephony::OriginateOptions last_options() {
    std::lock_guard lock(mu_);
    return last_options_;
  }
  // The options of every call placed, in order (call ids from 100 up).
  std::vector<telephony::OriginateOptions> options() {
    std::lock_guard lock(mu_);
    return options_;
  }
  void Refuse(Status s) {
    std::lock_guard lock(mu_);
    refuse_ = std::move(s);
  }
  void OnOriginate(std::function<void(CallId)> f) {
    std::lock_guard lock(mu_);
    on_originate_ = std::move(f);
  }

 private:
  std::mutex mu_;
  CallId next_ = 100;
  Status refuse_ = Status::Ok();
  std::vector<Played> played_;
  std::vector<CallId> hangups_;
  std::vector<std::string> targets_;
  telephony::OriginateOptions last_options_;
  std::vector<telephony::OriginateOptions> options_;
  std::function<void(CallId)> on_originate_;
};

class FakeSynthesizer final : public telephony::SpeechSynthesizer {
 public:
  Result<telephony::SharedPcm> Synthesize(std::string_view text) override {
    if (fail) return Unavailable("engine down");
    ++calls;
    // 1 ms of audio per byte: the notice is longer than the closing words.
    return std::make_shared<const telephony::Pcm>(text.size() * 8, int16_t{1000});
  }
  std::atomic<bool> fail{false};
  std::atomic<int> calls{0};
};

// A recognizer whose results the test delivers (Last()->OnFinal), as the engine's I/O thread
// would.
class ScriptedRecognizer final : public telephony::SpeechRecognizer {
 public:
  struct Stream final : public telephony::RecognitionStream {
    void Feed(const int16_t*, size_t) override {}
    void Finish() override {}
    void Cancel() override {}
  };
  std::unique_ptr<telephony::RecognitionStream> Open(
      const telephony::RecognitionOptions&, telephony::RecognitionHandler* handler) override {
    std::lock_guard lock(mu_);
    handlers_.push_back(handler);
    return std::make_unique<Stream>();
  }
  telephony::RecognitionHandler* Last() {
    std::lock_guard lock(mu_);
    return handlers_.empty() ? nullptr : handlers_.back();
  }

 private:
  std::mutex mu_;
  std::vector<telephony::RecognitionHandler*> handlers_;
};

// Polls `done` every 5 ms for up to `ms` milliseconds (real time).
inline bool WaitFor(const std::function<bool()>& done, int ms = 5000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

}  // namespace zx::campaigns::testing
