#include "llm/chat_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "text/normalizer.h"

namespace zx::llm {
namespace {

ChatChunk Decode(std::string_view data) {
  auto chunk = DecodeChatChunk(data);
  EXPECT_TRUE(chunk.ok()) << chunk.status().ToString();
  return chunk.ok() ? *chunk : ChatChunk{};
}

TEST(DecodeChatChunkTest, Done) {
  EXPECT_TRUE(Decode("[DONE]").done);
  EXPECT_TRUE(Decode(" [DONE]\r").done);
  EXPECT_FALSE(Decode(R"({"choices":[]})").done);
}

TEST(DecodeChatChunkTest, DeltaContent) {
  ChatChunk c = Decode(
      R"({"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"您好"},"finish_reason":null}]})");
  EXPECT_EQ(c.content, "您好");
  EXPECT_EQ(c.reasoning, "");
  EXPECT_EQ(c.finish_reason, "");
  EXPECT_FALSE(c.usage.has_value());
  EXPECT_FALSE(c.error.has_value());
  EXPECT_FALSE(c.done);
}

TEST(DecodeChatChunkTest, NullContentIsEmpty) {
  ChatChunk c = Decode(R"({"choices":[{"delta":{"role":"assistant","content":null}}]})");
  EXPECT_EQ(c.content, "");
  EXPECT_EQ(Decode(R"({"choices":[{"delta":{}}]})").content, "");
  EXPECT_EQ(Decode(R"({"choices":[{"delta":null}]})").content, "");
  EXPECT_EQ(Decode(R"({"choices":[{"delta":{"content":7}}]})").content, "");
}

TEST(DecodeChatChunkTest, ReasoningUnderEitherName) {
  // DeepSeek and DashScope: reasoning_content; vLLM and Ollama: reasoning.
  ChatChunk deepseek =
      Decode(R"({"choices":[{"delta":{"content":null,"reasoning_content":"先想"}}]})");
  EXPECT_EQ(deepseek.reasoning, "先想");
  EXPECT_EQ(deepseek.content, "");
  ChatChunk vllm = Decode(R"({"choices":[{"delta":{"reasoning":"再想"}}]})");
  EXPECT_EQ(vllm.reasoning, "再想");
  // Engines in between send both, with the same text: taken once.
  ChatChunk both = Decode(R"({"choices":[{"delta":{"reasoning_content":"想","reasoning":"想"}}]})");
  EXPECT_EQ(both.reasoning, "想");
  ChatChunk null_then_other =
      Decode(R"({"choices":[{"delta":{"reasoning_content":null,"reasoning":"想"}}]})");
  EXPECT_EQ(null_then_other.reasoning, "想");
}

TEST(DecodeChatChunkTest, FinishReason) {
  EXPECT_EQ(Decode(R"({"choices":[{"delta":{},"finish_reason":"length"}]})").finish_reason,
            "length");
  EXPECT_EQ(Decode(R"({"choices":[{"delta":{},"finish_reason":null}]})").finish_reason, "");
}

TEST(DecodeChatChunkTest, UsageChunkWithoutChoices) {
  ChatChunk c = Decode(
      R"({"choices":[],"usage":{"prompt_tokens":15,"completion_tokens":30,"total_tokens":45,"prompt_tokens_details":{"cached_tokens":0}}})");
  ASSERT_TRUE(c.usage.has_value());
  EXPECT_EQ(c.usage->prompt_tokens, 15);
  EXPECT_EQ(c.usage->completion_tokens, 30);
  EXPECT_EQ(c.usage->total_tokens, 45);
  EXPECT_EQ(c.content, "");
}

TEST(DecodeChatChunkTest, NullUsageIsNone) {
  // DashScope sends "usage": null on every chunk but the last.
  EXPECT_FALSE(Decode(R"({"choices":[{"delta":{"content":"a"}}],"usage":null})").usage);
}

