#include "llm/sse.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace zx::llm {
namespace {

// The events of `stream` fed in the given pieces; fails the test on a Feed error.
std::vector<SseEvent> FeedAll(SseParser& parser, const std::vector<std::string>& pieces) {
  std::vector<SseEvent> out;
  for (const std::string& piece : pieces) {
    Status s = parser.Feed(piece, out);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  return out;
}

std::vector<std::string> Datas(const std::vector<SseEvent>& events) {
  std::vector<std::string> out;
  for (const SseEvent& e : events) out.push_back(e.data);
  return out;
}

using Strings = std::vector<std::string>;

TEST(SseParserTest, OneEventPerEmptyLine) {
  SseParser parser;
  auto events = FeedAll(parser, {"data: a\n\ndata: b\n\n"});
  EXPECT_EQ(Datas(events), (Strings{"a", "b"}));
  EXPECT_EQ(events[0].event, "");
  EXPECT_EQ(parser.events(), 2u);
  EXPECT_FALSE(parser.pending());
}

TEST(SseParserTest, OneSpaceAfterTheColonIsDropped) {
  SseParser parser;
  auto events = FeedAll(parser, {"data:a\n\ndata:  b\n\ndata: \n\ndata\n\n"});
  EXPECT_EQ(Datas(events), (Strings{"a", " b", "", ""}));
}

TEST(SseParserTest, DataLinesJoinWithNewlines) {
  SseParser parser;
  auto events = FeedAll(parser, {"data: {\"a\":\ndata: 1}\ndata:\n\n"});
  EXPECT_EQ(Datas(events), (Strings{"{\"a\":\n1}\n"}));
}

TEST(SseParserTest, EventWithoutDataIsNotDispatched) {
  SseParser parser;
  auto events = FeedAll(parser, {"event: ping\n\nid: 7\n\ndata: x\n\n"});
  ASSERT_EQ(events.size(), 1u);
  // The empty line also forgot the event type.
  EXPECT_EQ(events[0].event, "");
  EXPECT_EQ(events[0].data, "x");
  EXPECT_EQ(parser.events(), 1u);
}

TEST(SseParserTest, EventField) {
  SseParser parser;
  auto events = FeedAll(parser, {"event: error\ndata: {}\n\ndata: y\n\n"});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event, "error");
  EXPECT_EQ(events[1].event, "");
}

TEST(SseParserTest, CommentsAreCountedNeverEvents) {
  SseParser parser;
  auto events = FeedAll(parser, {": keep-alive\n\n:\n\n: data: x\n\n"});
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(parser.comments(), 3u);
  EXPECT_EQ(parser.events(), 0u);
}

TEST(SseParserTest, IdRetryAndUnknownFieldsAreIgnored) {
  SseParser parser;
  auto events = FeedAll(parser, {"id: 1\nretry: 3000\nfoo: bar\nDATA: no\ndata: x\n\n"});
  EXPECT_EQ(Datas(events), (Strings{"x"}));
}

TEST(SseParserTest, AllThreeLineEnds) {
  SseParser parser;
  auto events = FeedAll(parser, {"data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\ndata: e\r\r\n"});
  EXPECT_EQ(Datas(events), (Strings{"a", "b", "c", "d\ne"}));
}

TEST(SseParserTest, CrLfSplitAcrossFeedsIsOneLineEnd) {
  SseParser parser;
  // Were the \n taken for a second line end, "a" would be dispatched on its own.
  auto events = FeedAll(parser, {"data: a\r", "\ndata: b\r", "\n\r", "\n"});
  EXPECT_EQ(Datas(events), (Strings{"a\nb"}));
  EXPECT_FALSE(parser.pending());
}

TEST(SseParserTest, CrThenCrAcrossFeedsIsAnEmptyLine) {
  SseParser parser;
  auto events = FeedAll(parser, {"data: a\r", "\r", "data: b\r", "", "\r"});
  EXPECT_EQ(Datas(events), (Strings{"a", "b"}));
}

TEST(SseParserTest, LeadingBomIsDropped) {
  SseParser whole;
  EXPECT_EQ(Datas(FeedAll(whole, {"\xEF\xBB\xBF"
                                  "data: x\n\n"})),
            (Strings{"x"}));
  SseParser bytewise;
  EXPECT_EQ(Datas(FeedAll(bytewise, {"\xEF", "\xBB", "\xBF", "d", "ata: x\n\n"})), (Strings{"x"}));
}

TEST(SseParserTest, BomOnlyAtTheStart) {
  // Later, or cut short, the bytes belong to the field name: "\xEF\xBB\xBF" "data" is unknown.
  SseParser later;
  auto events = FeedAll(later, {"data: x\n\n\xEF\xBB\xBF"
                                "data: y\n\n"});
  EXPECT_EQ(Datas(events), (Strings{"x"}));
  SseParser partial;
  EXPECT_TRUE(FeedAll(partial, {"\xEF\xBB", "data: x\n\n"}).empty());
  SseParser bom_then_line_end;
  EXPECT_EQ(Datas(FeedAll(bom_then_line_end, {"\xEF\xBB\xBF", "\ndata: x\n\n"})), (Strings{"x"}));
}

TEST(SseParserTest, PendingAfterACutStream) {
  SseParser parser;
  std::vector<SseEvent> out;
  EXPECT_FALSE(parser.pending());
  ASSERT_TRUE(parser.Feed("data: {\"choi", out).ok());
  EXPECT_TRUE(parser.pending());  // an unfinished line
  ASSERT_TRUE(parser.Feed("ces\":[]}\n", out).ok());
  EXPECT_TRUE(parser.pending());  // an event not yet dispatched
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(parser.Feed("\r", out).ok());
  EXPECT_FALSE(parser.pending());  // a \n may follow, but nothing is left to lose
  EXPECT_EQ(out.size(), 1u);
  ASSERT_TRUE(parser.Feed("\n: keep-alive\n", out).ok());
  EXPECT_FALSE(parser.pending());
  ASSERT_TRUE(parser.Feed("event: x\n", out).ok());
  EXPECT_TRUE(parser.pending());
}

TEST(SseParserTest, LineLimit) {
  SseParser parser(16);
  std::vector<SseEvent> out;
  ASSERT_TRUE(parser.Feed("data: 0123456789\n\n", out).ok());  // exactly 16 bytes
  EXPECT_EQ(out.size(), 1u);
  Status s = parser.Feed("data: x\n\ndata: 01234567890\n", out);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("16 bytes"), std::string::npos) << s.message();
  EXPECT_EQ(out.size(), 2u);  // the event before the long line
  // The parser refuses everything after.
  EXPECT_EQ(parser.Feed("\n", out).code(), Code::kInvalidArgument);
  EXPECT_EQ(parser.Feed("data: y\n\n", out).code(), Code::kInvalidArgument);
  EXPECT_EQ(out.size(), 2u);
}

