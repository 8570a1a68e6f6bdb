// Recorded-style streams of each engine (testdata/*.sse) through SseParser and DecodeChatChunk,
// fed whole, cut in two at every byte and one byte at a time: the decoded answer must not
// depend on how the network cut the stream.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "llm/chat_json.h"
#include "llm/sse.h"

namespace zx::llm {
namespace {

std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(ZX_SOURCE_DIR) + "/src/llm/testdata/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// What a client makes of a stream.
struct Decoded {
  std::string content;
  std::string reasoning;  // kept apart: never shown to citizens
  std::string finish_reason;
  bool done = false;
  std::optional<std::array<int64_t, 3>> usage;  // prompt, completion, total
  std::string api_error;                        // "code: message" of an in-stream error
  size_t bad_chunks = 0;                        // data payloads DecodeChatChunk refused
  std::string event_types;                      // the non-empty `event:` fields, ',' after each
  size_t comments = 0;
  size_t events = 0;
  bool pending = false;
  std::string feed_error;

  bool operator==(const Decoded&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Decoded& d) {
  os << "content=" << d.content << " reasoning=" << d.reasoning
     << " finish_reason=" << d.finish_reason << " done=" << d.done << " usage=";
  if (d.usage) {
    os << (*d.usage)[0] << "/" << (*d.usage)[1] << "/" << (*d.usage)[2];
  } else {
    os << "none";
  }
  return os << " api_error=" << d.api_error << " bad_chunks=" << d.bad_chunks
            << " event_types=" << d.event_types << " comments=" << d.comments
            << " events=" << d.events << " pending=" << d.pending << " feed_error=" << d.feed_error;
}

// Feeds `stream` cut at `cuts` (ascending offsets) and decodes every event.
Decoded FeedAndDecode(std::string_view stream, const std::vector<size_t>& cuts) {
  SseParser parser;
  Decoded d;
  std::vector<SseEvent> events;
  size_t from = 0;
  auto feed = [&](size_t to) {
    if (!d.feed_error.empty()) return;
    Status s = parser.Feed(stream.substr(from, to - from), events);
    if (!s.ok()) d.feed_error = s.ToString();
    from = to;
  };
  for (size_t cut : cuts) feed(cut);
  feed(stream.size());
  for (const SseEvent& e : events) {
    if (!e.event.empty()) d.event_types += e.event + ",";
    auto chunk = DecodeChatChunk(e.data);
    if (!chunk.ok()) {
      ++d.bad_chunks;
      continue;
    }
    d.done = d.done || chunk->done;
    d.content += chunk->content;
    d.reasoning += chunk->reasoning;
    if (!chunk->finish_reason.empty()) d.finish_reason = chunk->finish_reason;
    if (chunk->usage) {
      d.usage = {chunk->usage->prompt_tokens, chunk->usage->completion_tokens,
                 chunk->usage->total_tokens};
    }
    if (chunk->error) d.api_error = chunk->error->code + ": " + chunk->error->message;
  }
  d.comments = parser.comments();
  d.events = parser.events();
  d.pending = parser.pending();
  return d;
}

struct Golden {
  const char* file;
  Decoded expected;
};

Decoded Expect(std::string content, std::string reasoning, std::string finish_reason, bool done,
               std::optional<std::array<int64_t, 3>> usage, size_t events) {
  Decoded d;
  d.content = std::move(content);
  d.reasoning = std::move(reasoning);
  d.finish_reason = std::move(finish_reason);
  d.done = done;
  d.usage = usage;
  d.events = events;
  return d;
}

std::vector<Golden> Goldens() {
  std::vector<Golden> g;
  g.push_back(
      {"deepseek_reasoner.sse",
       Expect("您好，社保卡补办请携带身份证到就近的社保服务网点办理。",
              "用户问的是社保卡补办流程。", "stop", true, std::array<int64_t, 3>{15, 30, 45}, 13)});
  g.push_back({"dashscope.sse", Expect("公积金提取需要本人身份证和银行卡。", "", "stop", true,
                                       std::array<int64_t, 3>{22, 11, 33}, 8)});
  g.push_back({"vllm_reasoning.sse", Expect("可以在政务服务中心一楼办理。", "先确认办理地点。\n",
                                            "stop", true, std::array<int64_t, 3>{40, 22, 62}, 10)});
  g.push_back({"llamacpp.sse", Expect("工作日上午9点到下午5点。", "", "stop", true,
                                      std::array<int64_t, 3>{31, 9, 40}, 6)});
  g.push_back({"ollama.sse", Expect("请拨打12345热线。", "嗯，问电话。", "stop", true,
                                    std::array<int64_t, 3>{18, 14, 32}, 8)});
  Decoded keepalives = Expect("已为您登记。", "", "stop", true, std::nullopt, 3);
  keepalives.comments = 5;
  g.push_back({"keepalives.sse", keepalives});
  Decoded crlf = Expect("办理时限为5个工作日。", "", "stop", true, std::nullopt, 4);
  crlf.event_types = "message,";
  g.push_back({"crlf.sse", crlf});
  Decoded cut = Expect("您的工单已转交", "", "", false, std::nullopt, 2);
  cut.pending = true;
  g.push_back({"cut_without_done.sse", cut});
  Decoded malformed = Expect("请稍候，正在查询。", "", "stop", true, std::nullopt, 5);
  malformed.bad_chunks = 2;
  g.push_back({"malformed_line.sse", malformed});
  Decoded error = Expect("关于", "", "", true, std::nullopt, 3);
  error.api_error = "data_inspection_failed: Output data may contain inappropriate content.";
  g.push_back({"error_in_stream.sse", error});
  return g;
}

TEST(StreamGoldenTest, WholeStreams) {
  for (const Golden& golden : Goldens()) {
    std::string stream = ReadTestdata(golden.file);
    EXPECT_EQ(FeedAndDecode(stream, {}), golden.expected) << golden.file;
  }
}

TEST(StreamGoldenTest, CutInTwoAtEveryByte) {
  for (const Golden& golden : Goldens()) {
    std::string stream = ReadTestdata(golden.file);
    for (size_t cut = 0; cut <= stream.size(); ++cut) {
      Decoded d = FeedAndDecode(stream, {cut});
      ASSERT_EQ(d, golden.expected) << golden.file << " cut at " << cut;
    }
  }
}

TEST(StreamGoldenTest, OneByteAtATime) {
  for (const Golden& golden : Goldens()) {
    std::string stream = ReadTestdata(golden.file);
    std::vector<size_t> cuts;
    for (size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
    EXPECT_EQ(FeedAndDecode(stream, cuts), golden.expected) << golden.file;
  }
}

TEST(StreamGoldenTest, CrLfStreamAsLoneCarriageReturns) {
  // The same stream with \r alone as the line end decodes the same.
  std::string stream = ReadTestdata("crlf.sse");
  std::string cr;
  for (char c : stream) {
    if (c != '\n') cr.push_back(c);
  }
  Decoded whole = FeedAndDecode(stream, {});
  for (size_t cut = 0; cut <= cr.size(); ++cut) ASSERT_EQ(FeedAndDecode(cr, {cut}), whole) << cut;
}

TEST(StreamGoldenTest, WithABom) {
  std::string stream = "\xEF\xBB\xBF" + ReadTestdata("deepseek_reasoner.sse");
  Decoded expected = Goldens()[0].expected;
  for (size_t cut = 0; cut <= 8; ++cut) ASSERT_EQ(FeedAndDecode(stream, {cut}), expected) << cut;
}

}  // namespace
}  // namespace zx::llm
