// The voice bridge: turns a telephone call into the same conversation as text (DESIGN.md).
//
// An answered call hears the greeting of kb/ivr.toml; keys, and speech when a recogniser is
// configured, lead into the dialogue service (one conversation per call, channel "voice");
// replies are prepared for speech, synthesised and played; a key or the caller's voice stops the
// prompt at once (the gateway's barge-in). After the assistant asks back with numbered choices,
// the next digit picks one. 0 (agent) and 9 (repeat) work everywhere. A hand-over transfers the
// call (REFER) to `[call] transfer_to` with the conversation id in X-Zhixian-Conversation, so the
// agent's desk opens it; without a target, or when the transfer fails, the conversation waits in
// the agents' queue and the caller is told.
//
// Threads: the gateway calls the CallHandler methods on its libre thread; they only post to the
// bridge's one worker thread, which talks to the dialogue service and the synthesizer (both
// blocking) and hands prompts back to the gateway. Call state lives on the worker.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/call_dispatcher.h"
#include "app/notice_calls.h"
#include "app/recordings.h"
#include "base/config.h"
#include "base/status.h"
#include "dialogue/service.h"
#include "security/field_cipher.h"
#include "storage/database.h"
#include "telephony/gateway.h"
#include "telephony/recognizer.h"
#include "telephony/synthesizer.h"

namespace zx::app {

struct IvrKey {
  std::string key;     // "1"
  std::string label;   // "社保", for logs
  std::string action;  // ask | agent | repeat | menu
  std::string text;    // what `ask` and `agent` say to the assistant
};

// kb/ivr.toml.
struct IvrMenu {
  std::string greeting;
  std::string invalid_key = "抱歉，没有这个选项。";
  std::string no_input;
  int no_input_seconds = 10;
  int max_no_input = 2;
  std::string goodbye = "感谢您的来电，再见。";
  std::string not_understood = "抱歉，没有听清，请再说一遍，或者按键选择。";
  std::string speech_unavailable = "语音输入暂时不可用，请按键选择。";
  std::string transfer_failed = "暂时无法接通人工，您的问题已经记录，工作人员会尽快联系您。";
  std::vector<IvrKey> keys;
  // [call]
  int max_calls = 500;
  int over_capacity_code = 486;
  int answer_delay_ms = 300;
  bool record = true;
  std::string transfer_to;  // SIP URI or extension for hand-overs; empty: no transfer

  const IvrKey* Find(char key) const;
};

// Reads and checks the menu; errors name the file, the key and why.
Result<IvrMenu> LoadIvrMenu(const std::string& path);

class VoiceBridge final : public telephony::CallHandler {
 public:
  // `asr` may be null (keys only); it must outlive the bridge.
  VoiceBridge(IvrMenu menu, dialogue::DialogueService& dialogue, telephony::SpeechSynthesizer& tts,
              telephony::SpeechRecognizer* asr = nullptr);
  ~VoiceBridge() override;

  // The gateway the bridge plays into; set once before calls arrive.
  void Attach(telephony::Gateway* gateway);
  // Stops the worker (ending open conversations); later events are dropped.
  void Stop();

  void OnCallStarted(const telephony::CallInfo& call) override;
  void OnDigit(telephony::CallId call, char digit, telephony::DigitSource source) override;
  void OnPlaybackDone(telephony::CallId call, uint64_t prompt_id, bool interrupted) override;
  void OnCallEnded(telephony::CallId call, const std::string& reason) override;
  void OnSpeechStarted(telephony::CallId call) override;
  void OnUtterance(telephony::CallId call, telephony::Pcm audio,
                   telephony::EndReason reason) override;
  void OnTransfer(telephony::CallId call, telephony::TransferState state, int sip_code) override;

 private:
  class Worker;
  std::unique_ptr<Worker> worker_;
};

// The voice side of `zhixian serve`: speech synthesizer, bridge and SIP gateway, started from
// the configuration (server.sip, data.dir) and kb/ivr.toml; stopped (calls hung up) on
// destruction. Calls are recorded (kb/ivr.toml `record`) only encrypted, so only with a key
// file (`cipher`); without one they are not recorded, and a warning says so.
// The gateway's handler is a CallDispatcher: inbound calls go to the bridge, calls placed by
// `notices` (may be null: no outbound calls) to it; `notices` is attached to the gateway while
// the service runs and must outlive it. `metrics` (may be null) gets the gateway's and the
// recordings' counters and must outlive the service.
class VoiceService {
 public:
  static Result<std::unique_ptr<VoiceService>> Start(
      const Config& config, dialogue::DialogueService& dialogue, storage::Database& db,
      std::shared_ptr<const security::FieldCipher> cipher, NoticeCalls* notices = nullptr,
      Metrics* metrics = nullptr);
  ~VoiceService();
  uint16_t sip_port() const { return gateway_->port(); }

 private:
  VoiceService() = default;
  std::unique_ptr<telephony::SpeechSynthesizer> tts_;
  std::unique_ptr<telephony::SpeechRecognizer> asr_;  // null without asr.url
  std::unique_ptr<RecordingVault> recordings_;        // outlives the gateway's sinks
  std::unique_ptr<VoiceBridge> bridge_;
  NoticeCalls* notices_ = nullptr;              // not owned
  std::unique_ptr<CallDispatcher> dispatcher_;  // the gateway's handler: outlives it
  std::unique_ptr<telephony::Gateway> gateway_;
};

}  // namespace zx::app
