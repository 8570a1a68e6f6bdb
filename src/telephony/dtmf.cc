#include "telephony/dtmf.h"

#include <spandsp.h>

namespace zx::telephony {

char EventToDigit(int event) {
  static constexpr char kDigits[] = "0123456789*#ABCD";
  return event >= 0 && event < 16 ? kDigits[event] : 0;
}

std::optional<char> Rfc4733Receiver::Receive(uint32_t rtp_timestamp, const uint8_t* payload,
                                             size_t len) {
  if (len < 4) return std::nullopt;
  if (seen_ && rtp_timestamp == last_ts_) return std::nullopt;  // same event
  char digit = EventToDigit(payload[0]);
  if (!digit) return std::nullopt;
  seen_ = true;
  last_ts_ = rtp_timestamp;
  return digit;
}

InbandDtmfDetector::InbandDtmfDetector(std::function<void(char)> on_digit)
    : on_digit_(std::move(on_digit)) {
  rx_ = dtmf_rx_init(nullptr, &InbandDtmfDetector::OnDigits, this);
}

InbandDtmfDetector::~InbandDtmfDetector() {
  if (rx_) dtmf_rx_free(rx_);
}

void InbandDtmfDetector::Process(const int16_t* samples, size_t n) {
  if (rx_) dtmf_rx(rx_, samples, static_cast<int>(n));
}

void InbandDtmfDetector::OnDigits(void* self, const char* digits, int len) {
  auto* d = static_cast<InbandDtmfDetector*>(self);
  for (int i = 0; i < len; ++i) d->on_digit_(digits[i]);
}

}  // namespace zx::telephony
