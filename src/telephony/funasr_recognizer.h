// A SpeechRecognizer that streams to a FunASR runtime server (the open-source funasr-runtime
// "online"/"2pass" WebSocket server that Chinese deployments run on their own machines).
//
// The protocol, one WebSocket connection per stream:
//   client: {"mode":"2pass","chunk_size":[5,10,5],"chunk_interval":10,"wav_name":"...",
//            "wav_format":"pcm","audio_fs":16000,"is_speaking":true,"itn":true,
//            "hotwords":"{\"社保\":20}"}                     (text, first)
//   client: binary frames of 16 kHz s16le PCM                  (here 60 ms each by default)
//   client: {"is_speaking":false}                              (text, at Finish())
//   server: {"mode":"2pass-online","text":"社","wav_name":"...","is_final":false}  (pieces)
//           {"mode":"2pass-offline","text":"社保卡。",...}     (a corrected sentence)
//           ... and after the end of audio one message with "is_final":true.
// "online"/"2pass-online" texts are new pieces of the sentence being spoken; "offline"/
// "2pass-offline" texts are whole sentences (the server's own VAD may cut an utterance into
// several). The utterance's text is the sentences so far plus the pieces of the current one.
// The end of a stream is the first message with "is_final":true after {"is_speaking":false};
// the offline-only server answers once with "mode":"offline" and "is_final":false, so in any
// mode an "offline" message after the end of audio ends the stream too. "is_final" before the
// end of audio is ignored (FunASR's Python demo server sends it inverted).
//
// Audio is resampled 8 kHz -> 16 kHz (speexdsp) on the thread that feeds it. One I/O thread
// (Boost.Asio) serves every stream of a recognizer.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "telephony/asr_config.h"
#include "telephony/recognizer.h"

namespace zx::telephony {

struct FunAsrOptions {
  // ws://host:port[/path] or wss://host:port[/path]; the FunASR runtime listens on 10095.
  std::string url = "ws://127.0.0.1:10095";
  // "2pass" (streaming pieces, then corrected sentences), "online" (pieces only) or "offline"
  // (one answer after the end of audio).
  std::string mode = "2pass";
  // The streaming model's latency setting, in 60 ms units: [5,10,5] is 600 ms chunks with 300 ms
  // look-back and look-ahead (FunASR's default).
  std::array<int, 3> chunk_size = {5, 10, 5};
  int chunk_interval = 10;
  int send_chunk_ms = 60;  // audio per binary frame
  bool itn = true;         // inverse text normalisation (digits as digits)
  // Words to favour in every stream, with their weights (FunASR uses 1-100, typically 20).
  std::map<std::string, int> hotwords;
  int hotword_weight = 20;  // weight of RecognitionOptions::hotwords
  // TCP connect + TLS + WebSocket handshake; also bounds the closing handshake.
  std::chrono::milliseconds connect_timeout{3000};
  // From Finish() to the final result.
  std::chrono::milliseconds final_timeout{5000};
  // Audio waiting to be sent, per stream (buffered while connecting, or when the server reads
  // slowly); beyond it the stream fails with kOverloaded.
  std::chrono::milliseconds max_backlog{10000};
  // Streams open at once; Open beyond it yields streams that fail with kOverloaded.
  size_t max_streams = 2000;
  // wss:// only: verify the server's certificate (against `tls_ca_file`, a PEM file, or the
  // system's CAs when empty) and its name.
  bool tls_verify = true;
  std::string tls_ca_file;
};

struct WebSocketUrl {
  bool tls = false;    // wss
  std::string host;    // without brackets for IPv6
  uint16_t port = 0;   // 80/443 when the URL has none
  std::string target;  // "/" when the URL has no path
};

// Parses ws:// and wss:// URLs; kInvalidArgument naming what is wrong.
Result<WebSocketUrl> ParseWebSocketUrl(std::string_view url);

// Checks the options (kInvalidArgument naming the field) and starts the I/O thread. Connects
// to nothing yet: each stream makes its own connection when opened.
Result<std::unique_ptr<SpeechRecognizer>> CreateFunAsrRecognizer(const FunAsrOptions& options);

// CreateFunAsrRecognizer with the [asr] section's url, mode and final_timeout_ms; errors start
// with "asr: ".
Result<std::unique_ptr<SpeechRecognizer>> CreateFunAsrRecognizer(const AsrConfig& config);

}  // namespace zx::telephony
