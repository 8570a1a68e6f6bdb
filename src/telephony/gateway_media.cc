// Media: RTP in, the one shared 20 ms ticker, RTP out and recording.
#include <chrono>
#include <cstring>

#include "base/log.h"
#include "telephony/gateway_internal.h"

namespace zx::telephony::internal {

bool GatewayImpl::AcceptMediaFrom(Call* c, const sa* src) {
  if (sa_cmp(src, &c->remote, SA_ALL)) {
    c->remote_latched = true;  // the SDP address spoke first: latching is over
    return true;
  }
  if (options_.rtp_latching && !c->remote_latched && !sa_is_any(src)) {
    // Symmetric RTP for peers behind NAT: their packets come from another address than the
    // SDP says; answer there. Only the first source, and only before the SDP address spoke.
    log::Info("call.rtp_latched call={}", c->info.id);
    c->remote = *src;
    c->remote_latched = true;
    return true;
  }
  // Not the peer: an injected key or a media hijack attempt. Count every packet, log at most
  // once per 10 s.
  ++foreign_since_log_;
  UpdateStats([](GatewayStats& s) { ++s.rtp_foreign_dropped; });
  if (m_foreign_) m_foreign_->Inc();
  uint64_t now = tmr_jiffies();
  if (foreign_logged_ms_ == 0 || now >= foreign_logged_ms_ + 10000) {
    char from[64] = "";
    (void)re_snprintf(from, sizeof(from), "%J", src);
    log::Warn("call.rtp_foreign_dropped call={} source={} dropped={} (not the SDP address)",
              c->info.id, from, foreign_since_log_);
    foreign_logged_ms_ = now;
    foreign_since_log_ = 0;
  }
  return false;
}

void GatewayImpl::OnRtp(const sa* src, const rtp_header* hdr, mbuf* mb, void* arg) {
  auto* c = static_cast<Call*>(arg);
  if (c->state == Call::State::kEnded) return;
  GatewayImpl* gw = c->gw;
  if (!gw->AcceptMediaFrom(c, src)) return;
  ++gw->rtp_received_;
  c->last_media_ms = tmr_jiffies();
  if (c->state == Call::State::kAnswered || c->state == Call::State::kEstablished)
    c->got_media = true;
  // A recording exists only for answered calls with media: made at the first packet.
  if (c->state == Call::State::kEstablished && !c->recording_started) gw->StartRecording(c);
  const uint8_t* payload = mbuf_buf(mb);
  size_t len = mbuf_get_left(mb);
  if (hdr->pt == c->te_pt) {
    if (auto digit = c->rfc4733.Receive(hdr->ts, payload, len)) {
      c->got_rfc4733 = true;  // the caller's side signals keys out of band: trust only that
      gw->ReportDigit(c, *digit, DigitSource::kRfc4733);
    }
    return;
  }
  if (hdr->pt == static_cast<uint8_t>(c->codec)) c->jitter.Put(hdr->seq, payload, len);
}

void GatewayImpl::OnTick(void* arg) { static_cast<GatewayImpl*>(arg)->Tick(); }

void GatewayImpl::Tick() {
  uint64_t now = tmr_jiffies();
  auto t0 = std::chrono::steady_clock::now();
  bool late = now > next_tick_ + kLateMs;
  std::vector<Call*> live;
  live.reserve(calls_.size());
  for (auto& [id, call] : calls_)
    if (call->state == Call::State::kEstablished ||
        (call->state == Call::State::kCalling && call->early_media))
      live.push_back(call.get());
  if (++ticks_since_media_check_ >= 25) {  // twice a second is precise enough
    ticks_since_media_check_ = 0;
    CheckNoMedia(now);
  }
  uint64_t sent_before = rtp_sent_;
  for (Call* c : live)
    if (c->state == Call::State::kEstablished || c->state == Call::State::kCalling) MediaTick(c);
  auto work_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  dead_.clear();  // after the frames are out: freeing sockets must not delay them
  uint64_t sent = rtp_sent_ - sent_before;
  uint64_t received = rtp_received_;
  rtp_received_ = 0;
  UpdateStats([&](GatewayStats& s) {
    ++s.ticks;
    if (late) ++s.late_ticks;
    s.max_tick_us = std::max<uint64_t>(s.max_tick_us, static_cast<uint64_t>(work_us));
    s.rtp_sent += sent;
    s.rtp_received += received;
  });
  if (++ticks_since_report_ >= 500 && !calls_.empty()) {  // every 10 s while calls are up
    ticks_since_report_ = 0;
    GatewayStats st = stats();
    log::Info(
        "media.stats active={} ticks={} late_ticks={} max_tick_us={} rtp_sent={} "
        "rtp_received={} keys={}",
        calls_.size(), st.ticks, st.late_ticks, st.max_tick_us, st.rtp_sent, st.rtp_received,
        st.digits);
  }
  next_tick_ += kTickMs;
  uint64_t after = tmr_jiffies();
  if (after > next_tick_ + 200) next_tick_ = after + kTickMs;  // after a stall, do not burst
  tmr_start(&tick_, next_tick_ > after ? next_tick_ - after : 0, &GatewayImpl::OnTick, this);
}

void GatewayImpl::MediaTick(Call* c) {
  int16_t in[kFrameSamples] = {};
  int16_t out[kFrameSamples] = {};
  ReceiveFrame(c, in);
  // Early media is only listened to (in-band keys, tones); we speak once answered.
  if (c->state != Call::State::kEstablished) return;  // still ringing, or a key handler hung up
  if (c->speech) {
    DetectSpeech(c, in);
    if (c->state != Call::State::kEstablished) return;  // the handler hung up
  }
  bool sent = SendFrame(c, out);
  if (sent) ++rtp_sent_;
  if (c->recording) {
    int16_t stereo[2 * kFrameSamples];
    for (int i = 0; i < kFrameSamples; ++i) {
      stereo[2 * i] = in[i];
      stereo[2 * i + 1] = out[i];  // zeros while on hold
    }
    c->recording->Write(stereo, 2 * kFrameSamples);
  }
}

void GatewayImpl::DetectSpeech(Call* c, const int16_t* in) {
  if (c->speech_muted_frames > 0) {
    if (--c->speech_muted_frames == 0) c->speech->RestartListening();
    return;
  }
  UtteranceEvent event = c->speech->Process(in);
  switch (event.type) {
    case UtteranceEventType::kSpeechStarted: {
      bool barge_in = options_.barge_in_on_speech && !c->prompts.empty();
      log::Info("call.speech call={} barge_in={}", c->info.id, barge_in);
      if (barge_in) StopPrompts(c);
      c->speech_streamed = 0;
      c->handler->OnSpeechStarted(c->info.id);
      break;
    }
    case UtteranceEventType::kUtteranceEnded:
      UpdateStats([](GatewayStats& s) { ++s.utterances; });
      log::Info("call.utterance call={} speech_ms={} reason={}", c->info.id,
                event.speech_end_ms - event.speech_start_ms, EndReasonName(event.reason));
      c->handler->OnUtterance(c->info.id, std::move(event.audio), event.reason);
      return;
    case UtteranceEventType::kSpeechDiscarded:
      c->handler->OnSpeechAbandoned(c->info.id);
      return;
    default:
      break;
  }
  if (c->speech->speaking() && options_.speech_chunk_ms > 0) StreamSpeech(c);
}

void GatewayImpl::StreamSpeech(Call* c) {
  // Only settled audio (endpoint.h), so that the pieces begin the utterance's final audio; the
  // first piece (pre-roll and onset) goes at once, later ones when a chunk has gathered.
  const size_t settled = c->speech->settled_samples();
  const size_t chunk = static_cast<size_t>(options_.speech_chunk_ms) * kFrameSamples / kFrameMs;
  if (settled <= c->speech_streamed ||
      (c->speech_streamed > 0 && settled - c->speech_streamed < chunk))
    return;
  const Pcm& audio = c->speech->utterance_audio();
  Pcm piece(audio.begin() + static_cast<std::ptrdiff_t>(c->speech_streamed),
            audio.begin() + static_cast<std::ptrdiff_t>(settled));
  c->speech_streamed = settled;
  c->handler->OnSpeechAudio(c->info.id, std::move(piece));
}

void GatewayImpl::ReceiveFrame(Call* c, int16_t* in) {
  // Packets may carry 10-60 ms (ptime): decode whole packets into a FIFO, play 20 ms of it.
  while (c->rx_pcm.size() < static_cast<size_t>(kFrameSamples)) {
    auto packet = c->jitter.Pop();
    if (!packet) break;  // loss or underrun: silence for what is missing
    size_t n = std::min<size_t>(packet->size(), 480);
    int16_t decoded[480];
    Decode(c->codec, packet->data(), n, decoded);
    c->rx_pcm.insert(c->rx_pcm.end(), decoded, decoded + n);
  }
  size_t have = std::min<size_t>(c->rx_pcm.size(), kFrameSamples);
  std::copy(c->rx_pcm.begin(), c->rx_pcm.begin() + have, in);
  c->rx_pcm.erase(c->rx_pcm.begin(), c->rx_pcm.begin() + have);
  if (c->inband && !c->got_rfc4733) c->inband->Process(in, kFrameSamples);
}

bool GatewayImpl::SendFrame(Call* c, int16_t* out) {
  // On hold we send nothing and the prompt waits where it is; the RTP clock runs on.
  if (c->held) {
    c->ts += kFrameSamples;
    return false;
  }
  // RFC 3551: the marker bit flags the first packet of a talkspurt, here the first packet of
  // a prompt after silence or after a prompt was cut off (barge-in).
  if (!c->prompts.empty() && c->prompts.front().pos == 0 && c->idle) c->marker = true;
  c->idle = c->prompts.empty();
  size_t filled = 0;
  while (filled < static_cast<size_t>(kFrameSamples) && !c->prompts.empty()) {
    Prompt& p = c->prompts.front();
    size_t n = std::min(static_cast<size_t>(kFrameSamples) - filled, p.audio->size() - p.pos);
    std::memcpy(out + filled, p.audio->data() + p.pos, n * sizeof(int16_t));
    filled += n;
    p.pos += n;
    if (p.pos >= p.audio->size()) {
      uint64_t id = p.id;
      c->prompts.pop_front();
      c->handler->OnPlaybackDone(c->info.id, id, false);
      break;  // the next prompt starts on the next frame
    }
  }

  bool sent = false;
  mbuf* mb = c->tx;
  mb->pos = RTP_HEADER_SIZE;
  mb->end = RTP_HEADER_SIZE;
  if (mbuf_resize(mb, RTP_HEADER_SIZE + kFrameSamples) == 0) {
    Encode(c->codec, out, kFrameSamples, mb->buf + RTP_HEADER_SIZE);
    mb->end = RTP_HEADER_SIZE + kFrameSamples;
    mb->pos = RTP_HEADER_SIZE;
    sent = rtp_send(c->rtp, &c->remote, false, c->marker, static_cast<uint8_t>(c->codec), c->ts,
                    mb) == 0;
    c->marker = false;
  }
  c->ts += kFrameSamples;
  return sent;
}

}  // namespace zx::telephony::internal