TEST(SseParserTest, LineLimitBeforeTheLineEnds) {
  // An engine that never ends its line is stopped as soon as the line is too long.
  SseParser parser(16);
  std::vector<SseEvent> out;
  ASSERT_TRUE(parser.Feed("data: 0123", out).ok());
  ASSERT_TRUE(parser.Feed("456789", out).ok());
  EXPECT_EQ(parser.Feed("x", out).code(), Code::kInvalidArgument);
}

TEST(SseParserTest, DataLimitAcrossLines) {
  SseParser parser(16);
  std::vector<SseEvent> out;
  Status s;
  for (int i = 0; i < 10 && s.ok(); ++i) s = parser.Feed("data: 0123\n", out);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_TRUE(out.empty());
}

TEST(SseParserTest, LimitIsTheSameHoweverTheStreamIsCut) {
  const std::string stream = "data: a\n\ndata: 0123456789abcdef\n\ndata: b\n\n";
  SseParser whole(20);
  std::vector<SseEvent> whole_out;
  EXPECT_FALSE(whole.Feed(stream, whole_out).ok());
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    SseParser parser(20);
    std::vector<SseEvent> out;
    Status first = parser.Feed(std::string_view(stream).substr(0, cut), out);
    Status second = first.ok() ? parser.Feed(std::string_view(stream).substr(cut), out) : first;
    EXPECT_EQ(second.code(), Code::kInvalidArgument) << cut;
    EXPECT_EQ(Datas(out), Datas(whole_out)) << cut;
  }
}

TEST(SseParserTest, EmptyFeedChangesNothing) {
  SseParser parser;
  std::vector<SseEvent> out;
  ASSERT_TRUE(parser.Feed("", out).ok());
  EXPECT_FALSE(parser.pending());
  ASSERT_TRUE(parser.Feed("data: x\n", out).ok());
  ASSERT_TRUE(parser.Feed("", out).ok());
  ASSERT_TRUE(parser.Feed("\n", out).ok());
  EXPECT_EQ(Datas(out), (Strings{"x"}));
}

TEST(SseParserTest, BytesPassThrough) {
  // NUL and ill-formed UTF-8 are the JSON decoder's business, not the framing's.
  SseParser parser;
  std::string stream = "data: " + std::string("\0\xFF\xC3", 3) + "\n\n";
  auto events = FeedAll(parser, {stream});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, std::string("\0\xFF\xC3", 3));
}

}  // namespace
}  // namespace zx::llm
