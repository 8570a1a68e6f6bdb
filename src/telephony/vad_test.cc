// Voice activity and end-of-utterance detection on real speech: Mandarin from espeak-ng at
// 8 kHz, set at telephone levels, framed by silence or white/pink noise, through G.711.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "telephony/endpoint.h"
#include "telephony/espeak_synthesizer.h"
#include "telephony/g711.h"
#include "telephony/vad.h"

// Counts heap allocations of this test binary, to check that a detector in its steady state
// allocates nothing per frame. (GCC takes the inlined malloc/free pairing for a new/free
// mismatch.)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace zx::telephony {
namespace {

constexpr double kZeroDbm0Rms = 16080;  // as in vad.cc
static_assert(kSampleRate % 1000 == 0);
constexpr int kSamplesPerMs = kSampleRate / 1000;

// ---------------------------------------------------------------------------------------------
// Signals.

// kWhite: hiss over the whole band. kPink: a room's noise (-3 dB/octave) as it reaches the line,
// through the 300-3400 Hz telephone band (G.712). kPinkFullBand: the same with its rumble
// below 300 Hz left in.
enum class NoiseKind { kNone, kWhite, kPink, kPinkFullBand };

// A second-order section (RBJ's audio EQ cookbook), low- or high-pass at `hz`, Q = 1/sqrt(2).
class Biquad {
 public:
  Biquad(bool high_pass, double hz) {
    double w = 2 * M_PI * hz / kSampleRate, alpha = std::sin(w) / std::sqrt(2.0), c = std::cos(w);
    double a0 = 1 + alpha;
    b0_ = (high_pass ? (1 + c) / 2 : (1 - c) / 2) / a0;
    b1_ = (high_pass ? -(1 + c) : (1 - c)) / a0;
    b2_ = b0_;
    a1_ = -2 * c / a0;
    a2_ = (1 - alpha) / a0;
  }
  double operator()(double x) {
    double y = b0_ * x + b1_ * x1_ + b2_ * x2_ - a1_ * y1_ - a2_ * y2_;
    x2_ = x1_, x1_ = x, y2_ = y1_, y1_ = y;
    return y;
  }

 private:
  double b0_, b1_, b2_, a1_, a2_;
  double x1_ = 0, x2_ = 0, y1_ = 0, y2_ = 0;
};

// Gaussian noise of `kind` at `dbm0`.
std::vector<double> Noise(NoiseKind kind, size_t n, double dbm0, uint32_t seed) {
  std::vector<double> v(n, 0.0);
  if (kind == NoiseKind::kNone || n == 0) return v;
  std::mt19937 rng(seed);
  std::normal_distribution<double> gauss(0, 1);
  double b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
  for (double& x : v) {
    double w = gauss(rng);
    if (kind == NoiseKind::kWhite) {
      x = w;
      continue;
    }
    b0 = 0.99886 * b0 + w * 0.0555179;
    b1 = 0.99332 * b1 + w * 0.0750759;
    b2 = 0.96900 * b2 + w * 0.1538520;
    b3 = 0.86650 * b3 + w * 0.3104856;
    b4 = 0.55000 * b4 + w * 0.5329522;
    b5 = -0.7616 * b5 - w * 0.0168980;
    x = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
    b6 = w * 0.115926;
  }
  if (kind == NoiseKind::kPink) {
    Biquad high(true, 300), high2(true, 300), low(false, 3400);
    for (double& x : v) x = low(high2(high(x)));
  }
  double power = 0;
  for (double x : v) power += x * x;
  double gain = kZeroDbm0Rms * std::pow(10, dbm0 / 20) / std::sqrt(power / n);
  for (double& x : v) x *= gain;
  return v;
}

// The active level of speech: mean power of the frames within 25 dB of the loudest (a simple
// stand-in for ITU-T P.56), in dBm0.
double ActiveLevel(const Pcm& pcm) {
  std::vector<double> levels;
  for (size_t i = 0; i + kFrameSamples <= pcm.size(); i += kFrameSamples)
    levels.push_back(LevelDbm0(&pcm[i], kFrameSamples));
  double loudest = *std::max_element(levels.begin(), levels.end());
  double power = 0;
  int n = 0;
  for (double l : levels)
    if (l > loudest - 25) {
      power += std::pow(10, l / 10);
      ++n;
    }
  return 10 * std::log10(power / n);
}

Pcm Gain(const Pcm& in, double db) {
  double g = std::pow(10, db / 20);
  Pcm out(in.size());
  for (size_t i = 0; i < in.size(); ++i)
    out[i] = static_cast<int16_t>(std::clamp(in[i] * g, -32768.0, 32767.0));
  return out;
}

// A call's audio as the gateway hears it: clean speech and pauses laid out on a timeline, noise
// over all of it, then a G.711 round trip. Remembers where each clip of speech lies.
class Line {
 public:
  // Where a clip of speech lies: its first and last samples.
  struct Clip {
    int start_ms, end_ms;
  };

