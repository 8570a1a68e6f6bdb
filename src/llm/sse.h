// SseParser: an incremental parser of the Server-Sent Events stream (the WHATWG
// "text/event-stream" format) in which OpenAI-compatible engines stream chat completions:
//
//   : keep-alive
//   data: {"choices":[{"delta":{"content":"您好"}}]}
//
//   data: [DONE]
//
// Bytes arrive in whatever pieces the network gives; the events are the same however the
// stream is cut. Bytes are passed through as they are (no UTF-8 decoding): the JSON decoder
// checks the payloads.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace zx::llm {

struct SseEvent {
  std::string event;  // the `event:` field; "" when the stream gave none (the spec's "message")
  std::string data;   // the event's data lines joined by '\n'
};

class SseParser {
 public:
  // A line (or an event's data) longer than `max_line_bytes` fails the stream: an engine that
  // never ends a line must not grow our memory without bound.
  explicit SseParser(size_t max_line_bytes = 1 << 20);

  // Appends the events that `bytes` completes to `out`. Lines end in \n, \r\n or \r (a \r at
  // the end of one Feed followed by \n at the start of the next is one line end). Comment lines
  // (":" first, e.g. ": keep-alive") are counted in comments(), never turned into events.
  // Fields: data and event; id, retry and unknown fields are ignored. In "field:value" one space
  // after the colon is dropped. An empty line dispatches the event if it has data (a lone
  // "data:" counts: its data is ""). A leading UTF-8 BOM is dropped.
  // kInvalidArgument when a line or an event's data exceeds max_line_bytes; the events before
  // it are still appended, and every later Feed fails the same way.
  Status Feed(std::string_view bytes, std::vector<SseEvent>& out);

  // True when bytes of an unfinished line or an undispatched event remain: the stream was cut
  // before its end (a complete stream ends in an empty line).
  bool pending() const;
  // Comment lines seen (keep-alives).
  size_t comments() const { return comments_; }
  // Events dispatched.
  size_t events() const { return events_; }

 private:
  // Handles one complete line (without its line end).
  Status ProcessLine(std::string_view line, std::vector<SseEvent>& out);
  Status Fail(std::string message);

  size_t max_line_bytes_;
  std::string line_;        // the unfinished line
  std::string data_;        // the event's data lines, each followed by '\n'
  std::string event_type_;  // the event's `event:` field
  bool at_start_ = true;    // still deciding whether the stream starts with a BOM
  bool skip_lf_ = false;    // the last byte was a \r: a \n right after it ends no line
  size_t comments_ = 0;
  size_t events_ = 0;
  Status failed_;  // set once a limit is exceeded
};

}  // namespace zx::llm