TEST(DecodeChatChunkTest, OddTokenCountsAreClamped) {
  ChatChunk c = Decode(
      R"({"usage":{"prompt_tokens":1e300,"completion_tokens":18446744073709551615,"total_tokens":"9"}})");
  ASSERT_TRUE(c.usage.has_value());
  EXPECT_EQ(c.usage->prompt_tokens, 0);
  EXPECT_EQ(c.usage->completion_tokens, INT64_MAX);
  EXPECT_EQ(c.usage->total_tokens, 0);
}

TEST(DecodeChatChunkTest, ErrorInsideTheStream) {
  ChatChunk c = Decode(
      R"({"error":{"code":"data_inspection_failed","param":null,"message":"Output data may contain inappropriate content.","type":"data_inspection_failed"},"id":"chatcmpl-1"})");
  ASSERT_TRUE(c.error.has_value());
  EXPECT_EQ(c.error->code, "data_inspection_failed");
  EXPECT_EQ(c.error->type, "data_inspection_failed");
  EXPECT_EQ(c.error->message, "Output data may contain inappropriate content.");
  ChatChunk vllm = Decode(
      R"({"error":{"object":"error","message":"too long","type":"BadRequestError","param":null,"code":400}})");
  ASSERT_TRUE(vllm.error.has_value());
  EXPECT_EQ(vllm.error->code, "400");
  EXPECT_EQ(vllm.error->message, "too long");
  // "error": null is no error.
  EXPECT_FALSE(Decode(R"({"choices":[],"error":null})").error.has_value());
}

TEST(DecodeChatChunkTest, WholeAnswer) {
  ChatChunk c = Decode(
      R"({"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"可以办理。","reasoning_content":"查一下"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":6,"total_tokens":11}})");
  EXPECT_EQ(c.content, "可以办理。");
  EXPECT_EQ(c.reasoning, "查一下");
  EXPECT_EQ(c.finish_reason, "stop");
  ASSERT_TRUE(c.usage.has_value());
  EXPECT_EQ(c.usage->total_tokens, 11);
}

TEST(DecodeChatChunkTest, MalformedJsonSaysWhy) {
  auto r = DecodeChatChunk(R"({"choices":[{"delta":{"content":"坏)");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("not JSON"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("{\"choices\""), std::string::npos);
  EXPECT_EQ(r.status().message().find("json.exception"), std::string::npos);
  EXPECT_FALSE(DecodeChatChunk("").ok());
  EXPECT_FALSE(DecodeChatChunk("not json").ok());
}

TEST(DecodeChatChunkTest, NumberTooLargeIsNotJsonNotACrash) {
  // nlohmann throws out_of_range, not parse_error, for it (docs/fuzzing.md, "Findings").
  auto r = DecodeChatChunk(R"({"usage":{"total_tokens":1111111111e1111}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  ApiError e = DecodeErrorBody(R"({"error":{"code":1111111111e1111}})");
  EXPECT_EQ(e.message, R"({"error":{"code":1111111111e1111}})");
}

TEST(DecodeChatChunkTest, ExcerptIsShortAndWellFormed) {
  // A long payload with ill-formed bytes: the message quotes little of it, as valid UTF-8.
  std::string data = "{\"content\":\"" + std::string(300, 'x') + "\xFF\xFE" + "社保卡";
  auto r = DecodeChatChunk(data);
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.status().message().size(), 400u);
  EXPECT_TRUE(text::IsValidUtf8(r.status().message()));
  auto bad_utf8 = DecodeChatChunk("\"\xC3\"");
  ASSERT_FALSE(bad_utf8.ok());
  EXPECT_TRUE(text::IsValidUtf8(bad_utf8.status().message())) << bad_utf8.status().message();
}

TEST(DecodeChatChunkTest, NotAnObject) {
  for (std::string_view data : {"[1,2]", "\"[DONE]\"", "42", "null"}) {
    auto r = DecodeChatChunk(data);
    ASSERT_FALSE(r.ok()) << data;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find("not an object"), std::string::npos)
        << r.status().message();
  }
}