  Line& Pause(int ms) {
    clean_.resize(clean_.size() + static_cast<size_t>(ms) * kSamplesPerMs, 0);
    return *this;
  }
  Line& Say(const Pcm& speech) {
    int start = ms();
    clean_.insert(clean_.end(), speech.begin(), speech.end());
    clips_.push_back({start, ms()});
    return *this;
  }
  // Noise at `dbm0` over the whole line, then G.711 (`codec`). Pads to whole frames.
  Pcm Render(NoiseKind noise, double dbm0, Codec codec, uint32_t seed = 1) const {
    size_t n = (clean_.size() + kFrameSamples - 1) / kFrameSamples * kFrameSamples;
    std::vector<double> mix = Noise(noise, n, dbm0, seed);
    Pcm line(n);
    for (size_t i = 0; i < n; ++i) {
      double s = mix[i] + (i < clean_.size() ? clean_[i] : 0);
      line[i] = static_cast<int16_t>(std::clamp(s, -32768.0, 32767.0));
    }
    std::vector<uint8_t> code(n);
    Encode(codec, line.data(), n, code.data());
    Decode(codec, code.data(), n, line.data());
    return line;
  }
  const std::vector<Clip>& clips() const { return clips_; }
  int ms() const { return static_cast<int>(clean_.size()) / kSamplesPerMs; }

 private:
  Pcm clean_;
  std::vector<Clip> clips_;
};

// An event and the stream time at which it was reported: the end of the frame that raised it.
struct Timed {
  int at_ms;
  UtteranceEvent event;
};

std::vector<Timed> Detect(UtteranceDetector& detector, const Pcm& line) {
  std::vector<Timed> out;
  for (size_t i = 0; i + kFrameSamples <= line.size(); i += kFrameSamples) {
    UtteranceEvent e = detector.Process(&line[i]);
    if (e) out.push_back({static_cast<int>(detector.stream_ms()), std::move(e)});
  }
  return out;
}

std::vector<const Timed*> OfType(const std::vector<Timed>& events, UtteranceEventType type) {
  std::vector<const Timed*> out;
  for (const Timed& t : events)
    if (t.event.type == type) out.push_back(&t);
  return out;
}

std::string Describe(const std::vector<Timed>& events) {
  std::string s;
  for (const Timed& t : events)
    s += std::string(" ") + UtteranceEventName(t.event.type) + "@" + std::to_string(t.at_ms) + "[" +
         std::to_string(t.event.speech_start_ms) + "," + std::to_string(t.event.speech_end_ms) +
         "]";
  return s.empty() ? " (none)" : s;
}

std::unique_ptr<UtteranceDetector> NewDetector(const EndpointOptions& options = {}) {
  auto d = UtteranceDetector::Create(options);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return std::move(d).value();
}

// ---------------------------------------------------------------------------------------------
// Real speech.

constexpr double kSpeechDbm0 = -22;  // a caller at a normal telephone level
constexpr double kNoiseDbm0 = -45;   // background noise of a caller's room

class VadSpeech : public ::testing::Test {
 protected:
  // espeak-ng allows one synthesizer per process: one for the whole suite.
  static void SetUpTestSuite() {
    auto tts = EspeakSynthesizer::Create();
    ASSERT_TRUE(tts.ok()) << tts.status().ToString();
    tts_ = std::move(tts).value().release();
  }
  static void TearDownTestSuite() {
    delete tts_;
    tts_ = nullptr;
  }

  // `text` spoken at `dbm0` (active level), without the synthesizer's own edge silence: the
  // clip's first and last samples are where the speech starts and ends.
  static Pcm Speech(const std::string& text, double dbm0 = kSpeechDbm0) {
    auto audio = tts_->Synthesize(text);
    EXPECT_TRUE(audio.ok()) << audio.status().ToString();
    if (!audio.ok()) return Pcm(kFrameSamples, 0);
    const Pcm& pcm = **audio;
    auto audible = [](int16_t s) { return std::abs(s) > 0; };
    auto first = std::find_if(pcm.begin(), pcm.end(), audible);
    auto last = std::find_if(pcm.rbegin(), pcm.rend(), audible).base();
    Pcm trimmed(first, last);
    return Gain(trimmed, dbm0 - ActiveLevel(trimmed));
  }

