// JitterBuffer: reorders the G.711 payloads of one RTP stream and hands out one 20 ms frame per
// media tick. Playout starts once `depth` packets are buffered (40-60 ms of delay); a missing
// packet yields nothing for its tick (the caller plays silence); packets that arrive after
// their tick, duplicates and packets beyond `capacity` are dropped and counted. After an
// underrun the buffer fills to `depth` again. Not thread-safe: one call, one thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace zx::telephony {

class JitterBuffer {
 public:
  explicit JitterBuffer(int depth = 2, int capacity = 25) : depth_(depth), capacity_(capacity) {}

  void Put(uint16_t seq, const uint8_t* payload, size_t len);
  // The next frame in sequence, or nullopt (loss, underrun or still filling).
  std::optional<std::vector<uint8_t>> Pop();

  uint64_t late() const { return late_; }
  uint64_t lost() const { return lost_; }
  uint64_t received() const { return received_; }
  size_t buffered() const { return packets_.size(); }

 private:
  // Sequence numbers relative to next_, with 16-bit wrap-around.
  int16_t Ahead(uint16_t seq) const { return static_cast<int16_t>(seq - next_); }

  int depth_;
  int capacity_;
  bool playing_ = false;
  bool started_ = false;
  uint16_t next_ = 0;
  std::map<int, std::vector<uint8_t>> packets_;  // keyed by Ahead() at insertion + base_
  int64_t base_ = 0;                             // extended sequence of next_
  uint64_t late_ = 0, lost_ = 0, received_ = 0;
};

}  // namespace zx::telephony
