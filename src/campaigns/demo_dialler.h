// The voice side of the demo data's campaign (`zhixian demo seed`, docs/console.md "Demo
// data"): a gateway that places no call and a synthesizer that renders silence. Each call the
// engine places is answered by an invented citizen whose behaviour is drawn from weights (the
// seed's kb/demo.toml), as the gateway would report it, so the real notice calls and the real
// campaign engine make a finished campaign. Not for serving: nothing leaves the process.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "campaigns/notice_calls.h"
#include "telephony/call_control.h"
#include "telephony/synthesizer.h"

namespace zx::campaigns {

// What the called citizen does. Answered: confirmed (yes, then key 1), not_confirmed (yes, then
// hangs up), wrong_party (key 2), callback (key 3: call me later), hung_up_early. Not answered:
// no_answer, busy, invalid_number (what the engine retries is its business).
inline constexpr const char* kDemoBehaviours[] = {"confirmed", "not_confirmed", "wrong_party",
                                                  "callback",  "hung_up_early", "no_answer",
                                                  "busy",      "invalid_number"};

class DemoDialler final : public telephony::CallControl {
 public:
  // kInvalidArgument for an unknown behaviour or no positive weight.
  static Result<std::unique_ptr<DemoDialler>> Create(
      const std::vector<std::pair<std::string, double>>& weights, uint64_t seed);

  // Plays every call placed since the last time to its end through `calls` (the runner the
  // engine placed them with), then waits for it (NoticeCalls::Sync). Returns how many.
  int Answer(NoticeCalls& calls);

  // telephony::CallControl: records the call, places nothing.
  Result<telephony::CallId> Originate(const std::string& target,
                                      const telephony::OriginateOptions& options,
                                      std::shared_ptr<telephony::CallHandler> handler) override;
  void Play(telephony::CallId, telephony::SharedPcm, uint64_t) override {}
  void StopPlayback(telephony::CallId) override {}
  void Hangup(telephony::CallId) override {}
  Status Transfer(telephony::CallId, const std::string&,
                  const std::vector<std::pair<std::string, std::string>>&) override {
    return Status::Ok();
  }

 private:
  DemoDialler(std::vector<std::string> behaviours, std::vector<double> weights, uint64_t seed);

  std::mutex mu_;
  std::vector<std::string> behaviours_;
  std::discrete_distribution<int> pick_;
  std::mt19937_64 rng_;
  telephony::CallId next_ = 1;
  std::vector<telephony::CallId> placed_;
};

// 10 ms of silence for any text: the demo's calls are heard by nobody.
class SilentSynthesizer final : public telephony::SpeechSynthesizer {
 public:
  Result<telephony::SharedPcm> Synthesize(std::string_view text) override;
};

}  // namespace zx::campaigns