  static EspeakSynthesizer* tts_;
};
EspeakSynthesizer* VadSpeech::tts_ = nullptr;

// Sentences that start with a voiced sound (n, w, m), so their start is their first sample.
const char* const kSentences[] = {
    "您好，我想咨询一下社保卡丢了怎么补办。",
    "我家小区门口的垃圾已经好几天没有人清运了。",
    "麻烦帮我查一下养老保险的缴费记录。",
};

TEST_F(VadSpeech, StartsWithin100msAndEndsAfterTheTrailingSilence) {
  const EndpointOptions options;  // 60 ms to start, 700 ms of silence to end
  int case_no = 0;
  for (const char* text : kSentences) {
    for (auto [noise, codec] :
         {std::pair{NoiseKind::kNone, Codec::kPcmu}, std::pair{NoiseKind::kPink, Codec::kPcma},
          std::pair{NoiseKind::kWhite, Codec::kPcmu}}) {
      SCOPED_TRACE(std::string(text) + " case " + std::to_string(case_no++));
      Line line;
      line.Pause(1500).Say(Speech(text)).Pause(2000);
      const Line::Clip clip = line.clips()[0];
      auto detector = NewDetector(options);
      auto events = Detect(*detector, line.Render(noise, kNoiseDbm0, codec, case_no));
      auto starts = OfType(events, UtteranceEventType::kSpeechStarted);
      auto ends = OfType(events, UtteranceEventType::kUtteranceEnded);
      ASSERT_EQ(starts.size(), 1u) << Describe(events);
      ASSERT_EQ(ends.size(), 1u) << Describe(events);
      ASSERT_EQ(events.size(), 2u) << Describe(events);

      // Barge-in: reported 60 ms after the speech began (start_speech_ms); up to 140 ms when it
      // begins with the murmur of an m, which WebRTC's model takes for speech only 20-80 ms in
      // (espeak-ng renders the same sentence in one of two slightly different ways from one
      // process to the next; with one of them the murmur is taken 80 ms in).
      EXPECT_GE(starts[0]->at_ms, clip.start_ms + options.start_speech_ms);
      EXPECT_LE(starts[0]->at_ms, clip.start_ms + 140);
      EXPECT_NEAR(starts[0]->event.speech_start_ms, clip.start_ms, 80);

      // End: the configured trailing silence after the last speech, within two frames.
      const UtteranceEvent& end = ends[0]->event;
      EXPECT_EQ(end.reason, EndReason::kSilence);
      EXPECT_NEAR(ends[0]->at_ms, clip.end_ms + options.end_silence_ms, 2 * kFrameMs);
      EXPECT_NEAR(end.speech_end_ms, clip.end_ms, kFrameMs);
      EXPECT_EQ(end.speech_start_ms, starts[0]->event.speech_start_ms);

      // The audio: pre-roll, the speech, post-roll.
      EXPECT_EQ(end.audio_start_ms, end.speech_start_ms - options.pre_roll_ms);
      EXPECT_EQ(static_cast<int>(end.audio.size()),
                (end.speech_end_ms + options.post_roll_ms - end.audio_start_ms) * kSamplesPerMs);
      EXPECT_LE(end.audio_start_ms, clip.start_ms);
      EXPECT_GE(end.audio_start_ms + static_cast<int>(end.audio.size()) / kSamplesPerMs,
                clip.end_ms);
    }
  }
}

TEST_F(VadSpeech, UtteranceAudioIsTheCallersAudio) {
  Line line;
  line.Pause(1000).Say(Speech(kSentences[0])).Pause(1500);
  Pcm pcm = line.Render(NoiseKind::kPink, kNoiseDbm0, Codec::kPcma);
  auto detector = NewDetector();
  auto events = Detect(*detector, pcm);
  auto ends = OfType(events, UtteranceEventType::kUtteranceEnded);
  ASSERT_EQ(ends.size(), 1u) << Describe(events);
  const UtteranceEvent& end = ends[0]->event;
  size_t offset = static_cast<size_t>(end.audio_start_ms) * kSamplesPerMs;
  ASSERT_LE(offset + end.audio.size(), pcm.size());
  EXPECT_TRUE(std::equal(end.audio.begin(), end.audio.end(), pcm.begin() + offset));
}

TEST_F(VadSpeech, SentenceStartingWithAFricativeKeepsItsOnsetInThePreRoll) {
  // 是 (shi4): the VAD hears the vowel, about 100 ms after the fricative begins.
  Line line;
  line.Pause(1000).Say(Speech("是")).Pause(1500);
  auto detector = NewDetector();
  auto events = Detect(*detector, line.Render(NoiseKind::kPink, kNoiseDbm0, Codec::kPcmu));
  auto ends = OfType(events, UtteranceEventType::kUtteranceEnded);
  ASSERT_EQ(ends.size(), 1u) << Describe(events);
  EXPECT_LE(ends[0]->event.audio_start_ms, line.clips()[0].start_ms);
  EXPECT_LE(OfType(events, UtteranceEventType::kSpeechStarted)[0]->at_ms,
            line.clips()[0].start_ms + 200);
}

TEST_F(VadSpeech, LongPauseSplitsShortPauseDoesNot) {
  const Pcm first = Speech("我想咨询一下");
  const Pcm second = Speech("我的社保卡丢了怎么补办");
  for (NoiseKind noise : {NoiseKind::kNone, NoiseKind::kPink}) {
    {
      SCOPED_TRACE("two sentences, 1.5 s apart");
      Line line;
      line.Pause(800).Say(first).Pause(1500).Say(second).Pause(1500);
      auto detector = NewDetector();
      auto events = Detect(*detector, line.Render(noise, kNoiseDbm0, Codec::kPcma));
      auto ends = OfType(events, UtteranceEventType::kUtteranceEnded);
      ASSERT_EQ(ends.size(), 2u) << Describe(events);
      ASSERT_EQ(OfType(events, UtteranceEventType::kSpeechStarted).size(), 2u);
      for (int i = 0; i < 2; ++i) {
        EXPECT_NEAR(ends[i]->event.speech_start_ms, line.clips()[i].start_ms, 60) << i;
        EXPECT_NEAR(ends[i]->event.speech_end_ms, line.clips()[i].end_ms, 2 * kFrameMs) << i;
      }
    }
    {
      SCOPED_TRACE("one sentence with a 400 ms pause inside");
      Line line;
      line.Pause(800).Say(first).Pause(400).Say(second).Pause(1500);
      auto detector = NewDetector();
      auto events = Detect(*detector, line.Render(noise, kNoiseDbm0, Codec::kPcmu));
      auto ends = OfType(events, UtteranceEventType::kUtteranceEnded);
      ASSERT_EQ(ends.size(), 1u) << Describe(events);
      ASSERT_EQ(events.size(), 2u) << Describe(events);
      EXPECT_NEAR(ends[0]->event.speech_start_ms, line.clips()[0].start_ms, 60);
      EXPECT_NEAR(ends[0]->event.speech_end_ms, line.clips()[1].end_ms, 2 * kFrameMs);
    }
  }
}

TEST_F(VadSpeech, MaxLengthCutsAndSpeechGoesOnInTheNextUtterance) {
  EndpointOptions options;
  options.max_utterance_ms = 2000;
  Line line;
  line.Pause(1000).Say(Speech(kSentences[1])).Pause(1500);
  ASSERT_GT(line.clips()[0].end_ms - line.clips()[0].start_ms, 3000);
  auto detector = NewDetector(options);
  auto events = Detect(*detector, line.Render(NoiseKind::kWhite, kNoiseDbm0, Codec::kPcmu));
  auto ends = OfType(events, UtteranceEventType::kUtteranceEnded);
  ASSERT_GE(ends.size(), 2u) << Describe(events);
  const UtteranceEvent& cut = ends[0]->event;
  EXPECT_EQ(cut.reason, EndReason::kMaxLength);
  EXPECT_EQ(ends[0]->at_ms, cut.speech_start_ms + options.max_utterance_ms);
  EXPECT_EQ(static_cast<int>(cut.audio.size()),
            (options.pre_roll_ms + options.max_utterance_ms) * kSamplesPerMs);
  // The rest of the sentence: new utterances right after each cut, no audio twice, the last
  // one ended by silence.
  for (size_t i = 0; i + 1 < ends.size(); ++i) {
    EXPECT_EQ(ends[i]->event.reason, EndReason::kMaxLength) << i;
    EXPECT_GE(ends[i + 1]->event.audio_start_ms, ends[i]->at_ms) << i;
    EXPECT_LE(ends[i + 1]->event.speech_start_ms, ends[i]->at_ms + 300) << i;
  }
  const UtteranceEvent& rest = ends.back()->event;
  EXPECT_EQ(rest.reason, EndReason::kSilence);
  EXPECT_NEAR(rest.speech_end_ms, line.clips()[0].end_ms, 40);
}

TEST_F(VadSpeech, BurstShorterThanTheMinimumIsNoUtterance) {
  // A vowel cut short, like a grunt or the voiced part of a cough: under start_speech_ms it
  // never starts; under min_speech_ms it may start (barge-in) but is discarded, not an utterance.
  EndpointOptions options;
  options.min_speech_ms = 160;
  const Pcm vowel = Speech("啊");
  auto burst = [&](int ms) {
    Pcm b(vowel.begin() + 160, vowel.begin() + 160 + ms * kSamplesPerMs);
    for (int i = 0; i < 40; ++i) {  // 5 ms fades: no clicks
      b[i] = static_cast<int16_t>(b[i] * i / 40);
      b[b.size() - 1 - i] = static_cast<int16_t>(b[b.size() - 1 - i] * i / 40);
    }
    return b;
  };
  ASSERT_GT(vowel.size(), static_cast<size_t>(120 * kSamplesPerMs));
  for (NoiseKind noise : {NoiseKind::kNone, NoiseKind::kPink}) {
    SCOPED_TRACE(noise == NoiseKind::kNone ? "silence" : "pink noise");
    {
      Line line;
      line.Pause(1000).Say(burst(options.start_speech_ms - kFrameMs)).Pause(1500);
      auto detector = NewDetector(options);
      auto events = Detect(*detector, line.Render(noise, kNoiseDbm0, Codec::kPcma));
      EXPECT_TRUE(events.empty()) << Describe(events);
    }
    {
      Line line;
      line.Pause(1000).Say(burst(100)).Pause(1500);
      auto detector = NewDetector(options);
      auto events = Detect(*detector, line.Render(noise, kNoiseDbm0, Codec::kPcma));
      EXPECT_TRUE(OfType(events, UtteranceEventType::kUtteranceEnded).empty()) << Describe(events);
      EXPECT_EQ(OfType(events, UtteranceEventType::kSpeechDiscarded).size(),
                OfType(events, UtteranceEventType::kSpeechStarted).size())
          << Describe(events);
    }
    {
      SCOPED_TRACE("a short answer is an utterance");
      Line line;
      line.Pause(1000).Say(Speech("好的")).Pause(1500);
      auto detector = NewDetector(options);
      auto events = Detect(*detector, line.Render(noise, kNoiseDbm0, Codec::kPcma));
      EXPECT_EQ(OfType(events, UtteranceEventType::kUtteranceEnded).size(), 1u) << Describe(events);
    }
  }
}

TEST_F(VadSpeech, NoisyLineStillGivesOneUtterancePerSentence) {
  // 13 dB below the speech: a loud room or a poor mobile line.
  for (const char* text : kSentences) {
    Line line;
    line.Pause(2000).Say(Speech(text)).Pause(2000);
    auto detector = NewDetector();
    auto events = Detect(*detector, line.Render(NoiseKind::kPink, kSpeechDbm0 - 13, Codec::kPcma));
    auto ends = OfType(events, UtteranceEventType::kUtteranceEnded);
    ASSERT_EQ(ends.size(), 1u) << text << Describe(events);
    EXPECT_NEAR(ends[0]->event.speech_start_ms, line.clips()[0].start_ms, 100) << text;
    EXPECT_NEAR(ends[0]->event.speech_end_ms, line.clips()[0].end_ms, 100) << text;
  }
}

TEST_F(VadSpeech, QuietCallerIsHeard) {
  Line line;
  line.Pause(1000).Say(Speech(kSentences[2], -32)).Pause(1500);
  auto detector = NewDetector();
  auto events = Detect(*detector, line.Render(NoiseKind::kWhite, -55, Codec::kPcmu));
  auto ends = OfType(events, UtteranceEventType::kUtteranceEnded);
  ASSERT_EQ(ends.size(), 1u) << Describe(events);
  EXPECT_LE(ends[0]->event.audio_start_ms, line.clips()[0].start_ms);
}

TEST_F(VadSpeech, FramesOfSpeechAreSpeech) {
  // The frame classifier itself: the frames where the speech stands 10 dB above the noise are
  // speech (all but a few), over both kinds of noise and both codecs.
  for (const char* text : kSentences) {
    const Pcm clean = Speech(text);
    Line line;
    line.Pause(1000).Say(clean).Pause(500);
    for (auto [noise, codec] :
         {std::pair{NoiseKind::kPink, Codec::kPcma}, std::pair{NoiseKind::kWhite, Codec::kPcmu}}) {
      Pcm pcm = line.Render(noise, kNoiseDbm0, codec);
      auto vad = VoiceActivityDetector::Create();
      ASSERT_TRUE(vad.ok());
      int heard = 0, loud = 0;
      for (size_t i = 0; i + kFrameSamples <= pcm.size(); i += kFrameSamples) {
        bool speech = (*vad)->Process(&pcm[i]);
        size_t in_clip = i - static_cast<size_t>(line.clips()[0].start_ms) * kSamplesPerMs;
        if (i < static_cast<size_t>(line.clips()[0].start_ms) * kSamplesPerMs ||
            in_clip + kFrameSamples > clean.size() ||
            LevelDbm0(&clean[in_clip], kFrameSamples) < kNoiseDbm0 + 10)
          continue;
        ++loud;
        heard += speech;
      }
      EXPECT_GT(heard, loud * 9 / 10) << text << ": " << heard << "/" << loud;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Noise, hiss and silence.

struct NoiseCase {
  NoiseKind kind;
  double dbm0;
  Codec codec;
  const char* what;
};

const NoiseCase kNoises[] = {
    {NoiseKind::kNone, 0, Codec::kPcmu, "digital silence (µ-law)"},
    {NoiseKind::kNone, 0, Codec::kPcma, "digital silence (A-law)"},
    {NoiseKind::kWhite, -65, Codec::kPcmu, "idle line"},
    {NoiseKind::kWhite, -55, Codec::kPcma, "line hiss"},
    {NoiseKind::kWhite, -45, Codec::kPcmu, "loud hiss"},
    {NoiseKind::kPink, -50, Codec::kPcma, "quiet room"},
    {NoiseKind::kPink, -40, Codec::kPcmu, "noisy room"},
    {NoiseKind::kPink, -35, Codec::kPcma, "very noisy room"},
    {NoiseKind::kPinkFullBand, -45, Codec::kPcmu, "room with rumble"},
    {NoiseKind::kPinkFullBand, -35, Codec::kPcma, "noisy room with rumble"},
};

TEST(VadNoise, NoiseAloneIsUnderOnePercentSpeech) {
  for (const NoiseCase& c : kNoises) {
    Pcm line = Line().Pause(60000).Render(c.kind, c.dbm0, c.codec, 7);
    auto vad = VoiceActivityDetector::Create();
    ASSERT_TRUE(vad.ok());
    int speech = 0, frames = 0;
    for (size_t i = 0; i + kFrameSamples <= line.size(); i += kFrameSamples, ++frames)
      speech += (*vad)->Process(&line[i]);
    EXPECT_LT(speech * 100, frames) << c.what << ": " << speech << "/" << frames;
  }
}

TEST(VadNoise, NoiseAloneGivesNoUtterance) {
  EndpointOptions options;
  options.no_speech_timeout_ms = 10000;
  for (const NoiseCase& c : kNoises) {
    for (uint32_t seed : {11u, 12u}) {
      Pcm line = Line().Pause(30000).Render(c.kind, c.dbm0, c.codec, seed);
      auto detector = NewDetector(options);
      auto events = Detect(*detector, line);
      // Only the no-speech timeout, once, at 10 s.
      ASSERT_EQ(events.size(), 1u) << c.what << Describe(events);
      EXPECT_EQ(events[0].event.type, UtteranceEventType::kNoSpeech) << c.what;
      EXPECT_EQ(events[0].at_ms, 10000) << c.what;
    }
  }
}

TEST(VadNoise, LevelDbm0) {
  Pcm sine(8000);
  for (size_t i = 0; i < sine.size(); ++i)
    sine[i] = static_cast<int16_t>(
        std::lround(kZeroDbm0Rms * std::sqrt(2.0) * std::sin(2 * M_PI * 1000 * i / kSampleRate)));
  EXPECT_NEAR(LevelDbm0(sine.data(), sine.size()), 0, 0.05);
  Pcm quiet = Gain(sine, -40);
  EXPECT_NEAR(LevelDbm0(quiet.data(), quiet.size()), -40, 0.1);
  Pcm zero(160, 0);
  EXPECT_EQ(LevelDbm0(zero.data(), zero.size()), -100);
  EXPECT_EQ(LevelDbm0(nullptr, 0), -100);
}

// ---------------------------------------------------------------------------------------------
// The state machine, driven by scripted decisions. Every sample of frame i holds the value i,
// so the utterance's audio says which frames it holds.

class Script {
 public:
  explicit Script(const EndpointOptions& options) : detector_(NewDetector(options)) {}

  // Feeds `decisions` ('S' speech, '.' not), one frame each; returns the events as "type@frame".
  std::vector<std::pair<int, UtteranceEvent>> Feed(const std::string& decisions) {
    std::vector<std::pair<int, UtteranceEvent>> out;
    for (char d : decisions) {
      int16_t frame[kFrameSamples];
      std::fill_n(frame, kFrameSamples, static_cast<int16_t>(next_));
      UtteranceEvent e = detector_->ProcessDecision(frame, d == 'S');
      if (e) out.emplace_back(next_, std::move(e));
      ++next_;
    }
    return out;
  }
  UtteranceDetector& detector() { return *detector_; }
  void Restarted() { next_ = 0; }

 private:
  std::unique_ptr<UtteranceDetector> detector_;
  int next_ = 0;
};

// The frame numbers an utterance's audio holds.
std::vector<int> Frames(const Pcm& audio) {
  std::vector<int> frames;
  for (size_t i = 0; i < audio.size(); i += kFrameSamples) {
    frames.push_back(audio[i]);
    EXPECT_TRUE(std::all_of(audio.begin() + i, audio.begin() + i + kFrameSamples,
                            [&](int16_t s) { return s == audio[i]; }));
  }
  return frames;
}

std::vector<int> Range(int from, int to) {  // [from, to)
  std::vector<int> r;
  for (int i = from; i < to; ++i) r.push_back(i);
  return r;
}

EndpointOptions SmallOptions() {
  EndpointOptions o;
  o.start_speech_ms = 60;    // 3 frames (among 4)
  o.end_silence_ms = 100;    // 5 frames
  o.pre_roll_ms = 40;        // 2 frames
  o.post_roll_ms = 40;       // 2 frames
  o.max_utterance_ms = 400;  // 20 frames
  return o;
}

TEST(UtteranceDetector, StartsAfterStartSpeechEndsAfterTrailingSilence) {
  Script s(SmallOptions());
  //                  0123456789...
  auto events = s.Feed("......SSSSSSSS.......");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].first, 8);  // the third speech frame
  EXPECT_EQ(events[0].second.type, UtteranceEventType::kSpeechStarted);
  EXPECT_EQ(events[0].second.speech_start_ms, 6 * kFrameMs);
  EXPECT_EQ(events[0].second.audio_start_ms, 4 * kFrameMs);
  EXPECT_EQ(events[1].first, 18);  // the fifth frame of silence
  const UtteranceEvent& end = events[1].second;
  EXPECT_EQ(end.type, UtteranceEventType::kUtteranceEnded);
  EXPECT_EQ(end.reason, EndReason::kSilence);
  EXPECT_EQ(end.speech_start_ms, 6 * kFrameMs);
  EXPECT_EQ(end.speech_end_ms, 14 * kFrameMs);
  EXPECT_EQ(Frames(end.audio), Range(4, 16));  // 2 of pre-roll, 8 of speech, 2 of post-roll
  EXPECT_FALSE(s.detector().speaking());
}

TEST(UtteranceDetector, OneNoisyFrameDoesNotStartAndOneDropoutDoesNotStop) {
  Script s(SmallOptions());
  const std::string noisy = "..S...S..S.S...SS..S.S....";  // never 3 speech frames among 4
  EXPECT_TRUE(s.Feed(noisy).empty());
  auto events = s.Feed("SS.S");  // one dropout inside the onset
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].second.type, UtteranceEventType::kSpeechStarted);
  EXPECT_EQ(events[0].second.speech_start_ms, static_cast<int>(noisy.size()) * kFrameMs);
  // Two dropouts are too many.
  Script t(SmallOptions());
  EXPECT_TRUE(t.Feed("S..S..S.S..").empty());
}

