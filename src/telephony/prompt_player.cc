#include "telephony/prompt_player.h"

#include <chrono>
#include <utility>

#include "base/log.h"
#include "telephony/speech_text.h"
#include "text/utf8.h"

namespace zx::telephony {

PromptPlayer::PromptPlayer(CallControl& calls, SpeechSynthesizer& tts, CallId call)
    : calls_(calls), tts_(tts), call_(call) {}

bool PromptPlayer::Say(std::string_view text, Done done) {
  std::vector<SharedPcm> parts;
  for (const std::string& sentence : SplitSentences(PrepareForSpeech(text))) {
    auto t0 = std::chrono::steady_clock::now();
    auto pcm = tts_.Synthesize(sentence);
    if (!pcm.ok()) {
      log::Error("prompt.tts_failed call={} error=\"{}\"", call_, pcm.status().message());
      continue;
    }
    log::Debug(
        "prompt.tts call={} bytes={} audio_ms={} tts_ms={}", call_, sentence.size(),
        (*pcm)->size() / 8,
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count());
    // Queued at once: it plays while the next sentence is synthesised.
    PlayPart(*pcm, parts.empty());
    parts.push_back(*pcm);
  }
  if (parts.empty()) return false;
  last_audio_ = std::move(parts);
  done_ = std::move(done);
  return true;
}

bool PromptPlayer::Replay(Done done) {
  if (last_audio_.empty()) return false;
  Queue(last_audio_, std::move(done));
  return true;
}

void PromptPlayer::Stop() {
  if (last_prompt_id_) calls_.StopPlayback(call_);
}

void PromptPlayer::OnPlaybackDone(uint64_t prompt_id, bool interrupted) {
  if (prompt_id == 0 || prompt_id != last_prompt_id_) return;  // a sentence before the last
  last_prompt_id_ = 0;
  Done done = std::move(done_);
  done_ = nullptr;
  if (done) done(interrupted);
}

void PromptPlayer::Queue(const std::vector<SharedPcm>& parts, Done done) {
  for (size_t i = 0; i < parts.size(); ++i) PlayPart(parts[i], i == 0);
  done_ = std::move(done);
}

// The first part replaces whatever is still playing; later parts queue behind it.
uint64_t PromptPlayer::PlayPart(SharedPcm pcm, bool first) {
  if (first) {
    done_ = nullptr;  // the prompt it replaces never completes
    calls_.StopPlayback(call_);
  }
  last_prompt_id_ = ++next_prompt_id_;
  calls_.Play(call_, std::move(pcm), last_prompt_id_);
  return last_prompt_id_;
}

std::vector<std::string> PromptPlayer::SplitSentences(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  size_t i = 0;
  while (i < text.size()) {
    size_t len = 1;
    (void)text::utf8::DecodeAt(text, i, &len);
    if (len == 0) len = 1;
    std::string ch(text.substr(i, len));
    current += ch;
    i += len;
    bool end =
        ch == "。" || ch == "！" || ch == "？" || ch == "；" || ch == "!" || ch == "?" ||
        (out.empty() && (ch == "，" || ch == ","));  // the first part short: it is waited for
    // Short fragments ride with the next sentence: fewer, more natural prompts.
    if (end && current.size() >= 18) {
      out.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

}  // namespace zx::telephony
