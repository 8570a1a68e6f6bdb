// The voice side of `zhixian serve`, wired: the phone line (voice/phone_service.h) from the
// configuration (server.sip, [call], [trunk], [sip], [asr]) and kb/, with the recordings vault
// and the outbound notice calls; stopped (calls hung up) on destruction. Calls are recorded
// ([call] record) only encrypted, so only with a key file (`cipher`); without one they are not
// recorded, and a warning says so. `notices` (may be null: no outbound calls) places its own
// calls through the gateway and must outlive the service. `metrics` (may be null) gets the
// gateway's and the recordings' counters and must outlive the service; so must `callbacks` (may
// be null: no call-back tasks). With speech recognition, notice calls understand what the
// citizen says (kb/campaigns/replies.toml) and answer questions from `assistant` (may be null).
// `readiness` (may be null: always) says when the node takes no new calls (draining, database
// unreachable) and must outlive the service.
#pragma once

#include <memory>

#include "app/config.h"
#include "base/metrics.h"
#include "base/readiness.h"
#include "base/status.h"
#include "campaigns/call_replies.h"
#include "campaigns/notice_calls.h"
#include "dialogue/callback_store.h"
#include "dialogue/service.h"
#include "knowledge/answer.h"
#include "recordings/recordings.h"
#include "security/field_cipher.h"
#include "storage/database.h"
#include "voice/phone_service.h"

namespace zx::app {

class VoiceService {
 public:
  static Result<std::unique_ptr<VoiceService>> Start(
      const Config& config, dialogue::DialogueService& dialogue, storage::Database& db,
      std::shared_ptr<const security::FieldCipher> cipher,
      campaigns::NoticeCalls* notices = nullptr, Metrics* metrics = nullptr,
      dialogue::CallbackStore* callbacks = nullptr, const knowledge::Assistant* assistant = nullptr,
      const Readiness* readiness = nullptr, voice::RefusedCalls* refused = nullptr);
  ~VoiceService();

  // The gateway's figures: calls up now, inbound and outbound (a draining node stops when none
  // is left), and the OPTIONS probes it answered (telephony::GatewayStats).
  telephony::GatewayStats stats() const { return phone_->gateway().stats(); }

 private:
  VoiceService() = default;
  std::unique_ptr<recordings::RecordingVault> recordings_;  // outlives the gateway's sinks
  std::unique_ptr<voice::PhoneService> phone_;
  std::unique_ptr<campaigns::CallReplies> replies_;  // with speech recognition
  campaigns::NoticeCalls* notices_ = nullptr;        // not owned
};

}  // namespace zx::app