TEST(UtteranceDetector, LoneSpeechFrameInTheTrailingSilenceIsIgnored) {
  Script s(SmallOptions());
  // Speech ends at frame 5; a lone speech frame at 8 does not restart the silence: it ends at
  // frame 9 (5 frames after the last speech) and the lone frame is not speech_end.
  auto events = s.Feed("SSSSS..S.....");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].first, 9);
  EXPECT_EQ(events[1].second.speech_end_ms, 5 * kFrameMs);

  // Two in a row do: the utterance goes on.
  Script t(SmallOptions());
  events = t.Feed("SSSSS..SS.....");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].first, 13);
  EXPECT_EQ(events[1].second.speech_end_ms, 9 * kFrameMs);
}

TEST(UtteranceDetector, MaxLengthCutsWithoutLosingOrRepeatingAudio) {
  Script s(SmallOptions());
  auto events = s.Feed(std::string(2, '.') + std::string(50, 'S') + std::string(6, '.'));
  // Speech from frame 2: cut at 21 (20 frames); a new start at 24 (onset 22), cut at 41; a
  // third start at 44 (onset 42), ended by silence at 56.
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[1].first, 21);
  EXPECT_EQ(events[1].second.reason, EndReason::kMaxLength);
  EXPECT_EQ(Frames(events[1].second.audio), Range(0, 22));
  EXPECT_EQ(events[2].second.type, UtteranceEventType::kSpeechStarted);
  EXPECT_EQ(events[2].first, 24);
  EXPECT_EQ(events[2].second.speech_start_ms, 22 * kFrameMs);
  EXPECT_EQ(Frames(events[3].second.audio), Range(22, 42));
  EXPECT_EQ(events[3].second.reason, EndReason::kMaxLength);
  EXPECT_EQ(events[5].second.reason, EndReason::kSilence);
  EXPECT_EQ(Frames(events[5].second.audio), Range(42, 54));
}

