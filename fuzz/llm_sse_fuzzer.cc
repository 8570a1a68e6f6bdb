// What a language model engine (or a proxy in front of it) streams back: the event-stream
// framing (llm::SseParser), each event's JSON (DecodeChatChunk), an error body
// (DecodeErrorBody), and a request carrying the same bytes (EncodeChatRequest).
// Input: byte 0 picks where the stream is cut, the rest is the stream.
// Invariants: no crash; the events are the same fed whole, cut in two, or a byte at a time;
// decoded text, error messages and the request body are well-formed UTF-8; the request body is
// JSON.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common.h"
#include "llm/chat_json.h"
#include "llm/sse.h"
#include "text/normalizer.h"

using zx::fuzz::Check;
using namespace zx::llm;

namespace {

// Small enough that the fuzzer reaches it, larger than any line of the seeds.
constexpr size_t kMaxLine = 2048;

struct Outcome {
  std::vector<SseEvent> events;
  zx::Code code = zx::Code::kOk;
  size_t comments = 0;
  size_t dispatched = 0;
  bool pending = false;
};

Outcome FeedPieces(std::string_view stream, const std::vector<size_t>& cuts) {
  SseParser parser(kMaxLine);
  Outcome o;
  size_t from = 0;
  for (size_t i = 0; i <= cuts.size() && o.code == zx::Code::kOk; ++i) {
    size_t to = i < cuts.size() ? cuts[i] : stream.size();
    zx::Status s = parser.Feed(stream.substr(from, to - from), o.events);
    o.code = s.code();
    from = to;
  }
  o.comments = parser.comments();
  o.dispatched = parser.events();
  o.pending = parser.pending();
  return o;
}

bool SameEvents(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].event != b[i].event || a[i].data != b[i].data) return false;
  }
  return true;
}

void CheckSame(const Outcome& a, const Outcome& b, const char* what) {
  Check(a.code == b.code, what);
  Check(SameEvents(a.events, b.events), what);
  Check(a.comments == b.comments && a.dispatched == b.dispatched, what);
  // After a failure the parser has dropped its state; pending() says nothing then.
  if (a.code == zx::Code::kOk) Check(a.pending == b.pending, what);
}

void CheckError(const ApiError& e) {
  Check(zx::text::IsValidUtf8(e.code) && zx::text::IsValidUtf8(e.type) &&
            zx::text::IsValidUtf8(e.message),
        "an API error is well-formed UTF-8");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t cut = stream.size() * data[0] / 255;

  Outcome whole = FeedPieces(stream, {});
  Check(whole.dispatched == whole.events.size(), "events() counts the events");
  CheckSame(whole, FeedPieces(stream, {cut}), "cut in two, the same events");
  if (stream.size() <= 4096) {
    std::vector<size_t> bytes;
    for (size_t i = 1; i < stream.size(); ++i) bytes.push_back(i);
    CheckSame(whole, FeedPieces(stream, bytes), "a byte at a time, the same events");
  }

  for (const SseEvent& event : whole.events) {
    auto chunk = DecodeChatChunk(event.data);
    if (!chunk.ok()) {
      Check(chunk.status().code() == zx::Code::kInvalidArgument, "a bad chunk is kInvalidArgument");
      Check(zx::text::IsValidUtf8(chunk.status().message()), "the message is well-formed UTF-8");
      continue;
    }
    Check(zx::text::IsValidUtf8(chunk->content) && zx::text::IsValidUtf8(chunk->reasoning) &&
              zx::text::IsValidUtf8(chunk->finish_reason),
          "decoded text is well-formed UTF-8");
    if (chunk->error) CheckError(*chunk->error);
    if (chunk->done) Check(chunk->content.empty() && !chunk->usage, "[DONE] carries nothing");
  }

  ApiError error = DecodeErrorBody(stream);
  CheckError(error);

  ChatRequest request;
  request.model = std::string(stream.substr(0, 16));
  request.messages = {{"user", std::string(stream)}};
  std::string body = EncodeChatRequest(request);
  Check(zx::text::IsValidUtf8(body), "the request body is well-formed UTF-8");
  Check(nlohmann::json::accept(body), "the request body is JSON");
  return 0;
}
