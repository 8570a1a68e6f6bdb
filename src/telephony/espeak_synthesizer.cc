#include "telephony/espeak_synthesizer.h"

#include <espeak-ng/speak_lib.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "base/log.h"
#include "telephony/resampler.h"

namespace zx::telephony {
namespace {

std::atomic<bool> g_instance{false};

int OnSynth(short* wav, int n, espeak_EVENT* events) {
  if (wav && n > 0 && events && events->user_data) {
    auto* out = static_cast<std::vector<int16_t>*>(events->user_data);
    out->insert(out->end(), wav, wav + n);
  }
  return 0;  // continue
}

class EspeakImpl final : public EspeakSynthesizer {
 public:
  explicit EspeakImpl(EspeakOptions options) : options_(std::move(options)) {}

  ~EspeakImpl() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    g_instance = false;
  }

  Status Start() {
    std::promise<Status> started;
    auto ready = started.get_future();
    thread_ = std::thread([this, &started] { Run(started); });
    return ready.get();
  }

  Result<SharedPcm> Synthesize(std::string_view text) override {
    if (text.empty()) return InvalidArgument("nothing to say");
    std::string key(text);
    {
      std::lock_guard lock(mu_);
      ++stats_.requests;
      auto it = cache_.find(key);
      if (it != cache_.end()) {
        ++stats_.cache_hits;
        lru_.splice(lru_.begin(), lru_, it->second.lru);
        return it->second.pcm;
      }
    }
    std::promise<Result<SharedPcm>> done;
    auto result = done.get_future();
    {
      std::lock_guard lock(mu_);
      if (stopping_) return Unavailable("synthesizer stopped");
      queue_.push_back([this, key, &done] { done.set_value(Render(key)); });
    }
    cv_.notify_one();
    Result<SharedPcm> pcm = result.get();
    if (pcm.ok()) {
      std::lock_guard lock(mu_);
      if (!cache_.count(key)) {
        lru_.push_front(key);
        cache_.emplace(key, Entry{*pcm, lru_.begin()});
        while (cache_.size() > options_.cache_entries) {
          cache_.erase(lru_.back());
          lru_.pop_back();
        }
      }
    }
    return pcm;
  }

  SynthesizerStats stats() const override {
    std::lock_guard lock(mu_);
    return stats_;
  }

 private:
  struct Entry {
    SharedPcm pcm;
    std::list<std::string>::iterator lru;
  };

  void Run(std::promise<Status>& started) {
    // espeak-ng 1.51 does not survive espeak_Terminate + espeak_Initialize in one process (the
    // next synthesis hangs): initialise once and keep the engine until exit.
    static int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 500, nullptr, 0);
    if (rate <= 0) {
      started.set_value(
          Unavailable("espeak-ng failed to initialise (is espeak-ng-data installed?)"));
      return;
    }
    if (espeak_SetVoiceByName(options_.voice.c_str()) != EE_OK) {
      started.set_value(Unavailable("espeak-ng has no voice '" + options_.voice + "'"));
      return;
    }
    espeak_SetParameter(espeakRATE, options_.rate_wpm, 0);
    espeak_SetParameter(espeakPITCH, options_.pitch, 0);
    espeak_SetParameter(espeakVOLUME, options_.volume, 0);
    espeak_SetSynthCallback(&OnSynth);
    auto resampler = Resampler::Create(rate, kSampleRate, 5);
    if (!resampler.ok()) {
      started.set_value(resampler.status());
      return;
    }
    engine_rate_ = rate;
    started.set_value(Status::Ok());
    log::Info("tts.ready engine=espeak-ng voice={} rate={}", options_.voice, rate);

    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) break;  // stopping and drained
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job();
    }
  }

  // On the synthesis thread.
  Result<SharedPcm> Render(const std::string& text) {
    std::vector<int16_t> raw;
    espeak_ERROR err = espeak_Synth(text.data(), text.size() + 1, 0, POS_CHARACTER, 0,
                                    espeakCHARS_UTF8, nullptr, &raw);
    if (err != EE_OK)
      return Unavailable("espeak-ng synthesis failed (" + std::to_string(err) + ")");
    auto resampler = Resampler::Create(engine_rate_, kSampleRate, 5);
    if (!resampler.ok()) return resampler.status();
    auto pcm = std::make_shared<Pcm>((*resampler)->ProcessAll(raw));
    return SharedPcm(std::move(pcm));
  }

  EspeakOptions options_;
  int engine_rate_ = 22050;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::unordered_map<std::string, Entry> cache_;
  std::list<std::string> lru_;
  SynthesizerStats stats_;
};

}  // namespace

Result<std::unique_ptr<EspeakSynthesizer>> EspeakSynthesizer::Create(const EspeakOptions& options) {
  bool expected = false;
  if (!g_instance.compare_exchange_strong(expected, true))
    return FailedPrecondition("an espeak-ng synthesizer already exists in this process");
  auto impl = std::make_unique<EspeakImpl>(options);
  Status s = impl->Start();
  if (!s.ok()) return s;  // the destructor joins the thread and frees the slot
  return std::unique_ptr<EspeakSynthesizer>(std::move(impl));
}

}  // namespace zx::telephony