// What is settled while the caller speaks (streamed to the recognizer before the end) only grows
// and always begins the audio the end hands over: pauses are held back until speech resumes.
TEST(UtteranceDetector, SettledAudioIsAPrefixOfTheUtterance) {
  Script s(SmallOptions());
  EXPECT_EQ(s.detector().settled_samples(), 0u);
  const std::string line = "....SSSS...SS.SSS......";
  size_t settled = 0;
  std::vector<int> streamed;
  Pcm final_audio;
  for (size_t i = 0; i < line.size(); ++i) {
    auto events = s.Feed(line.substr(i, 1));
    for (auto& [frame, e] : events)
      if (e.type == UtteranceEventType::kUtteranceEnded) final_audio = std::move(e.audio);
    if (!s.detector().speaking()) continue;
    size_t now = s.detector().settled_samples();
    EXPECT_GE(now, settled) << "frame " << i;
    const Pcm& audio = s.detector().utterance_audio();
    streamed.insert(streamed.end(), audio.begin() + settled, audio.begin() + now);
    settled = now;
  }
  // Frames 2..19: pre-roll, speech with its pauses, post-roll; the held-back silence after the
  // last speech frame (16) was never settled.
  ASSERT_EQ(Frames(final_audio), Range(2, 19));
  Pcm sent(streamed.begin(), streamed.end());
  ASSERT_LE(sent.size(), final_audio.size());
  EXPECT_TRUE(std::equal(sent.begin(), sent.end(), final_audio.begin()));
  EXPECT_GE(sent.size(), 15u * kFrameSamples);  // all but the post-roll came before the end
  EXPECT_EQ(s.detector().settled_samples(), 0u);
}

