#include "http/request.h"

namespace zx::http {
namespace {

std::string_view Find(const Fields& fields, std::string_view name, bool ignore_case) {
  for (const auto& [k, v] : fields)
    if (ignore_case ? EqualsIgnoreCase(k, name) : k == name) return v;
  return {};
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view Request::Header(std::string_view name) const { return Find(headers, name, true); }

std::optional<std::string_view> Request::Query(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return v;
  return std::nullopt;
}

std::string_view Request::PathParam(std::string_view name) const {
  return Find(path_params, name, false);
}

std::string_view Response::Header(std::string_view name) const { return Find(headers, name, true); }

Response Response::Later(std::function<void(Responder)> start) {
  Response r;
  r.deferred = std::move(start);
  return r;
}

Response Response::Stream(std::shared_ptr<EventStream> stream, std::string content_type) {
  Response r;
  r.content_type = std::move(content_type);
  r.stream = std::move(stream);
  return r;
}

std::string SseEvent(std::string_view name, std::string_view data) {
  std::string out;
  // Line breaks in a name would start another field: a name is a token.
  if (!name.empty() && name.find_first_of("\r\n") == std::string_view::npos)
    out.append("event: ").append(name).append("\n");
  size_t start = 0;
  while (true) {
    size_t end = data.find('\n', start);
    std::string_view line = data.substr(start, end == std::string_view::npos ? end : end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.append("data: ").append(line).append("\n");
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out + "\n";
}

std::string SseComment(std::string_view text) {
  std::string out = ": ";
  for (char c : text) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out + "\n\n";
}

Response Response::Json(int status, const nlohmann::json& value) {
  Response r;
  r.status = status;
  r.body = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::Text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += plus_is_space && c == '+' ? ' ' : c;
  }
  return out;
}

Fields ParseQuery(std::string_view query) {
  Fields out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string_view key = part.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    out.emplace_back(PercentDecode(key, true), PercentDecode(value, true));
  }
  return out;
}

}  // namespace zx::http
