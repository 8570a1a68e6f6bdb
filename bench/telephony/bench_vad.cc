// Voice activity detection per call, as the gateway's 20 ms media ticker will run it: one
// detector per call, every call's frame in turn, tick after tick. Measures the CPU time of one
// 20 ms frame for
//   energy         baseline: a plain energy detector (frame level against a fixed threshold)
//   webrtc_apm     bare webrtc::AudioProcessing voice detection, two 10 ms halves
//   vad            VoiceActivityDetector (WebRTC + energy gates)
//   utterance      UtteranceDetector (the VAD + the end-of-utterance state machine)
// over 1 call and over 500 calls (each with its own detector, so state is cold in cache as in
// the ticker), then prints the ratio to the baseline, the calls one core could carry with the
// detector alone, the memory of one detector and the cost of creating one (call setup).
//
//   build/bench/telephony/bench_vad [--benchmark_filter=...]
//
// The audio: Mandarin sentences from espeak-ng with pauses, pink noise at -45 dBm0, 8 kHz.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <webrtc/modules/audio_processing/include/audio_processing.h>
#include <webrtc/modules/interface/module_common_types.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "telephony/endpoint.h"
#include "telephony/espeak_synthesizer.h"
#include "telephony/vad.h"

namespace {

using zx::telephony::kFrameSamples;
using zx::telephony::Pcm;

// ~20 s of a caller: speech and pauses over noise.
const Pcm& Audio() {
  static const Pcm audio = [] {
    auto tts = zx::telephony::EspeakSynthesizer::Create();
    if (!tts.ok()) {
      std::fprintf(stderr, "espeak-ng: %s\n", tts.status().ToString().c_str());
      std::exit(1);
    }
    Pcm line;
    for (const char* text :
         {"您好，我想咨询一下社保卡丢了怎么补办。", "好的。",
          "我家小区门口的垃圾已经好几天没有人清运了。", "麻烦帮我查一下养老保险的缴费记录。"}) {
      line.resize(line.size() + 8000, 0);  // 1 s pause
      auto pcm = (*tts)->Synthesize(text);
      if (pcm.ok()) line.insert(line.end(), (*pcm)->begin(), (*pcm)->end());
    }
    line.resize((line.size() + 8000) / kFrameSamples * kFrameSamples, 0);
    std::mt19937 rng(1);
    std::normal_distribution<double> gauss(0, 1);
    double b0 = 0, b1 = 0, b2 = 0;  // a rough pink
    const double noise_rms = 16080 * std::pow(10, -45 / 20.0);
    for (int16_t& s : line) {
      double w = gauss(rng);
      b0 = 0.99765 * b0 + w * 0.0990460;
      b1 = 0.96300 * b1 + w * 0.2965164;
      b2 = 0.57000 * b2 + w * 1.0526913;
      double n = (b0 + b1 + b2 + w * 0.1848) * noise_rms / 3.5;
      s = static_cast<int16_t>(std::clamp(s * 0.4 + n, -32768.0, 32767.0));
    }
    return line;
  }();
  return audio;
}

// Baseline: what the cheapest possible detector costs.
struct EnergyDetector {
  bool Process(const int16_t* frame) {
    return zx::telephony::LevelDbm0(frame, kFrameSamples) > -40;
  }
};

// webrtc::AudioProcessing with only voice detection, as VoiceActivityDetector sets it up
// (initialised for 8 kHz before the first frame: left to the first frame, the processor keeps
// twice the memory, ~56 KB).
struct BareApm {
  std::unique_ptr<webrtc::AudioProcessing> apm{webrtc::AudioProcessing::Create()};
  BareApm() {
    apm->Initialize(8000, 8000, 8000, webrtc::AudioProcessing::kMono,
                    webrtc::AudioProcessing::kMono, webrtc::AudioProcessing::kMono);
    apm->voice_detection()->Enable(true);
    apm->voice_detection()->set_likelihood(webrtc::VoiceDetection::kVeryLowLikelihood);
  }
  bool Process(const int16_t* frame) {
    static thread_local webrtc::AudioFrame f;
    bool voice = false;
    for (int half = 0; half < 2; ++half) {
      f.sample_rate_hz_ = 8000;
      f.num_channels_ = 1;
      f.samples_per_channel_ = kFrameSamples / 2;
      std::copy_n(frame + half * kFrameSamples / 2, kFrameSamples / 2, f.data_);
      apm->ProcessStream(&f);
      voice = voice || apm->voice_detection()->stream_has_voice();
    }
    return voice;
  }
};

struct Vad {
  std::unique_ptr<zx::telephony::VoiceActivityDetector> d =
      zx::telephony::VoiceActivityDetector::Create().value();
  bool Process(const int16_t* frame) { return d->Process(frame); }
};

struct Utterance {
  std::unique_ptr<zx::telephony::UtteranceDetector> d =
      zx::telephony::UtteranceDetector::Create().value();
  bool Process(const int16_t* frame) { return static_cast<bool>(d->Process(frame)); }
};

// One iteration = one call's 20 ms frame; calls take turns as in the ticker (all calls' frame t,
// then all calls' frame t+1), each call at its own offset in the audio.
template <typename Detector>
void BM_Frame(benchmark::State& state) {
  const Pcm& audio = Audio();
  const size_t frames = audio.size() / kFrameSamples;
  const int calls = static_cast<int>(state.range(0));
  std::vector<Detector> detectors(calls);
  std::vector<size_t> position(calls);
  for (int c = 0; c < calls; ++c) position[c] = (static_cast<size_t>(c) * 97) % frames;
  int c = 0;
  int speech = 0;
  for (auto _ : state) {
    speech += detectors[c].Process(&audio[position[c] * kFrameSamples]);
    position[c] = position[c] + 1 == frames ? 0 : position[c] + 1;
    if (++c == calls) c = 0;
  }
  benchmark::DoNotOptimize(speech);
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_TEMPLATE(BM_Frame, EnergyDetector)->Name("energy")->Arg(1)->Arg(500);
BENCHMARK_TEMPLATE(BM_Frame, BareApm)->Name("webrtc_apm")->Arg(1)->Arg(500);
BENCHMARK_TEMPLATE(BM_Frame, Vad)->Name("vad")->Arg(1)->Arg(500);
BENCHMARK_TEMPLATE(BM_Frame, Utterance)->Name("utterance")->Arg(1)->Arg(500);

// Call setup: create a detector and process its first frame; then drop it.
void BM_Create(benchmark::State& state) {
  const Pcm& audio = Audio();
  for (auto _ : state) {
    auto d = zx::telephony::UtteranceDetector::Create().value();
    benchmark::DoNotOptimize(d->Process(audio.data()));
  }
}
BENCHMARK(BM_Create)->Name("create");

// Heap bytes held per detector once it has processed a frame.
template <typename Detector>
double BytesPerDetector() {
  const Pcm& audio = Audio();
  constexpr int kCount = 200;
  size_t before = mallinfo2().uordblks;
  std::vector<Detector> detectors(kCount);
  for (auto& d : detectors) d.Process(audio.data());
  return static_cast<double>(mallinfo2().uordblks - before) / kCount;
}

// Keeps each run's CPU time per iteration (seconds) to print the comparison at the end.
class Reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs)
      if (!r.error_occurred && r.iterations > 0)
        cpu_s_[r.benchmark_name()] = r.cpu_accumulated_time / static_cast<double>(r.iterations);
  }
  double Us(const std::string& name) const {
    auto it = cpu_s_.find(name);
    return it == cpu_s_.end() ? 0 : it->second * 1e6;
  }

 private:
  std::map<std::string, double> cpu_s_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  Audio();  // synthesise before timing
  Reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);

  std::printf("\nCPU per 20 ms frame, against the energy baseline of the same run:\n");
  for (const char* calls : {"1", "500"}) {
    double base = reporter.Us(std::string("energy/") + calls);
    for (const char* name : {"energy", "webrtc_apm", "vad", "utterance"}) {
      double us = reporter.Us(std::string(name) + "/" + calls);
      if (us <= 0 || base <= 0) continue;
      std::printf("  %-10s calls=%-3s %7.3f us/frame  x%-6.1f  one core: %7.0f calls\n", name,
                  calls, us, us / base, 20000.0 / us);
    }
  }
  if (double us = reporter.Us("create"); us > 0)
    std::printf("Creating a detector (and its first frame): %.1f us\n", us);
  std::printf("Heap per detector: webrtc_apm %.0f B, vad %.0f B, utterance %.0f B (idle)\n",
              BytesPerDetector<BareApm>(), BytesPerDetector<Vad>(), BytesPerDetector<Utterance>());
  benchmark::Shutdown();
  return 0;
}