TEST(UtteranceDetector, TooLittleSpeechIsDiscarded) {
  EndpointOptions o = SmallOptions();
  o.min_speech_ms = 120;  // 6 frames
  Script s(o);
  auto events = s.Feed("..SSSS......SSSSSS......");
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[1].second.type, UtteranceEventType::kSpeechDiscarded);
  EXPECT_TRUE(events[1].second.audio.empty());
  EXPECT_EQ(events[3].second.type, UtteranceEventType::kUtteranceEnded);
}

TEST(UtteranceDetector, NoSpeechTimeoutOncePerIdlePeriod) {
  EndpointOptions o = SmallOptions();
  o.no_speech_timeout_ms = 200;  // 10 frames
  Script s(o);
  auto events = s.Feed(std::string(30, '.'));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].first, 9);
  EXPECT_EQ(events[0].second.type, UtteranceEventType::kNoSpeech);
  // After an utterance the timer runs again from its end.
  events = s.Feed("SSSS" + std::string(20, '.'));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].first, 38);  // utterance ended at 38
  EXPECT_EQ(events[2].second.type, UtteranceEventType::kNoSpeech);
  EXPECT_EQ(events[2].first, 48);
  // RestartListening: from now on.
  s.detector().RestartListening();
  events = s.Feed(std::string(12, '.'));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].first, 63);
}

