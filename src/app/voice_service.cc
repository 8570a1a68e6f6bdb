#include "app/voice_service.h"

#include "base/log.h"
#include "voice/spoken_reply.h"

namespace zx::app {

Result<std::unique_ptr<VoiceService>> VoiceService::Start(
    const Config& config, dialogue::DialogueService& dialogue, storage::Database& db,
    std::shared_ptr<const security::FieldCipher> cipher, campaigns::NoticeCalls* notices,
    Metrics* metrics, dialogue::CallbackStore* callbacks, const knowledge::Assistant* assistant,
    const Readiness* readiness, voice::RefusedCalls* refused) {
  std::unique_ptr<VoiceService> svc(new VoiceService());
  voice::PhoneServiceOptions options{.kb_dir = config.knowledge.kb_dir,
                                     .listen = config.server.sip,
                                     .trunk = config.trunk,
                                     .sip = config.sip,
                                     .call = config.call,
                                     .asr = config.asr,
                                     .metrics = metrics,
                                     .callbacks = callbacks,
                                     .recorder = {},
                                     .not_taking_calls = {}};
  if (readiness) options.not_taking_calls = [readiness] { return readiness->Why(); };
  options.refused = refused;
  options.recorder = [&]() -> Result<telephony::RecordingFactory> {
    if (!cipher) {
      log::Warn(
          "voice.not_recording reason=\"no security.key_file\" fix=\"recordings are kept only "
          "encrypted: create a key file (zhixian keys init) and set security.key_file\"");
      return telephony::RecordingFactory();
    }
    recordings::RecordingVaultOptions vault_options;
    vault_options.max_bytes = config.retention.recordings_max_mb << 20;
    vault_options.metrics = metrics;
    ZX_ASSIGN_OR_RETURN(svc->recordings_,
                        recordings::RecordingVault::Open(db, config.data.dir, cipher->key_ring(),
                                                         SystemClock::Instance(), vault_options));
    return svc->recordings_->Factory();
  };
  ZX_ASSIGN_OR_RETURN(svc->phone_, voice::PhoneService::Start(options, dialogue));
  if (notices) {
    campaigns::Listening listening;
    if (telephony::SpeechRecognizer* asr = svc->phone_->recognizer()) {
      ZX_ASSIGN_OR_RETURN(auto replies, campaigns::CallReplies::Load(config.knowledge.kb_dir +
                                                                     "/campaigns/replies.toml"));
      svc->replies_ = std::make_unique<campaigns::CallReplies>(std::move(replies));
      listening = {asr, svc->replies_.get(), [assistant](const std::string& question) {
                     if (!assistant) return std::string();
                     knowledge::Answer a = assistant->Ask(question);
                     return a.topic ? voice::SpokenForm(a.text).say : std::string();
                   }};
    }
    ZX_RETURN_IF_ERROR(notices->Attach(&svc->phone_->gateway(), &svc->phone_->synthesizer(),
                                       std::move(listening)));
    svc->notices_ = notices;
  }
  return svc;
}

VoiceService::~VoiceService() {
  if (phone_) phone_->Stop();        // no more prompts into the gateway; new calls refused
  if (notices_) notices_->Detach();  // ... nor calls; open notice calls are closed
  phone_.reset();                    // hangs up every call
}

}  // namespace zx::app
