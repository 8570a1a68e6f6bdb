// The voice side of `zhixian serve`, wired: speech synthesizer, optional recogniser, recordings
// vault, the phone menu (voice/voice_bridge.h) and the SIP gateway, started from the
// configuration (server.sip, [call], [trunk], [sip], [asr], data.dir) and kb/ivr.toml; stopped
// (calls hung up) on destruction. Calls are recorded ([call] record) only encrypted, so only
// with a key file (`cipher`); without one they are not recorded, and a warning says so.
// Inbound calls go to the menu; `notices` (may be null: no outbound calls) places its own calls
// through the gateway and must outlive the service. `metrics` (may be null) gets the gateway's
// and the recordings' counters and must outlive the service. Without [call] transfer_to the
// agents take calls in zhixian: `callbacks` (may be null: no call-back tasks, the caller is only
// told the conversation waits) keeps the call-back tasks and must outlive the service.
#pragma once

#include <memory>

#include "app/config.h"
#include "base/metrics.h"
#include "base/status.h"
#include "campaigns/notice_calls.h"
#include "dialogue/callback_store.h"
#include "dialogue/service.h"
#include "recordings/recordings.h"
#include "security/field_cipher.h"
#include "storage/database.h"
#include "telephony/gateway.h"
#include "telephony/recognizer.h"
#include "telephony/synthesizer.h"
#include "voice/menu_dialogue.h"
#include "voice/voice_bridge.h"

namespace zx::app {

class VoiceService {
 public:
  static Result<std::unique_ptr<VoiceService>> Start(
      const Config& config, dialogue::DialogueService& dialogue, storage::Database& db,
      std::shared_ptr<const security::FieldCipher> cipher,
      campaigns::NoticeCalls* notices = nullptr, Metrics* metrics = nullptr,
      dialogue::CallbackStore* callbacks = nullptr);
  ~VoiceService();
  uint16_t sip_port() const { return gateway_->port(); }

 private:
  VoiceService() = default;
  std::unique_ptr<telephony::SpeechSynthesizer> tts_;
  std::unique_ptr<telephony::SpeechRecognizer> asr_;        // null without asr.url
  std::unique_ptr<recordings::RecordingVault> recordings_;  // outlives the gateway's sinks
  std::unique_ptr<voice::MenuDialogue> dialogue_;
  std::unique_ptr<voice::AgentDesk> desk_;      // null with transfer_to or without callbacks
  std::unique_ptr<voice::VoiceBridge> bridge_;  // the gateway's router: outlives it
  campaigns::NoticeCalls* notices_ = nullptr;   // not owned
  std::unique_ptr<telephony::Gateway> gateway_;
};

}  // namespace zx::app
