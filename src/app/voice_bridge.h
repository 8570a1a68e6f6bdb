// The voice bridge: turns a telephone call into the same conversation as text (DESIGN.md).
//
// An answered call hears the greeting of kb/ivr.toml; keys lead into the dialogue service (one
// conversation per call, channel "voice"); replies are prepared for speech, synthesised and
// played; a key stops the prompt at once (the gateway's barge-in). After the assistant asks back
// with numbered choices, the next digit picks one. 0 (agent) and 9 (repeat) work everywhere.
//
// Threads: the gateway calls the CallHandler methods on its libre thread; they only post to the
// bridge's one worker thread, which talks to the dialogue service and the synthesizer (both
// blocking) and hands prompts back to the gateway. Call state lives on the worker.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/recordings.h"
#include "base/config.h"
#include "base/status.h"
#include "dialogue/service.h"
#include "security/field_cipher.h"
#include "storage/database.h"
#include "telephony/gateway.h"
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
  std::vector<IvrKey> keys;
  // [call]
  int max_calls = 500;
  int over_capacity_code = 486;
  int answer_delay_ms = 300;
  bool record = true;

  const IvrKey* Find(char key) const;
};

// Reads and checks the menu; errors name the file, the key and why.
Result<IvrMenu> LoadIvrMenu(const std::string& path);

class VoiceBridge final : public telephony::CallHandler {
 public:
  VoiceBridge(IvrMenu menu, dialogue::DialogueService& dialogue, telephony::SpeechSynthesizer& tts);
  ~VoiceBridge() override;

  // The gateway the bridge plays into; set once before calls arrive.
  void Attach(telephony::Gateway* gateway);
  // Stops the worker (ending open conversations); later events are dropped.
  void Stop();

  void OnCallStarted(const telephony::CallInfo& call) override;
  void OnDigit(telephony::CallId call, char digit, telephony::DigitSource source) override;
  void OnPlaybackDone(telephony::CallId call, uint64_t prompt_id, bool interrupted) override;
  void OnCallEnded(telephony::CallId call, const std::string& reason) override;

 private:
  class Worker;
  std::unique_ptr<Worker> worker_;
};

// The voice side of `zhixian serve`: speech synthesizer, bridge and SIP gateway, started from
// the configuration (server.sip, data.dir) and kb/ivr.toml; stopped (calls hung up) on
// destruction. Calls are recorded (kb/ivr.toml `record`) only encrypted, so only with a key
// file (`cipher`); without one they are not recorded, and a warning says so.
class VoiceService {
 public:
  static Result<std::unique_ptr<VoiceService>> Start(
      const Config& config, dialogue::DialogueService& dialogue, storage::Database& db,
      std::shared_ptr<const security::FieldCipher> cipher);
  ~VoiceService();
  uint16_t sip_port() const { return gateway_->port(); }

 private:
  VoiceService() = default;
  std::unique_ptr<telephony::SpeechSynthesizer> tts_;
  std::unique_ptr<RecordingVault> recordings_;  // outlives the gateway's sinks
  std::unique_ptr<VoiceBridge> bridge_;
  std::unique_ptr<telephony::Gateway> gateway_;
};

}  // namespace zx::app