TEST(DecodeErrorBodyTest, OpenAiShape) {
  ApiError e = DecodeErrorBody(
      R"({"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}})");
  EXPECT_EQ(e.code, "rate_limit_exceeded");
  EXPECT_EQ(e.type, "requests");
  EXPECT_EQ(e.message, "Rate limit reached for requests");
}

TEST(DecodeErrorBodyTest, DeepSeek) {
  ApiError e = DecodeErrorBody(
      R"({"error":{"message":"Insufficient Balance","type":"unknown_error","param":null,"code":"invalid_request_error"}})");
  EXPECT_EQ(e.code, "invalid_request_error");
  EXPECT_EQ(e.message, "Insufficient Balance");
}

TEST(DecodeErrorBodyTest, VllmNumericCodeWrappedOrNot) {
  ApiError wrapped = DecodeErrorBody(
      R"({"error":{"object":"error","message":"This model's maximum context length is 8192 tokens.","type":"BadRequestError","param":null,"code":400}})");
  EXPECT_EQ(wrapped.code, "400");
  EXPECT_EQ(wrapped.type, "BadRequestError");
  // Older vLLM answered with the error object itself.
  ApiError flat = DecodeErrorBody(
      R"({"object":"error","message":"The model `qwen` does not exist.","type":"NotFoundError","param":null,"code":404})");
  EXPECT_EQ(flat.code, "404");
  EXPECT_EQ(flat.type, "NotFoundError");
  EXPECT_EQ(flat.message, "The model `qwen` does not exist.");
}

TEST(DecodeErrorBodyTest, NullCodeIsEmpty) {
  ApiError e = DecodeErrorBody(R"({"error":{"message":"m","type":"t","code":null}})");
  EXPECT_EQ(e.code, "");
  EXPECT_EQ(e.message, "m");
}

TEST(DecodeErrorBodyTest, DashScopeCompatibleMode) {
  ApiError e = DecodeErrorBody(
      R"({"error":{"code":"data_inspection_failed","param":null,"message":"Input data may contain inappropriate content.","type":"data_inspection_failed"},"id":"chatcmpl-6a","request_id":"6a"})");
  EXPECT_EQ(e.code, "data_inspection_failed");
  EXPECT_EQ(e.message, "Input data may contain inappropriate content.");
}

TEST(DecodeErrorBodyTest, DashScopeNative) {
  ApiError e = DecodeErrorBody(
      R"({"request_id":"1d2e","code":"InvalidApiKey","message":"Invalid API-key provided."})");
  EXPECT_EQ(e.code, "InvalidApiKey");
  EXPECT_EQ(e.type, "");
  EXPECT_EQ(e.message, "Invalid API-key provided.");
}

TEST(DecodeErrorBodyTest, OllamaAndLlamaCpp) {
  ApiError ollama =
      DecodeErrorBody(R"({"error":"model \"qwen3:8b\" not found, try pulling it first"})");
  EXPECT_EQ(ollama.code, "");
  EXPECT_EQ(ollama.message, "model \"qwen3:8b\" not found, try pulling it first");
  ApiError llamacpp = DecodeErrorBody(
      R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})");
  EXPECT_EQ(llamacpp.code, "503");
  EXPECT_EQ(llamacpp.type, "unavailable_error");
  EXPECT_EQ(llamacpp.message, "Loading model");
}

TEST(DecodeErrorBodyTest, NotJsonGivesTheStartOfTheBody) {
  ApiError e = DecodeErrorBody(
      "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>nginx</body></html>\r\n");
  EXPECT_EQ(e.code, "");
  EXPECT_EQ(e.message,
            "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>nginx</body></html>");
  EXPECT_EQ(DecodeErrorBody("").message, "");
}