TEST(UtteranceDetector, ResetAndRestartDropTheUtteranceInProgress) {
  Script s(SmallOptions());
  ASSERT_EQ(s.Feed("SSSS").size(), 1u);
  EXPECT_TRUE(s.detector().speaking());
  s.detector().RestartListening();
  EXPECT_FALSE(s.detector().speaking());
  EXPECT_EQ(s.detector().stream_ms(), 4 * kFrameMs);
  // No pre-roll from before the restart.
  auto events = s.Feed("SSS......");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(Frames(events[1].second.audio), Range(4, 9));

  ASSERT_EQ(s.Feed("SSSS").size(), 1u);
  s.detector().Reset();
  s.Restarted();
  EXPECT_EQ(s.detector().stream_ms(), 0);
  EXPECT_FALSE(s.detector().speaking());
  events = s.Feed("SSS");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].second.speech_start_ms, 0);
}

TEST(UtteranceDetector, RejectsBadOptions) {
  auto bad = [](auto mutate) {
    EndpointOptions o;
    mutate(o);
    return UtteranceDetector::Create(o).status().code();
  };
  EXPECT_EQ(bad([](EndpointOptions& o) { o.start_speech_ms = 0; }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](EndpointOptions& o) { o.start_speech_ms = 1000; }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](EndpointOptions& o) { o.end_silence_ms = 0; }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](EndpointOptions& o) { o.max_utterance_ms = 40; }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](EndpointOptions& o) { o.pre_roll_ms = -20; }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](EndpointOptions& o) { o.no_speech_timeout_ms = -1; }), Code::kInvalidArgument);
  auto status = UtteranceDetector::Create({}, VadOptions{.likelihood = 7}).status();
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_NE(status.message().find("likelihood"), std::string::npos) << status.ToString();
  EXPECT_EQ(VoiceActivityDetector::Create(VadOptions{.energy_floor_dbm0 = 3}).status().code(),
            Code::kInvalidArgument);
}

