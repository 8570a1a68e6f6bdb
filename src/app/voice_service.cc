#include "app/voice_service.h"

#include <filesystem>
#include <vector>

#include "app/speech_command.h"
#include "base/log.h"
#include "telephony/espeak_synthesizer.h"
#include "telephony/funasr_recognizer.h"
#include "telephony/prompt_player.h"
#include "telephony/speech_text.h"
#include "voice/ivr_menu.h"

namespace zx::app {

Result<std::unique_ptr<VoiceService>> VoiceService::Start(
    const Config& config, dialogue::DialogueService& dialogue, storage::Database& db,
    std::shared_ptr<const security::FieldCipher> cipher, campaigns::NoticeCalls* notices,
    Metrics* metrics, dialogue::CallbackStore* callbacks) {
  namespace fs = std::filesystem;
  std::string ivr_path = (fs::path(config.knowledge.kb_dir) / "ivr.toml").string();
  // The menu is checked against the knowledge base it leads to (entries, calculators, faq
  // topics reachable).
  ZX_ASSIGN_OR_RETURN(voice::MenuCatalog catalog, voice::ReadMenuCatalog(config.knowledge.kb_dir));
  ZX_ASSIGN_OR_RETURN(voice::IvrMenu menu, voice::LoadIvrMenu(ivr_path, &catalog));

  // Calls of this deployment: the configuration's [call], unless an older kb/ivr.toml still
  // carries its own (then it is used as before, and the operator is told where it belongs).
  voice::CallConfig call = config.call;
  if (call.over_capacity_code != 486 && call.over_capacity_code != 503)
    return InvalidArgument("call.over_capacity_code must be 486 or 503");
  if (menu.legacy_call) {
    const voice::LegacyCallSection& legacy = *menu.legacy_call;
    call.max_calls = legacy.max_calls;
    call.over_capacity_code = legacy.over_capacity_code;
    call.answer_delay_ms = legacy.answer_delay_ms;
    call.record = legacy.record ? 1 : 0;
    call.transfer_to = legacy.transfer_to;
    log::Warn(
        "voice.ivr_call_moved file={} fix=\"[call] max_calls, over_capacity_code, "
        "answer_delay_ms, record and transfer_to moved from kb/ivr.toml to the configuration "
        "file ([call] in config/zhixian.toml, or ZHIXIAN_CALL_*); the values of kb/ivr.toml are "
        "used until its [call] section is removed\"",
        ivr_path);
  }

  // How Latin words are said in every prompt (kb/speech_words.tsv), before any is rendered.
  ZX_RETURN_IF_ERROR(UseSpeechLexicon(config.knowledge.kb_dir));
  std::unique_ptr<VoiceService> svc(new VoiceService());
  ZX_ASSIGN_OR_RETURN(svc->tts_, telephony::EspeakSynthesizer::Create());
  // Render the fixed prompts now: the first caller should not wait for them (the synthesizer
  // keeps rendered sentences).
  std::vector<std::string> fixed = {menu.greeting, menu.invalid_key, menu.no_input, menu.goodbye,
                                    menu.after_answer};
  for (const voice::IvrLevel& level : menu.menus)
    fixed.insert(fixed.end(), level.pages.begin(), level.pages.end());
  for (const voice::IvrInput& input : menu.inputs) fixed.push_back(input.prompt);
  for (const std::string& text : fixed) {
    for (const std::string& sentence :
         telephony::PromptPlayer::SplitSentences(telephony::PrepareForSpeech(text)))
      (void)svc->tts_->Synthesize(sentence);
  }

  if (!config.asr.url.empty()) {
    telephony::FunAsrOptions asr;
    asr.url = config.asr.url;
    asr.mode = config.asr.mode;
    asr.final_timeout = std::chrono::milliseconds(config.asr.final_timeout_ms);
    auto recognizer = telephony::CreateFunAsrRecognizer(asr);
    if (!recognizer.ok())
      return Status(recognizer.status().code(), "asr: " + recognizer.status().message());
    svc->asr_ = std::move(recognizer).value();
    log::Info("voice.asr url={} mode={}", config.asr.url, config.asr.mode);
  }

  telephony::GatewayOptions options;
  options.listen = config.server.sip;
  // Speech stops a prompt only when it can be understood: without a recogniser a caller's
  // "喂？" would cut the greeting that tells them which keys to press.
  options.barge_in_on_speech = svc->asr_ != nullptr;
  options.trunk.proxy = config.trunk.proxy;
  options.trunk.domain = config.trunk.domain;
  options.trunk.username = config.trunk.username;
  options.trunk.password = config.trunk.password;
  options.trunk.from_user = config.trunk.from_user;
  options.trunk.register_enabled = config.trunk.register_enabled != 0;
  options.trunk.register_expires_s = config.trunk.register_expires_s;
  options.transfer_timeout_ms = config.trunk.transfer_timeout_s * 1000;
  options.max_calls = call.max_calls;
  options.over_capacity_code = call.over_capacity_code;
  options.answer_delay_ms = call.answer_delay_ms;
  options.rtp_latching = config.sip.rtp_latching != 0;
  options.max_calls_per_source = config.sip.max_calls_per_source;
  options.no_media_timeout_ms = config.sip.no_media_timeout_s * 1000;
  options.media_idle_timeout_ms = config.sip.media_idle_timeout_s * 1000;
  options.allow_from = config.sip.allow_from;
  options.tcp_backlog = config.sip.tcp_backlog;
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
    std::string line_path = (fs::path(config.knowledge.kb_dir) / "agent_line.toml").string();
    if (fs::exists(line_path)) {
      ZX_ASSIGN_OR_RETURN(bridge_options.agent_line, voice::LoadAgentLinePrompts(line_path));
    }
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