TEST(DecodeErrorBodyTest, LongBodyIsCutAtACharacter) {
  // 3-byte characters: 200 bytes fall inside the 67th; the cut keeps 66 whole ones.
  std::string body;
  for (int i = 0; i < 100; ++i) body += "错";
  ApiError e = DecodeErrorBody(body);
  EXPECT_EQ(e.message.size(), 198u);
  EXPECT_TRUE(text::IsValidUtf8(e.message));
  ApiError bad = DecodeErrorBody("bad \xFF\xC3 gateway");
  EXPECT_TRUE(text::IsValidUtf8(bad.message));
  EXPECT_EQ(bad.message, "bad  gateway");
}

TEST(DecodeErrorBodyTest, JsonWithoutAnErrorIsQuoted) {
  ApiError e = DecodeErrorBody(R"({"detail":"Not Found"})");
  EXPECT_EQ(e.message, R"({"detail":"Not Found"})");
}

TEST(EncodeChatRequestTest, Fields) {
  ChatRequest request;
  request.model = "deepseek-chat";
  request.messages = {{"system", "你是12345热线的助手。"}, {"user", "社保卡怎么补办？\n\"急\""}};
  request.temperature = 0.3;
  request.max_tokens = 256;
  std::string body = EncodeChatRequest(request);
  // UTF-8 as it is, not \u escapes.
  EXPECT_NE(body.find("社保卡怎么补办"), std::string::npos) << body;
  EXPECT_EQ(body.rfind("{\"model\":\"deepseek-chat\",\"messages\":", 0), 0u) << body;
  auto json = nlohmann::json::parse(body);
  EXPECT_EQ(json["model"], "deepseek-chat");
  ASSERT_EQ(json["messages"].size(), 2u);
  EXPECT_EQ(json["messages"][0]["role"], "system");
  EXPECT_EQ(json["messages"][1]["content"], "社保卡怎么补办？\n\"急\"");
  EXPECT_DOUBLE_EQ(json["temperature"].get<double>(), 0.3);
  EXPECT_EQ(json["max_tokens"], 256);
  EXPECT_EQ(json["stream"], true);
  EXPECT_EQ(json["stream_options"]["include_usage"], true);
}

TEST(EncodeChatRequestTest, StreamOptionsOnlyWhenStreamingWithUsage) {
  ChatRequest request;
  request.model = "m";
  request.include_usage = false;
  EXPECT_FALSE(nlohmann::json::parse(EncodeChatRequest(request)).contains("stream_options"));
  request.include_usage = true;
  request.stream = false;
  auto json = nlohmann::json::parse(EncodeChatRequest(request));
  EXPECT_FALSE(json.contains("stream_options"));
  EXPECT_EQ(json["stream"], false);
  EXPECT_TRUE(json["messages"].is_array());
}

TEST(EncodeChatRequestTest, ThinkingIsSwitchedOffTheWayTheEngineReadsIt) {
  ChatRequest request;
  request.model = "qwen3";
  EXPECT_FALSE(nlohmann::json::parse(EncodeChatRequest(request)).contains("enable_thinking"));
  request.thinking_off = ChatRequest::ThinkingOff::kTopLevel;
  EXPECT_EQ(nlohmann::json::parse(EncodeChatRequest(request))["enable_thinking"], false);
  request.thinking_off = ChatRequest::ThinkingOff::kTemplateKwargs;
  auto json = nlohmann::json::parse(EncodeChatRequest(request));
  EXPECT_EQ(json["chat_template_kwargs"]["enable_thinking"], false);
  EXPECT_FALSE(json.contains("enable_thinking"));
}

TEST(EncodeChatRequestTest, IllFormedUtf8StillGivesValidJson) {
  ChatRequest request;
  request.model = "m";
  request.messages = {{"user", "abc\xFF\xC3"}};
  std::string body = EncodeChatRequest(request);
  EXPECT_TRUE(text::IsValidUtf8(body));
  auto json = nlohmann::json::parse(body);
  EXPECT_EQ(json["messages"][0]["content"], "abc\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace zx::llm
