#include "voice/turn_metrics.h"

#include <gtest/gtest.h>

namespace zx::voice {
namespace {

// Only the turns of conversations a call started count, and only while the call lasts.
TEST(TurnMetrics, CountsTheTurnsOfCalls) {
  Metrics metrics;
  Counter& voice = metrics.AddCounter("t_total", "t", {"channel"}).With({"voice"});
  auto listener = CountVoiceTurns(voice);
  listener(dialogue::ConversationStarted{"c1", "voice"});
  listener(dialogue::ConversationStarted{"w1", "web"});
  listener(dialogue::TurnAnswered{"c1", {}});
  listener(dialogue::TurnAnswered{"w1", {}});
  listener(dialogue::TurnAnswered{"c1", {}});
  listener(dialogue::TurnAnswered{"unknown", {}});
  EXPECT_EQ(voice.Value(), 2u);
  listener(dialogue::ConversationEnded{"c1"});
  listener(dialogue::TurnAnswered{"c1", {}});
  EXPECT_EQ(voice.Value(), 2u);
}

}  // namespace
}  // namespace zx::voice
