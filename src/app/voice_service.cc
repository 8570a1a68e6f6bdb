#include "app/voice_service.h"

#include "base/log.h"
#include "telephony/espeak_synthesizer.h"
#include "telephony/funasr_recognizer.h"
#include "telephony/speech_text.h"
#include "voice/ivr_menu.h"

namespace zx::app {

Result<std::unique_ptr<VoiceService>> VoiceService::Start(
    const Config& config, dialogue::DialogueService& dialogue, storage::Database& db,
    std::shared_ptr<const security::FieldCipher> cipher, campaigns::NoticeCalls* notices,
    Metrics* metrics, dialogue::CallbackStore* callbacks) {
  ZX_ASSIGN_OR_RETURN(voice::IvrMenu menu, voice::LoadIvrMenuOf(config.knowledge.kb_dir));
  ZX_ASSIGN_OR_RETURN(voice::CallConfig call,
                      voice::CallConfigFor(config.call, menu, config.knowledge.kb_dir));

  // How Latin words are said in every prompt (kb/speech_words.tsv), before any is rendered.
  ZX_RETURN_IF_ERROR(telephony::UseSpeechLexiconIn(config.knowledge.kb_dir));
  std::unique_ptr<VoiceService> svc(new VoiceService());
  ZX_ASSIGN_OR_RETURN(svc->tts_, telephony::EspeakSynthesizer::Create());
  voice::PrerenderPrompts(menu, *svc->tts_);
  if (!config.asr.url.empty()) {
    ZX_ASSIGN_OR_RETURN(svc->asr_, telephony::CreateFunAsrRecognizer(config.asr));
  }

  telephony::GatewayOptions options =
      telephony::GatewayOptionsFrom(config.server.sip, config.trunk, config.sip);
  // Speech stops a prompt only when it can be understood: without a recogniser a caller's
  // "喂？" would cut the greeting that tells them which keys to press.
  options.barge_in_on_speech = svc->asr_ != nullptr;
  options.max_calls = call.max_calls;
  options.over_capacity_code = call.over_capacity_code;
  options.answer_delay_ms = call.answer_delay_ms;
  options.metrics = metrics;
  if (call.record && cipher) {
    recordings::RecordingVaultOptions vault_options;
    vault_options.max_bytes = config.retention.recordings_max_mb << 20;
    vault_options.metrics = metrics;
    ZX_ASSIGN_OR_RETURN(svc->recordings_,
                        recordings::RecordingVault::Open(db, config.data.dir, cipher->key_ring(),
                                                         SystemClock::Instance(), vault_options));
    options.recorder = svc->recordings_->Factory();
  } else if (call.record) {
    log::Warn(
        "voice.not_recording reason=\"no security.key_file\" fix=\"recordings are kept only "
        "encrypted: create a key file (zhixian keys init) and set security.key_file\"");
  }
  svc->dialogue_ = voice::MenuDialogueOver(dialogue);
  voice::VoiceBridgeOptions bridge_options;
  bridge_options.transfer_to = call.transfer_to;
  if (call.transfer_to.empty() && callbacks) {
    // The agents take calls here: what the waiting caller hears is kb/agent_line.toml.
    ZX_ASSIGN_OR_RETURN(bridge_options.agent_line,
                        voice::AgentLinePromptsIn(config.knowledge.kb_dir));
    svc->desk_ = voice::AgentDeskOver(dialogue, *callbacks);
    bridge_options.desk = svc->desk_.get();
    bridge_options.handling_seconds = call.agent_handling_seconds;
    bridge_options.queue_announce_seconds = call.queue_announce_seconds;
  }
  svc->bridge_ = std::make_unique<voice::VoiceBridge>(std::move(menu), *svc->dialogue_, *svc->tts_,
                                                      svc->asr_.get(), bridge_options);
  ZX_ASSIGN_OR_RETURN(svc->gateway_, telephony::Gateway::Start(options, svc->bridge_.get()));
  svc->bridge_->Attach(svc->gateway_.get());
  if (notices) {
    ZX_RETURN_IF_ERROR(notices->Attach(svc->gateway_.get(), svc->tts_.get()));
    svc->notices_ = notices;
  }
  return svc;
}

VoiceService::~VoiceService() {
  if (bridge_) bridge_->Stop();      // no more prompts into the gateway; new calls refused
  if (notices_) notices_->Detach();  // ... nor calls; open notice calls are closed
  gateway_.reset();                  // hangs up every call
  bridge_.reset();
  desk_.reset();
  dialogue_.reset();
  asr_.reset();
  tts_.reset();
}

}  // namespace zx::app
