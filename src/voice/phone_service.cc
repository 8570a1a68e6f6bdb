#include "voice/phone_service.h"

#include "telephony/espeak_synthesizer.h"
#include "telephony/funasr_recognizer.h"
#include "telephony/speech_text.h"
#include "voice/agent_line.h"
#include "voice/ivr_menu.h"

namespace zx::voice {

Result<std::unique_ptr<PhoneService>> PhoneService::Start(const PhoneServiceOptions& o,
                                                          dialogue::DialogueService& dialogue) {
  ZX_ASSIGN_OR_RETURN(IvrMenu menu, LoadIvrMenuOf(o.kb_dir));
  ZX_ASSIGN_OR_RETURN(CallConfig call, CallConfigFor(o.call, menu, o.kb_dir));

  // How Latin words are said in every prompt (kb/speech_words.tsv), before any is rendered.
  ZX_RETURN_IF_ERROR(telephony::UseSpeechLexiconIn(o.kb_dir));
  std::unique_ptr<PhoneService> svc(new PhoneService());
  ZX_ASSIGN_OR_RETURN(svc->tts_, telephony::EspeakSynthesizer::Create());
  // The fixed prompts are rendered (a second or so) while the server starts taking calls: a
  // call in that second waits for its greeting no longer than it would have waited to connect.
  svc->prerender_ = std::make_unique<Worker>("zx-prerender");
  svc->prerender_->Post([menu, tts = svc->tts_.get()] { PrerenderPrompts(menu, *tts); });
  if (!o.asr.url.empty()) {
    ZX_ASSIGN_OR_RETURN(svc->asr_, telephony::CreateFunAsrRecognizer(o.asr));
  }

  telephony::GatewayOptions options = telephony::GatewayOptionsFrom(o.listen, o.trunk, o.sip);
  // Speech stops a prompt only when it can be understood: without a recogniser a caller's
  // "喂？" would cut the greeting that tells them which keys to press.
  options.barge_in_on_speech = svc->asr_ != nullptr;
  options.max_calls = call.max_calls;
  options.not_taking_calls = o.not_taking_calls;
  options.over_capacity_code = call.over_capacity_code;
  options.answer_delay_ms = call.answer_delay_ms;
  options.metrics = o.metrics;
  if (o.refused) {
    svc->refused_ = std::make_unique<Worker>("zx-refused");
    options.on_refused = [worker = svc->refused_.get(), store = o.refused](std::string_view why) {
      worker->Post([store, reason = std::string(why)] { (void)store->Record(reason); });
    };
  }
  if (call.record && o.recorder) {
    ZX_ASSIGN_OR_RETURN(options.recorder, o.recorder());
  }
  svc->dialogue_ = MenuDialogueOver(dialogue);
  VoiceBridgeOptions bridge_options;
  bridge_options.transfer_to = call.transfer_to;
  if (call.transfer_to.empty() && o.callbacks) {
    // The agents take calls here: what the waiting caller hears is kb/agent_line.toml.
    ZX_ASSIGN_OR_RETURN(bridge_options.agent_line, AgentLinePromptsIn(o.kb_dir));
    svc->desk_ = AgentDeskOver(dialogue, *o.callbacks);
    bridge_options.desk = svc->desk_.get();
    bridge_options.handling_seconds = call.agent_handling_seconds;
    bridge_options.queue_announce_seconds = call.queue_announce_seconds;
  }
  svc->bridge_ = std::make_unique<VoiceBridge>(std::move(menu), *svc->dialogue_, *svc->tts_,
                                               svc->asr_.get(), bridge_options);
  ZX_ASSIGN_OR_RETURN(svc->gateway_, telephony::Gateway::Start(options, svc->bridge_.get()));
  svc->bridge_->Attach(svc->gateway_.get());
  return svc;
}

void PhoneService::Stop() {
  if (bridge_) bridge_->Stop();
}

PhoneService::~PhoneService() {
  Stop();
  gateway_.reset();  // hangs up every call
  bridge_.reset();
  desk_.reset();
  dialogue_.reset();
  asr_.reset();
  prerender_.reset();  // finishes rendering before the synthesizer goes
  tts_.reset();
}

}  // namespace zx::voice
