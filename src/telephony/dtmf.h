// DTMF: keys pressed by the caller, from RFC 4733 telephone-events and from in-band tones.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

struct dtmf_rx_state_s;

namespace zx::telephony {

// Reads RFC 4733 telephone-event payloads of one stream and reports each key once, on the first
// packet of its event (lowest latency); retransmitted end packets and later packets of the same
// event (same RTP timestamp) are ignored. Not thread-safe.
class Rfc4733Receiver {
 public:
  // The key ('0'-'9', '*', '#', 'A'-'D') for a new event, or nullopt.
  std::optional<char> Receive(uint32_t rtp_timestamp, const uint8_t* payload, size_t len);

 private:
  bool seen_ = false;
  uint32_t last_ts_ = 0;
};

// Detects DTMF tones in 8 kHz linear audio with spandsp's dtmf_rx; reports each key once.
// Not thread-safe.
class InbandDtmfDetector {
 public:
  explicit InbandDtmfDetector(std::function<void(char)> on_digit);
  ~InbandDtmfDetector();
  InbandDtmfDetector(const InbandDtmfDetector&) = delete;
  InbandDtmfDetector& operator=(const InbandDtmfDetector&) = delete;

  void Process(const int16_t* samples, size_t n);

 private:
  static void OnDigits(void* self, const char* digits, int len);
  std::function<void(char)> on_digit_;
  dtmf_rx_state_s* rx_ = nullptr;
};

// The key for an RFC 4733 event code (0-15), or 0.
char EventToDigit(int event);

}  // namespace zx::telephony
