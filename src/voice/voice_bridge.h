// The voice bridge: turns a telephone call into the same conversation as text
// (docs/ARCHITECTURE.md, "Life of an inbound call").
//
// An answered call hears the greeting of kb/ivr.toml and its top level; keys walk the menu tree
// (voice/ivr_menu_session.h: a leaf plays a knowledge base answer by id or starts a calculator
// whose slots are entered by keypad), and speech, when a recogniser is configured, leads into
// the dialogue (one conversation per call, channel "voice",
// voice/menu_dialogue.h); replies are said by the call's PromptPlayer (prepared for speech,
// sentence by sentence); a key or the caller's voice stops the prompt at once (the gateway's
// barge-in). After the assistant asks back with numbered choices, the next digit picks one.
// 0 (agent) and 9 (repeat) work everywhere; * goes back a level. After a prompt has been
// heard to its end, silence for no_input_seconds (on the injectable clock) says the no-input
// prompt, and after max_no_input of those the goodbye, then the call is hung up. A hand-over
// transfers the call (REFER) to `transfer_to` with the conversation id in
// X-Zhixian-Conversation, so the agent's desk opens it; when the transfer fails, the
// conversation waits in the agents' queue and the caller is told.
//
// Without a target the agents take calls in zhixian itself (an AgentDesk, voice/agent_desk.h):
// the call stays on the line and its conversation waits in the agents' queue with the chats.
// The caller hears the place and an estimate (the recent average handling time, or
// handling_seconds before any; kb/agent_line.toml), again every queue_announce_seconds, and may
// press 1 to leave a call-back task on the number called from and hang up; hanging up while
// queued leaves one too. Once an agent takes it, each message the agent types is spoken
// (synthesised through the call's PromptPlayer); the caller's speech (with a recogniser) and
// keys (sent at # or after key_send_seconds without another) reach the agent as the citizen's
// messages. When the agent ends the conversation the caller hears so and the call is hung up.
//
// Threads: the bridge is the gateway's InboundCallRouter; each inbound call gets its own
// handler, whose methods (on the gateway's thread) only post to the call's worker. Calls are
// spread over `threads` workers (base/worker.h) by call id: a call's events, dialogue turns,
// synthesis and timers run in order on its worker, and one slow turn holds only the calls that
// share that worker, not every call. Call state lives on its worker.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/worker.h"
#include "telephony/call_control.h"
#include "telephony/recognizer.h"
#include "telephony/synthesizer.h"
#include "voice/agent_desk.h"
#include "voice/agent_line.h"
#include "voice/ivr_menu.h"
#include "voice/menu_dialogue.h"
#include "voice/spoken_reply.h"

namespace zx::voice {

struct VoiceBridgeOptions {
  // SIP URI or extension for hand-overs ([call] transfer_to); empty: no transfer.
  std::string transfer_to;
  int threads = 4;                                // workers the calls are spread over
  const Clock* clock = &SystemClock::Instance();  // the no-input timers'
  // Replies are said in their spoken form (voice/spoken_reply.h): the result first; key 1 right
  // after such a reply says its full text.
  SpokenOptions spoken;
  // The agents in zhixian (must outlive the bridge); null: without transfer_to the caller is
  // only told that the conversation waits (the dialogue's hand-over reply).
  AgentDesk* desk = nullptr;
  AgentLinePrompts agent_line;      // kb/agent_line.toml
  int queue_announce_seconds = 30;  // the place and estimate are said again this often
  int handling_seconds = 180;       // the estimate per caller ahead before any was handled
  int key_send_seconds = 3;         // with an agent: keys typed are sent after this pause
};

class VoiceBridge final : public telephony::InboundCallRouter {
 public:
  // `dialogue`, `tts` and `asr` (may be null: keys only) must outlive the bridge.
  VoiceBridge(IvrMenu menu, MenuDialogue& dialogue, telephony::SpeechSynthesizer& tts,
              telephony::SpeechRecognizer* asr = nullptr, VoiceBridgeOptions options = {});
  // Stop(). The bridge must outlive the gateway it was attached to (the gateway's call handlers
  // refer to it).
  ~VoiceBridge() override;

  // The calls the bridge plays into (the gateway, which must outlive the bridge's use of it:
  // Stop() first); calls offered before are refused.
  void Attach(telephony::CallControl* calls);
  // Ends the conversations of open calls and stops the workers; later events are dropped and
  // new calls refused.
  void Stop();
  // Returns when every event posted so far, and every timer due by the clock, has been handled
  // (tests with a fake clock: advance it, then Flush).
  void Flush();

  // telephony::InboundCallRouter: a handler for the call (null once stopped).
  std::shared_ptr<telephony::CallHandler> OnIncoming(const telephony::CallInfo& call) override;

 private:
  class MenuCall;
  friend class MenuCall;
  Worker& WorkerFor(telephony::CallId call);
  void Opened(const std::shared_ptr<MenuCall>& call);
  void Closed(telephony::CallId call);

  const IvrMenu menu_;
  MenuDialogue& dialogue_;
  telephony::SpeechSynthesizer& tts_;
  telephony::SpeechRecognizer* const asr_;
  const VoiceBridgeOptions options_;
  std::atomic<telephony::CallControl*> calls_{nullptr};  // calls offered before Attach: refused
  std::vector<std::unique_ptr<Worker>> workers_;
  std::mutex mu_;
  bool stopped_ = false;                                                 // guarded by mu_
  std::unordered_map<telephony::CallId, std::weak_ptr<MenuCall>> open_;  // guarded by mu_
};

// Renders the menu's fixed prompts (greeting, pages, keypad inputs, ...) as the bridge will say
// them, so that the first caller does not wait for them: the synthesizer keeps rendered
// sentences.
void PrerenderPrompts(const IvrMenu& menu, telephony::SpeechSynthesizer& tts);

}  // namespace zx::voice
