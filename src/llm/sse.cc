#include "llm/sse.h"

#include <utility>

namespace zx::llm {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

}  // namespace

SseParser::SseParser(size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

bool SseParser::pending() const { return !line_.empty() || !data_.empty() || !event_type_.empty(); }

Status SseParser::Fail(std::string message) {
  failed_ = InvalidArgument(std::move(message));
  line_.clear();
  data_.clear();
  event_type_.clear();
  return failed_;
}

Status SseParser::Feed(std::string_view bytes, std::vector<SseEvent>& out) {
  if (!failed_.ok()) return failed_;
  size_t i = 0;
  // The BOM may arrive a byte at a time; its bytes wait in line_ (none of them ends a line),
  // and stay there as the first line's start if they turn out not to be one.
  while (at_start_ && i < bytes.size()) {
    if (bytes[i] != kBom[line_.size()]) {
      at_start_ = false;
      break;
    }
    line_.push_back(bytes[i++]);
    if (line_.size() == kBom.size()) {
      line_.clear();
      at_start_ = false;
    }
  }
  if (skip_lf_ && i < bytes.size()) {
    skip_lf_ = false;
    if (bytes[i] == '\n') ++i;
  }
  while (i < bytes.size()) {
    size_t end = bytes.find_first_of("\r\n", i);
    if (end == std::string_view::npos) {
      line_.append(bytes.substr(i));
      if (line_.size() > max_line_bytes_) {
        return Fail("event stream line longer than " + std::to_string(max_line_bytes_) + " bytes");
      }
      break;
    }
    // Most lines arrive whole: no copy unless a previous Feed left the line's start.
    std::string_view line = bytes.substr(i, end - i);
    if (!line_.empty()) {
      line_.append(line);
      line = line_;
    }
    if (line.size() > max_line_bytes_) {
      return Fail("event stream line longer than " + std::to_string(max_line_bytes_) + " bytes");
    }
    ZX_RETURN_IF_ERROR(ProcessLine(line, out));
    line_.clear();
    i = end + 1;
    if (bytes[end] == '\r') {
      if (i == bytes.size()) {
        skip_lf_ = true;
      } else if (bytes[i] == '\n') {
        ++i;
      }
    }
  }
  return Status::Ok();
}

Status SseParser::ProcessLine(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {
    // An event without data (e.g. only `event:` or `id:`) is not dispatched (the spec).
    if (!data_.empty()) {
      data_.pop_back();  // the '\n' after the last data line
      out.push_back(SseEvent{std::move(event_type_), std::move(data_)});
      ++events_;
    }
    data_.clear();
    event_type_.clear();
    return Status::Ok();
  }
  if (line.front() == ':') {
    ++comments_;
    return Status::Ok();
  }
  size_t colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    data_.append(value);
    data_.push_back('\n');
    // Many data lines without an empty line would also grow without bound.
    if (data_.size() > max_line_bytes_) {
      return Fail("event stream event data longer than " + std::to_string(max_line_bytes_) +
                  " bytes");
    }
  } else if (field == "event") {
    event_type_.assign(value);
  }
  // id and retry serve the browser's reconnection, which a completion stream does not use;
  // unknown fields are ignored by the spec.
  return Status::Ok();
}

}  // namespace zx::llm
