// The phone line of a deployment, started from its configuration: the speech synthesizer, the
// recogniser (with asr.url), the phone menu of KB_DIR/ivr.toml (checked against the knowledge
// base), the agents' desk for hand-overs without call.transfer_to, the voice bridge and the SIP
// gateway; stopped (calls hung up) on destruction. Inbound calls go to the menu; outbound calls
// (campaigns) use gateway() and synthesizer() (app/voice_service.h wires them and recordings).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/metrics.h"
#include "base/status.h"
#include "base/worker.h"
#include "telephony/asr_config.h"
#include "telephony/gateway.h"
#include "telephony/recognizer.h"
#include "telephony/recording.h"
#include "telephony/sip_config.h"
#include "telephony/synthesizer.h"
#include "voice/agent_desk.h"
#include "voice/call_config.h"
#include "voice/menu_dialogue.h"
#include "voice/refused_calls.h"
#include "voice/voice_bridge.h"

namespace zx::dialogue {
class DialogueService;
class CallbackStore;
}  // namespace zx::dialogue

namespace zx::voice {

struct PhoneServiceOptions {
  std::string kb_dir;  // ivr.toml, speech_words.tsv, agent_line.toml
  std::string listen;  // server.sip
  telephony::TrunkConfig trunk;
  telephony::SipConfig sip;
  CallConfig call;  // CallConfigFor: an old kb/ivr.toml's [call] still wins
  telephony::AsrConfig asr;
  Metrics* metrics = nullptr;  // the gateway's counters; may be null; must outlive the service
  // Without transfer_to the agents take calls in zhixian: the call-back tasks (may be null: the
  // caller is only told the conversation waits; must outlive the service).
  dialogue::CallbackStore* callbacks = nullptr;
  // Called once at start when calls are recorded (call.record): the recording sinks, or an empty
  // factory for none. Unset: nothing recorded.
  std::function<Result<telephony::RecordingFactory>()> recorder;
  // Why the node takes no new calls now, "" when it does (telephony::GatewayOptions).
  std::function<std::string()> not_taking_calls;
  // Where callers refused for want of room are kept (the dashboard's 接通率); may be null; must
  // outlive the service.
  RefusedCalls* refused = nullptr;
};

class PhoneService {
 public:
  // `dialogue` must outlive the service. Errors: the menu, the lexicon, the synthesizer, the
  // recogniser ("asr: ..."), the recorder's, or the gateway's (e.g. the address in use).
  static Result<std::unique_ptr<PhoneService>> Start(const PhoneServiceOptions& options,
                                                     dialogue::DialogueService& dialogue);
  ~PhoneService();  // Stop(), then hangs up every call
  // No more prompts into the gateway; new calls refused (before outbound calls are detached).
  void Stop();

  telephony::Gateway& gateway() { return *gateway_; }
  telephony::SpeechSynthesizer& synthesizer() { return *tts_; }
  telephony::SpeechRecognizer* recognizer() { return asr_.get(); }  // null without asr.url

 private:
  PhoneService() = default;
  std::unique_ptr<telephony::SpeechSynthesizer> tts_;
  std::unique_ptr<Worker> prerender_;                 // renders the fixed prompts at start
  std::unique_ptr<telephony::SpeechRecognizer> asr_;  // null without asr.url
  std::unique_ptr<MenuDialogue> dialogue_;
  std::unique_ptr<AgentDesk> desk_;      // null with transfer_to or without callbacks
  std::unique_ptr<Worker> refused_;      // writes the refused calls off the SIP thread
  std::unique_ptr<VoiceBridge> bridge_;  // the gateway's router: outlives it
  std::unique_ptr<telephony::Gateway> gateway_;
};

}  // namespace zx::voice