TEST(UtteranceDetector, NoAllocationPerFrame) {
  auto detector = NewDetector();
  Pcm noise = Line().Pause(4000).Render(NoiseKind::kPink, kNoiseDbm0, Codec::kPcma);
  // Warm up: the thread's scratch frame, WebRTC's first frame.
  for (size_t i = 0; i + kFrameSamples <= noise.size(); i += kFrameSamples)
    (void)detector->Process(&noise[i]);
  long before = g_allocations.load();
  int events = 0;
  for (int round = 0; round < 3; ++round)
    for (size_t i = 0; i + kFrameSamples <= noise.size(); i += kFrameSamples)
      events += static_cast<bool>(detector->Process(&noise[i]));
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_EQ(events, 0);
  // Inside an utterance: one reservation when it starts, nothing per frame after.
  int16_t speech[kFrameSamples];
  std::fill_n(speech, kFrameSamples, int16_t{1000});
  for (int i = 0; i < 4; ++i) (void)detector->ProcessDecision(speech, true);
  ASSERT_TRUE(detector->speaking());
  before = g_allocations.load();
  for (int i = 0; i < 150; ++i) (void)detector->ProcessDecision(speech, true);
  EXPECT_EQ(g_allocations.load() - before, 0);
}

}  // namespace
}  // namespace zx::telephony
