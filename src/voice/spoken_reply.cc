#include "voice/spoken_reply.h"

#include <vector>

#include "telephony/speech_text.h"
#include "text/utf8.h"

namespace zx::voice {
namespace {

constexpr std::string_view kResult = "结果：";
constexpr std::string_view kBasis = "依据：";
constexpr std::string_view kCitationOpen = "（依据";
constexpr std::string_view kColon = "：";
constexpr std::string_view kProcessOffer = "要听计算过程请按1。";
constexpr std::string_view kMoreOffer = "要听完整内容请按1。";

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return lines;
}

std::string Join(const std::vector<std::string_view>& lines) {
  std::string out;
  for (auto l : lines) {
    if (l.empty()) continue;
    if (!out.empty()) out += "\n";
    out += l;
  }
  return out;
}

// "依据：<rule>（<source>）" -> "依据<source>的规定。"; without a source, nothing.
std::string ShortBasis(std::string_view line) {
  const std::string_view open = "（", close = "）";
  if (!EndsWith(line, close)) return "";
  size_t p = line.rfind(open);
  if (p == std::string_view::npos) return "";
  std::string_view source =
      line.substr(p + open.size(), line.size() - p - open.size() - close.size());
  if (source.empty()) return "";
  return "依据" + std::string(source) + "的规定。";
}

// The sentences of `text` that fit in `seconds`, cut after 。！？； (at least the first one).
std::string Cut(std::string_view text, double seconds, double cps) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = std::string_view::npos;
    for (std::string_view stop : {"。", "！", "？", "；", "\n"}) {
      size_t e = text.find(stop, pos);
      if (e != std::string_view::npos && (end == std::string_view::npos || e + stop.size() < end))
        end = e + stop.size();
    }
    if (end == std::string_view::npos) end = text.size();
    std::string candidate = out + std::string(text.substr(pos, end - pos));
    if (!out.empty() && SpeechSeconds(candidate, cps) > seconds) break;
    out = std::move(candidate);
    pos = end;
  }
  return out;
}

}  // namespace

double SpeechSeconds(std::string_view text, double chars_per_second) {
  std::string spoken = telephony::PrepareForSpeech(text);
  return static_cast<double>(text::utf8::CountCodePoints(spoken)) / chars_per_second;
}

SpokenReply SpokenForm(std::string_view reply_text, const SpokenOptions& options) {
  const double cps = options.chars_per_second > 0 ? options.chars_per_second : 3.9;
  std::vector<std::string_view> lines = Lines(reply_text);
  auto offer = [&](std::string_view key1) {
    std::string s(key1);
    s += options.sms_offer;
    return s;
  };

  size_t result = lines.size();
  for (size_t i = 0; i < lines.size(); ++i)
    if (StartsWith(lines[i], kResult)) {
      result = i;
      break;
    }

  if (result < lines.size()) {
    // A calculation: [prefix lines] title："; the working; 结果；说明；以上按…；依据.
    size_t title = result;
    for (size_t i = 0; i < result; ++i)
      if (EndsWith(lines[i], kColon)) {
        title = i;
        break;
      }
    std::string head;
    for (size_t i = 0; i < title && i < result; ++i) head += lines[i];
    if (title < result) {
      std::string_view t = lines[title];
      head += t.substr(0, t.size() - kColon.size());
    }
    std::string say = head + std::string(lines[result]);
    std::vector<std::string_view> full;
    std::string basis;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (StartsWith(lines[i], kBasis)) {
        basis = ShortBasis(lines[i]);
        continue;
      }
      full.push_back(lines[i]);
    }
    // The assumptions and notes after the result, as long as they fit: they change what the
    // figure means ("以上按…计算，如有不同请告诉我").
    bool has_more = title + 1 < result;  // the working
    std::string tail(offer(kProcessOffer));
    for (size_t i = result + 1; i < lines.size(); ++i) {
      if (StartsWith(lines[i], kBasis) || lines[i].empty()) continue;
      std::string candidate = say + std::string(lines[i]);
      if (SpeechSeconds(candidate + tail, cps) > options.max_seconds) {
        has_more = true;
        continue;
      }
      say = std::move(candidate);
    }
    SpokenReply out;
    if (has_more) {
      out.say = say + tail;
      out.more = Join(full);
      if (!basis.empty()) out.more += "\n" + basis;
    } else {
      out.say = say;
    }
    return out;
  }

  // Any other reply: the citation dropped; a long one cut at a sentence within the budget.
  std::string body(reply_text);
  if (size_t c = body.find(kCitationOpen); c != std::string::npos) {
    size_t close = body.find("）", c);
    body.erase(c, close == std::string::npos ? std::string::npos : close + 3 - c);
  }
  while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
  SpokenReply out;
  if (SpeechSeconds(body, cps) <= options.max_seconds) {
    out.say = body;
    return out;
  }
  std::string tail = offer(kMoreOffer);
  double budget = options.max_seconds - SpeechSeconds(tail, cps);
  out.say = Cut(body, budget, cps);
  for (std::string_view pause : {"\n", "；", "，"})
    if (EndsWith(out.say, pause)) out.say.resize(out.say.size() - pause.size());
  if (!EndsWith(out.say, "。") && !EndsWith(out.say, "！") && !EndsWith(out.say, "？"))
    out.say += "。";
  out.say += tail;
  out.more = body;
  return out;
}

std::string SpokenLine(std::string_view line) {
  std::string text;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == 'n') {
      text += '\n';
      ++i;
    } else {
      text += line[i];
    }
  }
  return telephony::PrepareForSpeech(SpokenForm(text).say);
}

}  // namespace zx::voice
