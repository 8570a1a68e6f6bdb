#include "campaigns/demo_dialler.h"

#include <algorithm>
#include <iterator>

namespace zx::campaigns {

Result<std::unique_ptr<DemoDialler>> DemoDialler::Create(
    const std::vector<std::pair<std::string, double>>& weights, uint64_t seed) {
  std::vector<std::string> names;
  std::vector<double> w;
  double total = 0;
  for (const auto& [name, weight] : weights) {
    const std::string& behaviour = name;  // a lambda may not capture a structured binding (C++17)
    if (std::find_if(std::begin(kDemoBehaviours), std::end(kDemoBehaviours),
                     [&](const char* b) { return behaviour == b; }) == std::end(kDemoBehaviours))
      return InvalidArgument("unknown call behaviour \"" + name + "\"");
    if (weight < 0) return InvalidArgument("negative weight for \"" + name + "\"");
    names.push_back(name);
    w.push_back(weight);
    total += weight;
  }
  if (total <= 0) return InvalidArgument("call behaviours need a positive weight");
  return std::unique_ptr<DemoDialler>(new DemoDialler(std::move(names), std::move(w), seed));
}

DemoDialler::DemoDialler(std::vector<std::string> behaviours, std::vector<double> weights,
                         uint64_t seed)
    : behaviours_(std::move(behaviours)), pick_(weights.begin(), weights.end()), rng_(seed) {}

Result<telephony::CallId> DemoDialler::Originate(const std::string&,
                                                 const telephony::OriginateOptions&,
                                                 std::shared_ptr<telephony::CallHandler>) {
  // The events go to the runner by Answer, after Originate returned: the runner registers a
  // call right after Originate, and no event may overtake that.
  std::lock_guard lock(mu_);
  placed_.push_back(next_);
  return next_++;
}

int DemoDialler::Answer(NoticeCalls& calls) {
  std::vector<std::pair<telephony::CallId, std::string>> due;
  {
    std::lock_guard lock(mu_);
    for (telephony::CallId id : placed_) due.emplace_back(id, behaviours_[pick_(rng_)]);
    placed_.clear();
  }
  calls.Sync();
  for (const auto& [id, b] : due) {
    if (b == "no_answer" || b == "busy" || b == "invalid_number") {
      const auto [outcome, code] =
          b == "no_answer" ? std::pair{telephony::CallOutcome::kNoAnswer, 480}
          : b == "busy"    ? std::pair{telephony::CallOutcome::kBusy, 486}
                           : std::pair{telephony::CallOutcome::kInvalidNumber, 404};
      if (b != "invalid_number") calls.OnCallProgress(id, 180, false);
      calls.OnCallFailed(id, outcome, code);
      continue;
    }
    telephony::CallInfo info;
    info.id = id;
    info.direction = telephony::CallDirection::kOutbound;
    calls.OnCallProgress(id, 180, false);
    calls.OnCallStarted(info);
    calls.Sync();
    // Keys: the identity question first (1 yes, 2 someone else, 3 later), then the notice's.
    const std::string keys = b == "confirmed"       ? "11"
                             : b == "not_confirmed" ? "1"
                             : b == "wrong_party"   ? "2"
                             : b == "callback"      ? "3"
                                                    : "";
    for (char k : keys) {
      calls.OnDigit(id, k, telephony::DigitSource::kRfc4733);
      calls.Sync();
    }
    calls.OnCallEnded(id, "bye");
  }
  calls.Sync();
  return static_cast<int>(due.size());
}

Result<telephony::SharedPcm> SilentSynthesizer::Synthesize(std::string_view) {
  return std::make_shared<const telephony::Pcm>(80, int16_t{0});
}

}  // namespace zx::campaigns
