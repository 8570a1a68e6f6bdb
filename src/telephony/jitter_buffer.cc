#include "telephony/jitter_buffer.h"

namespace zx::telephony {

void JitterBuffer::Put(uint16_t seq, const uint8_t* payload, size_t len) {
  ++received_;
  if (!started_) {
    started_ = true;
    next_ = seq;
    base_ = 0;
  }
  int ahead = Ahead(seq);
  if (ahead < 0) {  // its tick has passed
    ++late_;
    return;
  }
  if (ahead >= capacity_) {
    // Far ahead: the sender jumped (or we stalled); resynchronise on this packet.
    packets_.clear();
    next_ = seq;
    ahead = 0;
    playing_ = false;
  }
  packets_.emplace(static_cast<int>(base_ + ahead), std::vector<uint8_t>(payload, payload + len));
}

std::optional<std::vector<uint8_t>> JitterBuffer::Pop() {
  if (!playing_) {
    if (static_cast<int>(packets_.size()) < depth_) return std::nullopt;
    playing_ = true;
  }
  if (packets_.empty()) {  // underrun: fill up again before playing on
    playing_ = false;
    return std::nullopt;
  }
  std::optional<std::vector<uint8_t>> out;
  auto it = packets_.find(static_cast<int>(base_));
  if (it != packets_.end()) {
    out = std::move(it->second);
    packets_.erase(it);
  } else {
    ++lost_;
  }
  ++next_;
  ++base_;
  return out;
}

}  // namespace zx::telephony
