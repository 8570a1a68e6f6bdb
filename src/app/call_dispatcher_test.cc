// The call dispatcher: inbound calls to the IVR, outbound calls (also events before their
// answer) to the notice calls' handler, never the other way round.
#include "app/call_dispatcher.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace zx::app {
namespace {

using telephony::CallId;
using telephony::CallOutcome;
using telephony::DigitSource;

// Records the events it is given.
class RecordingHandler final : public telephony::CallHandler {
 public:
  void OnCallStarted(const telephony::CallInfo& c) override { Add("started", c.id); }
  void OnDigit(CallId c, char d, DigitSource) override { Add(std::string("digit ") + d, c); }
  void OnPlaybackDone(CallId c, uint64_t, bool) override { Add("done", c); }
  void OnCallEnded(CallId c, const std::string&) override { Add("ended", c); }
  void OnCallProgress(CallId c, int code, bool) override {
    Add("progress " + std::to_string(code), c);
  }
  void OnCallFailed(CallId c, CallOutcome, int) override { Add("failed", c); }
  std::vector<std::string> events;

 private:
  void Add(const std::string& what, CallId c) { events.push_back(what + " " + std::to_string(c)); }
};

TEST(CallDispatcherTest, InboundToTheIvrOutboundToTheRunner) {
  RecordingHandler inbound, outbound;
  CallDispatcher d(inbound, &outbound);
  telephony::CallInfo in;
  in.id = 1;
  d.OnCallStarted(in);
  d.OnDigit(1, '3', DigitSource::kRfc4733);
  d.OnCallProgress(2, 183, true);  // an outbound call in early media
  d.OnDigit(2, '7', DigitSource::kInband);
  telephony::CallInfo out;
  out.id = 2;
  out.direction = telephony::CallDirection::kOutbound;
  d.OnCallStarted(out);
  d.OnPlaybackDone(2, 5, false);
  d.OnPlaybackDone(1, 6, false);
  d.OnCallEnded(2, "bye");
  d.OnCallEnded(1, "bye");
  d.OnCallFailed(3, CallOutcome::kBusy, 486);
  EXPECT_EQ(inbound.events,
            (std::vector<std::string>{"started 1", "digit 3 1", "done 1", "ended 1"}));
  EXPECT_EQ(outbound.events, (std::vector<std::string>{"progress 183 2", "digit 7 2", "started 2",
                                                       "done 2", "ended 2", "failed 3"}));
  EXPECT_EQ(d.outbound_calls(), 0u);
  // Without an outbound handler its events go nowhere, never to the IVR.
  RecordingHandler ivr;
  CallDispatcher inbound_only(ivr, nullptr);
  inbound_only.OnCallStarted(out);
  inbound_only.OnDigit(2, '1', DigitSource::kRfc4733);
  inbound_only.OnCallEnded(2, "bye");
  EXPECT_TRUE(ivr.events.empty());
}

}  // namespace
}  // namespace zx::app
