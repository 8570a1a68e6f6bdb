#include "knowledge/document_proposals.h"

#include <algorithm>
#include <cstdio>

#include "text/utf8.h"

namespace zx::knowledge {
namespace {

constexpr size_t kHeadParagraphs = 8;  // where a title, 文号 or issuing body is looked for
constexpr size_t kTailParagraphs = 8;  // where the signature and its date are looked for
constexpr size_t kMaxSentence = 400;
constexpr size_t kMaxExcerpt = 8000;   // bytes
constexpr size_t kOverlapQuery = 300;  // characters of the answer ranked for overlaps

std::u32string U32(std::string_view s) {
  std::vector<char32_t> cp = text::utf8::Decode(s).cp;
  return std::u32string(cp.begin(), cp.end());
}

std::string Utf8(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) text::utf8::AppendUtf8(c, &out);
  return out;
}

bool IsBlank(char32_t c) { return c == ' ' || c == '\t' || c == 0x3000 || c == 0xA0; }

std::u32string Trim(std::u32string_view s, std::u32string_view extra = U"") {
  size_t b = 0, e = s.size();
  auto drop = [&](char32_t c) { return IsBlank(c) || extra.find(c) != std::u32string_view::npos; };
  while (b < e && drop(s[b])) ++b;
  while (e > b && drop(s[e - 1])) --e;
  return std::u32string(s.substr(b, e - b));
}

struct Para {
  std::u32string text;
  int heading = 0;
};

bool Matches(const std::vector<DocumentPattern>& patterns, std::u32string_view text,
             std::vector<std::string>* groups = nullptr) {
  for (const DocumentPattern& p : patterns)
    if (p.Search(text, groups)) return true;
  return false;
}

// The sentences of a paragraph (each ends at 。；！？), for the field patterns.
std::vector<std::u32string> Sentences(std::u32string_view text) {
  std::vector<std::u32string> out;
  std::u32string cur;
  for (char32_t c : text) {
    cur.push_back(c);
    if (c == U'。' || c == U'；' || c == U'！' || c == U'？' || cur.size() >= kMaxSentence) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

// The first match of `patterns` in the sentences of paras[from, to); group `group` of it.
bool FindIn(const std::vector<Para>& paras, size_t from, size_t to,
            const std::vector<DocumentPattern>& patterns, std::vector<std::string>* groups) {
  for (size_t i = from; i < to && i < paras.size(); ++i)
    for (const std::u32string& s : Sentences(paras[i].text))
      if (Matches(patterns, s, groups)) return true;
  return false;
}

// The last match of `patterns` in the sentences of paras[from, to).
bool FindLastIn(const std::vector<Para>& paras, size_t from, size_t to,
                const std::vector<DocumentPattern>& patterns, std::vector<std::string>* groups) {
  for (size_t i = std::min(to, paras.size()); i > from; --i) {
    std::vector<std::u32string> sentences = Sentences(paras[i - 1].text);
    for (size_t k = sentences.size(); k > 0; --k)
      if (Matches(patterns, sentences[k - 1], groups)) return true;
  }
  return false;
}

// A Chinese or Arabic number of a month or day: "3", "十", "十二", "二十一", "三十".
int SmallNumber(std::u32string_view s) {
  static const std::u32string kDigits = U"〇一二三四五六七八九";
  if (s.empty()) return -1;
  if (std::all_of(s.begin(), s.end(), [](char32_t c) { return c >= '0' && c <= '9'; })) {
    return std::stoi(Utf8(s));
  }
  auto digit = [&](char32_t c) -> int {
    if (c == U'零' || c == U'○') return 0;
    size_t k = kDigits.find(c);
    return k == std::u32string::npos ? -1 : static_cast<int>(k);
  };
  size_t ten = s.find(U'十');
  if (ten == std::u32string_view::npos) return s.size() == 1 ? digit(s[0]) : -1;
  int tens = ten == 0 ? 1 : (ten == 1 ? digit(s[0]) : -1);
  int ones = ten + 1 == s.size() ? 0 : (ten + 2 == s.size() ? digit(s[ten + 1]) : -1);
  return tens < 0 || ones < 0 ? -1 : tens * 10 + ones;
}

// A year written digit by digit: "2025", "二〇二五".
int Year(std::u32string_view s) {
  if (s.size() != 4) return -1;
  int y = 0;
  for (char32_t c : s) {
    int d = c >= '0' && c <= '9' ? static_cast<int>(c - '0') : SmallNumber(std::u32string(1, c));
    if (d < 0 || d > 9) return -1;
    y = y * 10 + d;
  }
  return y;
}

// "YYYY-MM-DD" from groups 1-3 of a date pattern; "" when they are not a date.
std::string DateOf(const std::vector<std::string>& groups) {
  if (groups.size() < 4) return "";
  int y = Year(U32(groups[1])), m = SmallNumber(U32(groups[2])), d = SmallNumber(U32(groups[3]));
  if (y < 1949 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

bool EndsSentence(std::u32string_view s) {
  if (s.empty()) return true;
  return std::u32string_view(U"。；！？：:;!?").find(s.back()) != std::u32string_view::npos;
}

bool IsAsciiWord(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool HasSentencePunct(std::u32string_view s) {
  for (char32_t c : s)
    if (std::u32string_view(U"。；，！？,;").find(c) != std::u32string_view::npos) return true;
  return false;
}

// Paragraphs as an answer: a DOCX's on their own lines; a PDF's lines joined where a sentence
// was wrapped (no sentence end before, no heading or table row after).
std::u32string JoinAnswer(const std::vector<std::u32string>& lines, bool real_paragraphs,
                          const DocumentRules& rules) {
  std::u32string out;
  for (const std::u32string& line : lines) {
    if (line.empty()) continue;
    if (out.empty()) {
      out = line;
      continue;
    }
    size_t last = out.rfind(U'\n');
    bool after_row =
        out.find(U" | ", last == std::u32string::npos ? 0 : last) != std::u32string::npos;
    bool own_line = real_paragraphs || EndsSentence(out) || Matches(rules.headings, line) ||
                    line.find(U" | ") != std::u32string::npos || after_row;
    if (own_line) {
      out += U'\n';
    } else if (IsAsciiWord(out.back()) && IsAsciiWord(line.front())) {
      out += U' ';
    }
    out += line;
  }
  return out;
}

std::string CutBytes(std::string s, size_t max) {
  if (s.size() <= max) return s;
  s.resize(text::utf8::CodePointStart(s, max));
  return s;
}

}  // namespace

std::string NormalizeDocNumber(std::string_view doc_number) {
  std::u32string out;
  for (char32_t c : U32(doc_number)) {
    if (IsBlank(c)) continue;
    if (std::u32string_view(U"[［（(【").find(c) != std::u32string_view::npos) c = U'〔';
    if (std::u32string_view(U"]］）)】").find(c) != std::u32string_view::npos) c = U'〕';
    out.push_back(c);
  }
  return Utf8(out);
}

OverlapFinder EngineOverlaps(const KnowledgeEngine& engine) {
  return EngineOverlaps([&engine] {
    return std::shared_ptr<const KnowledgeEngine>(&engine, [](const KnowledgeEngine*) {});
  });
}

OverlapFinder EngineOverlaps(std::function<std::shared_ptr<const KnowledgeEngine>()> current) {
  return [current = std::move(current)](const std::string& text) {
    std::vector<Overlap> out;
    std::shared_ptr<const KnowledgeEngine> engine = current ? current() : nullptr;
    if (!engine) return out;
    const auto& entries = engine->knowledge_base().entries;
    for (const ScoredTopic& t : engine->Rank(text)) {
      if (t.topic < 0 || static_cast<size_t>(t.topic) >= entries.size()) continue;
      const Entry& e = entries[static_cast<size_t>(t.topic)];
      if (e.kind == "meta") continue;
      out.push_back({e.id, e.title, t.confidence});
    }
    return out;
  };
}

DocumentAnalysis ProposeEntries(const text::DocumentText& document, const DocumentRules& rules,
                                const OverlapFinder& overlaps) {
  DocumentAnalysis out;
  std::vector<Para> paras;
  for (const text::DocumentParagraph& p : document.paragraphs) {
    std::u32string t = Trim(U32(p.text));
    if (t.empty() || Matches(rules.furniture, t)) continue;
    paras.push_back({std::move(t), p.heading});
  }
  const size_t n = paras.size();
  const bool real_paragraphs = document.kind == text::DocumentKind::kDocx;
  std::vector<std::string> g;

  // 1. The document's own fields.
  size_t body_start = 0;
  for (size_t i = 0; i < n && i < kHeadParagraphs; ++i) {
    if (Matches(rules.title, paras[i].text)) {
      out.title = Utf8(paras[i].text);
      body_start = i + 1;
      break;
    }
    if (i + 1 < n && Matches(rules.title, paras[i].text + paras[i + 1].text)) {
      out.title = Utf8(paras[i].text + paras[i + 1].text);  // a title wrapped over two lines
      body_start = i + 2;
      break;
    }
  }
  if (out.title.empty() && n > 0 && paras[0].heading == 1 &&
      !Matches(rules.headings, paras[0].text)) {
    out.title = Utf8(paras[0].text);
    body_start = 1;
  }
  std::u32string short_title = U32(out.title);
  if (Matches(rules.short_title, short_title, &g) && g.size() > 1 && !g[1].empty())
    short_title = U32(g[1]);

  size_t tail_start = n;
  while (tail_start > body_start && n - tail_start < kTailParagraphs) {
    const std::u32string& t = paras[tail_start - 1].text;
    if (!Matches(rules.issue_date, t) && !Matches(rules.tail, t) &&
        !Matches(rules.source_signature, t))
      break;
    --tail_start;
  }
  for (size_t i = n; i > tail_start; --i) {
    if (Matches(rules.issue_date, paras[i - 1].text, &g)) {
      out.issued = DateOf(g);
      break;
    }
  }
  if (Matches(rules.source_header, U32(out.title), &g) ||
      FindIn(paras, 0, std::min<size_t>(n, kHeadParagraphs), rules.source_header, &g)) {
    out.source = g.size() > 1 ? g[1] : "";
  }
  for (size_t i = n; out.source.empty() && i > tail_start; --i)
    if (Matches(rules.source_signature, paras[i - 1].text, &g) && g.size() > 1) out.source = g[1];
  if (FindIn(paras, 0, std::min<size_t>(n, kHeadParagraphs + 2), rules.doc_number, &g) ||
      FindIn(paras, 0, n, rules.doc_number, &g)) {
    out.doc_number = NormalizeDocNumber(g.size() > 1 ? g[1] : g[0]);
  }
  // The document's effective date is its last ("本办法自…起施行" closes a document); a
  // section's own date comes first for that section.
  if (FindLastIn(paras, 0, n, rules.effective, &g)) {
    out.effective = DateOf(g);
  } else if (FindIn(paras, 0, n, rules.from_issue, &g)) {
    out.effective = out.issued;
  }
  // The preamble after the title: the 文号 line and the addressees ("各区…：").
  while (body_start < tail_start) {
    const std::u32string& t = paras[body_start].text;
    bool number_line = t.size() <= 40 && Matches(rules.doc_number, t);
    bool addressees =
        t.size() <= 80 && (t.back() == U'：' || t.back() == U':') && !Matches(rules.headings, t);
    if (!number_line && !addressees) break;
    ++body_start;
  }

  // 2. Sections: where each starts, and the marker of its heading.
  std::vector<size_t> starts;
  const DocumentPattern* form = nullptr;
  for (const DocumentPattern& p : rules.headings) {
    std::vector<size_t> at;
    for (size_t i = body_start; i < tail_start; ++i)
      if (p.Search(paras[i].text)) at.push_back(i);
    if (static_cast<int>(at.size()) >= rules.min_sections) {
      starts = std::move(at);
      form = &p;
      break;
    }
  }
  if (!form) {
    std::vector<size_t> at;
    for (size_t i = body_start; i < tail_start; ++i)
      if (paras[i].heading > 0) at.push_back(i);
    if (static_cast<int>(at.size()) >= rules.min_sections) {
      starts = std::move(at);
    } else if (body_start < tail_start) {
      starts = {body_start};
    }
  }
  const bool whole_body = !form && starts.size() == 1 && paras[starts[0]].heading == 0;

  // 3. One proposal per section.
  for (size_t k = 0; k < starts.size(); ++k) {
    size_t from = starts[k], to = k + 1 < starts.size() ? starts[k + 1] : tail_start;
    const std::u32string& head = paras[from].text;
    std::u32string marker, rest = head;
    if (form && form->Search(head, &g) && !g.empty()) {
      marker = U32(g[0]);
      rest = Trim(std::u32string_view(head).substr(marker.size()), U"：:、.．");
      marker = Trim(marker);
    }
    std::vector<std::u32string> body;
    std::string excerpt = Utf8(head);
    for (size_t i = from + 1; i < to; ++i) {
      if (Matches(rules.tail, paras[i].text)) break;
      excerpt += "\n" + Utf8(paras[i].text);
      if (!Matches(rules.chapters, paras[i].text)) body.push_back(paras[i].text);
    }
    Proposal p;
    std::vector<std::u32string> lines;
    size_t colon = rest.find(U'：');
    if (!whole_body && !rest.empty() && !HasSentencePunct(rest) &&
        static_cast<int>(rest.size()) <= rules.max_title) {
      p.title = Utf8(rest);  // "一、调整标准"
    } else if (!whole_body && colon != std::u32string::npos && colon > 0 &&
               static_cast<int>(colon) <= rules.max_title &&
               !HasSentencePunct(rest.substr(0, colon))) {
      p.title = Utf8(rest.substr(0, colon));  // "第二条 起付标准：…"
      lines.push_back(rest);
    } else {
      std::u32string t = short_title;
      if (!marker.empty()) t += (t.empty() ? U"" : U" ") + marker;
      p.title = Utf8(t);
      lines.push_back(whole_body ? head : rest);
    }
    lines.insert(lines.end(), body.begin(), body.end());
    std::u32string answer = JoinAnswer(lines, real_paragraphs, rules);
    if (answer.empty() || Matches(rules.skip, answer)) continue;
    p.answer = Utf8(answer);
    p.excerpt = CutBytes(std::move(excerpt), kMaxExcerpt);
    p.source = out.source;
    std::vector<Para> section(paras.begin() + static_cast<long>(from),
                              paras.begin() + static_cast<long>(to));
    p.doc_number = FindIn(section, 0, section.size(), rules.doc_number, &g)
                       ? NormalizeDocNumber(g.size() > 1 ? g[1] : g[0])
                       : out.doc_number;
    std::string own = FindIn(section, 0, section.size(), rules.effective, &g) ? DateOf(g) : "";
    p.effective = own.empty() ? out.effective : own;
    if (p.title.empty()) p.title = CutBytes(p.answer, 60);
    p.n = static_cast<int>(out.proposals.size()) + 1;
    if (overlaps && rules.max_overlaps > 0) {
      std::u32string query = U32(p.title) + U"。" + answer.substr(0, kOverlapQuery);
      for (Overlap& o : overlaps(Utf8(query))) {
        if (o.confidence < rules.min_overlap) continue;
        p.overlaps.push_back(std::move(o));
        if (static_cast<int>(p.overlaps.size()) >= rules.max_overlaps) break;
      }
    }
    out.proposals.push_back(std::move(p));
  }
  return out;
}

}  // namespace zx::knowledge
