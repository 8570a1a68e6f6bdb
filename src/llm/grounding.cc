// The grounding checker (grounding.h): sentences and their tags, then per sentence its figures
// against the admissible sources' figures (figures.h), then the names it mentions.
#include "llm/grounding.h"

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "base/toml_file.h"
#include "llm/figures.h"
#include "text/normalizer.h"
#include "text/utf8.h"

namespace zx::llm {
namespace {

using text::utf8::CodePoints;

// Normalised as everywhere else in zhixian (full-width forms, traditional characters, case);
// when OpenCC cannot be loaded, only the UTF-8 is cleaned.
std::string Normalize(std::string_view s) {
  static const std::unique_ptr<text::Normalizer> normalizer = [] {
    auto n = text::Normalizer::Create();
    return n.ok() ? std::move(n).value() : nullptr;
  }();
  return normalizer ? normalizer->Normalize(s) : text::SanitizeUtf8(s);
}

bool Contains(std::string_view hay, std::string_view needle) {
  return !needle.empty() && hay.find(needle) != std::string_view::npos;
}

std::vector<std::u32string> U32Words(const std::vector<std::string>& words);
std::u32string U32(std::string_view s);

// A source tag at byte i of s: [1], [1,3], [1-3], [1][2] (one at a time), ［1］, 【1】.
// Returns its end (bytes) and appends the indexes, or returns 0.
size_t ParseTag(std::string_view s, size_t i, std::vector<int>* indexes) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kBrackets = {
      {{"[", "]"}, {"［", "］"}, {"【", "】"}}};
  for (const auto& [open, close] : kBrackets) {
    if (s.substr(i, open.size()) != open) continue;
    size_t j = i + open.size();
    std::vector<int> found;
    int range_from = -1;
    while (j < s.size()) {
      if (s[j] >= '0' && s[j] <= '9') {
        int v = 0;
        while (j < s.size() && s[j] >= '0' && s[j] <= '9' && v < 1000) v = v * 10 + (s[j++] - '0');
        if (range_from > 0) {
          for (int k = range_from + 1; k <= v && k - range_from < 50; ++k) found.push_back(k);
          range_from = -1;
        } else {
          found.push_back(v);
        }
        continue;
      }
      if (s[j] == '-' && !found.empty()) {
        range_from = found.back();
        ++j;
        continue;
      }
      if (s[j] == ',' || s[j] == ' ') {
        ++j;
        continue;
      }
      if (s.substr(j, 3) == "，" || s.substr(j, 3) == "、") {
        j += 3;
        continue;
      }
      break;
    }
    if (found.empty() || s.substr(j, close.size()) != close) return 0;
    indexes->insert(indexes->end(), found.begin(), found.end());
    return j + close.size();
  }
  return 0;
}

bool IsClosingMark(std::string_view s, size_t i, size_t* len) {
  for (std::string_view m : {"”", "’", "」", "』", "）", ")", "\"", "》"}) {
    if (s.substr(i, m.size()) == m) {
      *len = m.size();
      return true;
    }
  }
  return false;
}

bool IsSentenceEnd(std::string_view s, size_t i, size_t* len) {
  for (std::string_view m : {"。", "！", "？", "；", "!", "?", ";", "\n"}) {
    if (s.substr(i, m.size()) == m) {
      *len = m.size();
      return true;
    }
  }
  return false;
}

std::string Trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  // The ideographic space.
  while (s.starts_with("\u3000")) s.remove_prefix(3);
  while (s.ends_with("\u3000")) s.remove_suffix(3);
  return std::string(s);
}

// A sentence without its tags, and the tags it had.
struct Tagged {
  std::string text;
  std::vector<int> tags;
  bool tagged = false;
};

Tagged Untag(std::string_view sentence) {
  Tagged t;
  for (size_t i = 0; i < sentence.size();) {
    if (size_t e = ParseTag(sentence, i, &t.tags)) {
      t.tagged = true;
      i = e;
      continue;
    }
    t.text.push_back(sentence[i++]);
  }
  return t;
}

// Words with a negating character that negate nothing; removed before looking for negations.
constexpr std::array<std::string_view, 62> kNotNegations = {
    "不应低于", "不应少于", "不可低于", "不应高于", "不过",     "不但",     "不如",     "别人",
    "别的",     "分别",     "特别",     "区别",     "类别",     "级别",     "个别",     "识别",
    "性别",     "差别",     "鉴别",     "不超过",   "不能超过", "不得超过", "不可超过", "不应超过",
    "不高于",   "不能高于", "不得高于", "不多于",   "不大于",   "不到",     "不满",     "未满",
    "不足",     "不少于",   "不能少于", "不得少于", "不低于",   "不能低于", "不得低于", "不小于",
    "没满",     "不动产",   "不同",     "不少",     "不论",     "不管",     "不仅",     "不断",
    "不久",     "不错",     "不便",     "不良",     "不然",     "不等",     "不限",     "无论",
    "未成年",   "未来",     "非常",     "差不多",   "不光",     "毫不"};

constexpr std::array<std::string_view, 2> kClauseMarks = {"，", ","};
constexpr std::array<std::string_view, 8> kSentenceMarks = {"。", "；", ";", "！",
                                                            "!",  "？", "?", "\n"};

// Where the clause holding bytes [begin, end) of `text` starts and ends, and where the clause
// before it in the same sentence starts (== start when there is none).
struct ClauseSpan {
  size_t prev = 0;
  size_t start = 0;
  size_t end = 0;
};

ClauseSpan ClauseOf(std::string_view text, size_t begin, size_t end) {
  auto last_mark = [&](size_t before, bool* clause_mark) {
    size_t start = 0;
    *clause_mark = false;
    auto look = [&](std::string_view m, bool clause) {
      if (before == 0) return;
      const size_t p = text.rfind(m, before - 1);
      if (p != std::string_view::npos && p + m.size() <= before && p + m.size() > start) {
        start = p + m.size();
        *clause_mark = clause;
      }
    };
    for (auto m : kClauseMarks) look(m, true);
    for (auto m : kSentenceMarks) look(m, false);
    return start;
  };
  ClauseSpan c;
  bool clause_mark = false;
  c.start = last_mark(begin, &clause_mark);
  c.prev = c.start;
  if (clause_mark) {
    bool ignored = false;
    size_t mark_begin = c.start;
    for (auto m : kClauseMarks) {
      if (c.start >= m.size() && text.substr(c.start - m.size(), m.size()) == m) {
        mark_begin = c.start - m.size();
      }
    }
    c.prev = last_mark(mark_begin, &ignored);
  }
  c.end = text.size();
  for (auto m : kClauseMarks) c.end = std::min(c.end, std::min(text.find(m, end), text.size()));
  for (auto m : kSentenceMarks) c.end = std::min(c.end, std::min(text.find(m, end), text.size()));
  return c;
}

// `s` with the words that only look negating (bounds, 不动产) blanked out.
std::string BlankNotNegations(std::string_view s) {
  std::string out(s);
  for (std::string_view w : kNotNegations) {
    for (size_t p = out.find(w); p != std::string::npos; p = out.find(w, p)) {
      out.replace(p, w.size(), "#");
    }
  }
  return out;
}

bool HasNegation(std::string_view s, const GroundingRules& rules) {
  const std::string blanked = BlankNotNegations(s);
  for (const auto& n : rules.negations) {
    if (Contains(blanked, n)) return true;
  }
  return false;
}

// Bigrams of Han characters, with negations blanked: how alike two clauses are, whatever
// their polarity.
std::vector<uint64_t> Bigrams(std::string_view s, const GroundingRules& rules) {
  std::string blanked = BlankNotNegations(s);
  for (const auto& n : rules.negations) {
    for (size_t p = blanked.find(n); p != std::string::npos; p = blanked.find(n, p)) {
      blanked.replace(p, n.size(), "#");
    }
  }
  const CodePoints t = text::utf8::Decode(blanked);
  std::vector<uint64_t> out;
  for (size_t i = 0; i + 1 < t.size(); ++i) {
    if (text::utf8::IsHan(t.cp[i]) && text::utf8::IsHan(t.cp[i + 1])) {
      out.push_back((static_cast<uint64_t>(t.cp[i]) << 32) | t.cp[i + 1]);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

size_t Shared(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  size_t n = 0;
  for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i] == b[j]) {
      ++n, ++i, ++j;
    } else if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return n;
}

// Characters that do not belong to a name before its ending (verbs, particles, pronouns):
// 到社保局 names 社保局; 提公积金 names no particular 公积金.
constexpr std::u32string_view kNotNameChars =
    U"的到在向去找请和或及与是为由给把被从往至经了都也就会能要需可该其您你我他她这那等各每本有"
    U"没无不让先再又还只才即将已并而且但如若则上下里内外前后中时地提取交缴办领拿申找打问用带刷持"
    U"凭享受参报转补换开查发拨存贷算跟对按者、，。；：:,;（）()“”《》 ";

// Words that end like a name and are not one.
constexpr std::array<std::string_view, 10> kNotNames = {"保证", "验证", "认证", "论证", "查证",
                                                        "见证", "签证", "考证", "结局", "布局"};

struct Name {
  std::string text;
};

// Names the answer mentions: a word ending in one of the rules' endings (with at most two
// characters before the ending: the part that tells one office from another), and text in
// 《》 or “”.
std::vector<Name> FindNames(std::string_view text, const GroundingRules& rules) {
  std::vector<Name> names;
  const CodePoints t = text::utf8::Decode(text);
  std::vector<bool> covered(t.size(), false);
  std::vector<std::u32string> suffixes;
  for (const auto& s : rules.entity_suffixes) {
    std::u32string u;
    for (char32_t c : text::utf8::Decode(s).cp) u.push_back(c);
    if (!u.empty()) suffixes.push_back(std::move(u));
  }
  std::sort(suffixes.begin(), suffixes.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
  auto starts = [&](size_t i, const std::u32string& w) {
    if (i + w.size() > t.size()) return false;
    return std::equal(w.begin(), w.end(), t.cp.begin() + static_cast<long>(i));
  };
  auto bytes = [&](size_t b, size_t e) {
    return std::string(text.substr(t.offset[b], t.offset[e] - t.offset[b]));
  };
  for (size_t i = 0; i < t.size(); ++i) {
    for (const auto& w : suffixes) {
      if (!starts(i, w) || covered[i]) continue;
      // A longer ending wins (管理中心 over 中心); a name is one ending, the last one.
      size_t e = i + w.size();
      for (size_t k = i; k < e; ++k) covered[k] = true;
      size_t b = i;
      while (b > 0 && i - b < 2 && text::utf8::IsHan(t.cp[b - 1]) &&
             kNotNameChars.find(t.cp[b - 1]) == std::u32string_view::npos) {
        --b;
      }
      if (b == i) break;  // 医院, 窗口 alone: a kind of place, not a particular one
      std::string name = bytes(b, e);
      if (std::find(kNotNames.begin(), kNotNames.end(), name) == kNotNames.end()) {
        names.push_back({std::move(name)});
      }
      break;
    }
  }
  // Quoted: 《...》 and “...”.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 2> kQuotes = {
      {{"《", "》"}, {"“", "”"}}};
  for (const auto& [open, close] : kQuotes) {
    for (size_t p = text.find(open); p != std::string_view::npos; p = text.find(open, p + 1)) {
      const size_t q = text.find(close, p + open.size());
      if (q == std::string_view::npos) break;
      std::string inner(text.substr(p + open.size(), q - p - open.size()));
      if (!inner.empty() && text::utf8::CountCodePoints(inner) <= 20) {
        names.push_back({std::move(inner)});
      }
    }
  }
  return names;
}

// True when `name` is in `source`, or reads as a shortening of a name there that ends the
// same way (人社局 for 人力资源和社会保障局): its characters in order within that name.
bool NameIn(const std::string& name, std::string_view source) {
  if (Contains(source, name)) return true;
  const CodePoints n = text::utf8::Decode(name);
  const CodePoints s = text::utf8::Decode(source);
  if (n.size() < 3) return false;
  for (size_t e = 0; e < s.size(); ++e) {
    if (s.cp[e] != n.cp.back()) continue;
    // Within the 12 characters before this ending, the name's characters in order.
    size_t k = n.size() - 1;
    for (size_t p = e; p > 0 && e - p < 12 && k > 0; --p) {
      const char32_t c = s.cp[p - 1];
      if (!text::utf8::IsHan(c)) break;
      if (c == n.cp[k - 1]) --k;
    }
    if (k == 0) return true;
  }
  return false;
}

struct Clause {
  std::string text;
  std::vector<uint64_t> bigrams;
  bool negated = false;
};

// The clauses of `text`, their bigrams read with the figures blanked (个百分点 says nothing
// about what a clause is about).
std::vector<Clause> Clauses(std::string_view text, const std::vector<Figure>& figures,
                            const GroundingRules& rules) {
  std::string plain(text);
  for (const auto& f : figures) {
    for (size_t i = f.begin; i < f.end; ++i) plain[i] = '#';
  }
  std::vector<Clause> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.size(), len = 0;
    for (auto m : kClauseMarks) {
      if (size_t p = text.find(m, start); p < end) end = p, len = m.size();
    }
    for (auto m : kSentenceMarks) {
      if (size_t p = text.find(m, start); p < end) end = p, len = m.size();
    }
    Clause c;
    c.text = std::string(text.substr(start, end - start));
    c.bigrams = Bigrams(std::string_view(plain).substr(start, end - start), rules);
    c.negated = HasNegation(c.text, rules);
    if (!c.bigrams.empty()) out.push_back(std::move(c));
    if (end == text.size()) break;
    start = end + len;
  }
  return out;
}

// What is said around a figure: its clause (with the next one when that states no figure:
// "不满1年的，领不了"); the clause before it when that states no figure (a condition: "没有备案的，
// 降低10个百分点"); its sentence, to tell apart two statements of the same figure.
struct FigureContext {
  std::string clause;
  bool negated = false;
  std::string condition;  // empty when none
  bool condition_negated = false;
  std::u32string before, after;      // Han characters next to it in its sentence, figures left out
  const Figure* previous = nullptr;  // the figures before and after it in its sentence
  const Figure* next = nullptr;
};

FigureContext ContextOf(std::string_view text, const std::vector<Figure>& figures, const Figure& f,
                        const GroundingRules& rules) {
  FigureContext c;
  const ClauseSpan span = ClauseOf(text, f.begin, f.end);
  auto has_figure = [&](size_t b, size_t e) {
    return std::any_of(figures.begin(), figures.end(),
                       [&](const Figure& g) { return g.begin >= b && g.begin < e; });
  };
  size_t end = span.end;
  for (auto m : kClauseMarks) {
    if (text.substr(end, m.size()) == m) {
      const ClauseSpan next = ClauseOf(text, end + m.size(), end + m.size());
      if (!has_figure(next.start, next.end)) end = next.end;
    }
  }
  c.clause = std::string(text.substr(span.start, end - span.start));
  c.negated = HasNegation(c.clause, rules);
  if (span.prev < span.start && !has_figure(span.prev, span.start)) {
    c.condition = std::string(text.substr(span.prev, span.start - span.prev));
    c.condition_negated = HasNegation(c.condition, rules);
  }
  // The sentence: its neighbouring figures, and the words next to it.
  size_t sb = span.prev;
  while (sb > 0) {
    bool clause_mark = false;
    for (auto m : kClauseMarks) {
      if (sb >= m.size() && text.substr(sb - m.size(), m.size()) == m) {
        clause_mark = true;
        sb = ClauseOf(text, sb - m.size(), sb - m.size()).start;
      }
    }
    if (!clause_mark) break;
  }
  size_t se = span.end;
  while (se < text.size()) {
    bool clause_mark = false;
    for (auto m : kClauseMarks) {
      if (text.substr(se, m.size()) == m) {
        clause_mark = true;
        se = ClauseOf(text, se + m.size(), se + m.size()).end;
      }
    }
    if (!clause_mark) break;
  }
  for (const auto& g : figures) {
    if (g.end <= f.begin && g.begin >= sb) c.previous = &g;
    if (g.begin >= f.end && g.end <= se && c.next == nullptr) c.next = &g;
  }
  auto han = [&](size_t b, size_t e) {
    std::string part(text.substr(b, e - b));
    for (const auto& g : figures) {
      if (g.begin >= b && g.end <= e) {
        for (size_t i = g.begin; i < g.end; ++i) part[i - b] = '#';
      }
    }
    std::u32string out;
    for (char32_t ch : text::utf8::Decode(part).cp) {
      if (text::utf8::IsHan(ch)) out.push_back(ch);
    }
    return out;
  };
  c.before = han(sb, f.begin);
  c.after = han(f.end, se);
  return c;
}

// Whether `other` restates what a negation of `negated` negates: the two characters before
// the negation, or the two after it (at most three apart: 没到退休 / 到了退休), appear in
// `other`. A negation with neither (at the clause's start, before punctuation) always counts.
bool Restated(std::string_view negated, std::string_view other,
              const std::vector<std::u32string>& words);

struct Source {
  std::string text;  // normalised
  std::vector<Figure> figures;
  std::vector<FigureContext> contexts;  // of each figure
  std::vector<Clause> clauses;
};

// Sets of rates: "月" within "人/月".
bool PerWithin(const std::string& answer, const std::string& source) {
  if (answer.empty()) return true;
  const std::string s = "/" + source + "/";
  size_t b = 0;
  while (b < answer.size()) {
    size_t e = answer.find('/', b);
    if (e == std::string::npos) e = answer.size();
    if (!Contains(s, "/" + answer.substr(b, e - b) + "/")) return false;
    b = e + 1;
  }
  return true;
}

std::string Describe(const Figure& f) {
  std::string s = f.text;
  if (!f.per.empty()) s = "每" + f.per + " " + s;
  return s;
}

void CheckFigure(const Figure& a, std::string_view answer_text,
                 const std::vector<Figure>& answer_figures, const std::vector<Source>& sources,
                 const std::vector<size_t>& admissible, const GroundingRules& rules,
                 std::vector<GroundingProblem>* problems) {
  struct Candidate {
    const Source* source;
    const Figure* figure;
  };
  std::vector<Candidate> same;
  const Figure* unit_hint = nullptr;
  for (size_t i : admissible) {
    for (const auto& f : sources[i].figures) {
      if (SameFigure(a, f)) {
        same.push_back({&sources[i], &f});
      } else if (unit_hint == nullptr &&
                 ((a.number != 0 && a.number == f.number && a.unit != "日期" && a.unit != "时刻" &&
                   f.unit != "日期" && f.unit != "时刻") ||
                  (a.unit != f.unit && a.value == f.value))) {
        // The same number with another unit word (500元 / 500万元, 6年 / 6个月, 15% / 15元).
        unit_hint = &f;
      }
    }
  }
  if (same.empty()) {
    if (unit_hint != nullptr) {
      problems->push_back({"unit", a.text + " (the source says " + unit_hint->text + ")"});
    } else {
      problems->push_back({"figure", a.text + " (in no cited source)"});
    }
    return;
  }
  std::erase_if(same, [&](const Candidate& c) { return !PerWithin(a.per, c.figure->per); });
  if (same.empty()) {
    problems->push_back({"unit", Describe(a) + " (the source says it per another unit)"});
    return;
  }
  if (a.unit == "号码" || a.unit == "编号") return;  // nobody negates a phone number
  // Of the source's figures with this value, the ones in the most similar sentences (and those
  // nearly as similar): the negation and the bound are those of the same statement, not of
  // another with that value.
  const FigureContext ctx = ContextOf(answer_text, answer_figures, a, rules);
  auto context = [](const Candidate& c) -> const FigureContext& {
    return c.source->contexts[static_cast<size_t>(c.figure - c.source->figures.data())];
  };
  // Said next to the same figures first (满6个月按1年算), then next to the same words.
  auto score = [&](const Candidate& c) {
    const FigureContext& s = context(c);
    size_t n = 0;
    if (ctx.previous && s.previous && SameFigure(*ctx.previous, *s.previous)) n += 10;
    if (ctx.next && s.next && SameFigure(*ctx.next, *s.next)) n += 10;
    for (size_t k = 1; k <= 4 && k <= ctx.before.size() && k <= s.before.size(); ++k) {
      if (ctx.before[ctx.before.size() - k] != s.before[s.before.size() - k]) break;
      ++n;
    }
    for (size_t k = 0; k < 4 && k < ctx.after.size() && k < s.after.size(); ++k) {
      if (ctx.after[k] != s.after[k]) break;
      ++n;
    }
    return n;
  };
  size_t best = 0;
  for (const auto& c : same) best = std::max(best, score(c));
  std::vector<Candidate> near;
  for (const auto& c : same) {
    if (score(c) == best) near.push_back(c);
  }
  const auto words = U32Words(rules.negations);
  auto negation_kept = [&](const Candidate& c) {
    const FigureContext& s = context(c);
    if (s.negated != ctx.negated && (s.negated ? Restated(s.clause, ctx.clause, words)
                                               : Restated(ctx.clause, s.clause, words))) {
      return false;
    }
    // The condition before, when the answer restates it.
    if (!ctx.condition.empty() && !s.condition.empty() &&
        ctx.condition_negated != s.condition_negated &&
        (s.condition_negated ? Restated(s.condition, ctx.condition, words)
                             : Restated(ctx.condition, s.condition, words))) {
      return false;
    }
    return true;
  };
  auto bound_kept = [&](const Candidate& c) {
    return a.bound == 0 || c.figure->bound == 0 || a.bound == c.figure->bound;
  };
  if (std::any_of(near.begin(), near.end(),
                  [&](const Candidate& c) { return negation_kept(c) && bound_kept(c); })) {
    return;
  }
  if (!std::any_of(near.begin(), near.end(), negation_kept)) {
    problems->push_back({"negation", a.text + (ctx.negated || ctx.condition_negated
                                                   ? " (negated here, not in the source)"
                                                   : " (the source negates it)")});
    return;
  }
  problems->push_back(
      {"negation", a.text + (a.bound < 0 ? " (at most here, at least in the source)"
                                         : " (at least here, at most in the source)")});
}

// Negations as code points: where each negation word of `blanked` (BlankNotNegations) starts
// and ends, the longest word at each place.
struct Negation {
  size_t begin = 0;
  size_t end = 0;
};

std::vector<std::u32string> U32Words(const std::vector<std::string>& words) {
  std::vector<std::u32string> out;
  for (const auto& w : words) {
    const auto cp = text::utf8::Decode(w).cp;
    if (!cp.empty()) out.emplace_back(cp.begin(), cp.end());
  }
  std::sort(out.begin(), out.end(),
            [](const auto& x, const auto& y) { return x.size() > y.size(); });
  return out;
}

std::u32string U32(std::string_view s) {
  const auto cp = text::utf8::Decode(s).cp;
  return std::u32string(cp.begin(), cp.end());
}

std::vector<Negation> FindNegations(const std::u32string& t,
                                    const std::vector<std::u32string>& words) {
  std::vector<Negation> out;
  for (size_t i = 0; i < t.size();) {
    size_t len = 0;
    for (const auto& w : words) {
      if (t.compare(i, w.size(), w) == 0) {
        len = w.size();
        break;
      }
    }
    if (len > 0) {
      out.push_back({i, i + len});
      i += len;
    } else {
      ++i;
    }
  }
  return out;
}

bool NegationIn(const std::u32string& t, size_t from, size_t to,
                const std::vector<std::u32string>& words) {
  for (size_t i = from; i < to && i < t.size(); ++i) {
    for (const auto& w : words) {
      if (i + w.size() <= to && t.compare(i, w.size(), w) == 0) return true;
    }
  }
  return false;
}

bool Han(const std::u32string& t, size_t i) { return i < t.size() && text::utf8::IsHan(t[i]); }

std::string Utf8(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) text::utf8::AppendUtf8(c, &out);
  return out;
}

bool Restated(std::string_view negated, std::string_view other,
              const std::vector<std::u32string>& words) {
  auto han_only = [&](std::string_view text, bool mark) {
    std::u32string t = U32(BlankNotNegations(text));
    std::u32string out;
    for (size_t i = 0; i < t.size();) {
      size_t len = 0;
      for (const auto& w : words) {
        if (t.compare(i, w.size(), w) == 0) {
          len = w.size();
          break;
        }
      }
      if (len > 0) {
        if (mark) out.push_back(U'#');
        i += len;
        continue;
      }
      if (text::utf8::IsHan(t[i])) out.push_back(t[i]);
      ++i;
    }
    return out;
  };
  const std::u32string n = han_only(negated, true);
  const std::u32string o = han_only(other, false);
  auto pair_in_other = [&](char32_t c1, char32_t c2) {
    for (size_t i = o.find(c1); i != std::u32string::npos; i = o.find(c1, i + 1)) {
      for (size_t j = i + 1; j < o.size() && j <= i + 3; ++j) {
        if (o[j] == c2) return true;
      }
    }
    return false;
  };
  bool anchored = false;
  for (size_t m = n.find(U'#'); m != std::u32string::npos; m = n.find(U'#', m + 1)) {
    if (m >= 2 && n[m - 1] != U'#' && n[m - 2] != U'#') {
      anchored = true;
      if (pair_in_other(n[m - 2], n[m - 1])) return true;
    }
    size_t p = m + 1;
    if (p < n.size() && n[p] == U'再') ++p;
    if (p + 1 < n.size() && n[p] != U'#' && n[p + 1] != U'#') {
      anchored = true;
      if (pair_in_other(n[p], n[p + 1])) return true;
    }
  }
  return !anchored;
}

// A negation said in the answer must be said of the same words in a source: 也不能从出生那天起
//享受 against 从出生那天起就能享受. Words the sources do not have are not judged here.
void CheckAnswerNegations(const std::u32string& answer, const std::vector<std::u32string>& sources,
                          const std::vector<std::u32string>& words,
                          std::vector<GroundingProblem>* problems) {
  for (const Negation& n : FindNegations(answer, words)) {
    size_t p = n.end;
    if (p < answer.size() && answer[p] == U'再') ++p;
    if (!Han(answer, p) || !Han(answer, p + 1)) continue;
    const char32_t first = answer[p], second = answer[p + 1];
    bool found = false, negated = false;
    for (const auto& s : sources) {
      for (size_t q = s.find(first); q != std::u32string::npos; q = s.find(first, q + 1)) {
        // The same two characters, or with one between (没交社保 / 交了社保).
        if (!(q + 1 < s.size() && s[q + 1] == second) &&
            !(q + 2 < s.size() && s[q + 2] == second)) {
          continue;
        }
        found = true;
        if (NegationIn(s, q >= 4 ? q - 4 : 0, q, words)) negated = true;
      }
    }
    if (found && !negated) {
      problems->push_back({"negation", Utf8(std::u32string_view(answer).substr(
                                           n.begin, std::min(answer.size(), p + 2) - n.begin)) +
                                           " (the source says it without a negation)"});
    }
  }
}

// A negation of a source must survive where the answer says the same thing: 个人不用再交
// against 还得个人自己交 (the two characters before the negation, then the word negated, at
// most four characters apart, no negation between).
void CheckSourceNegations(const std::u32string& answer, const std::vector<std::u32string>& sources,
                          const std::vector<std::u32string>& words,
                          std::vector<GroundingProblem>* problems) {
  auto said_plainly = [&](const std::u32string& t, std::u32string_view anchor, char32_t word) {
    for (size_t q = t.find(anchor); q != std::u32string::npos; q = t.find(anchor, q + 1)) {
      const size_t from = q + anchor.size();
      for (size_t k = from; k < t.size() && k <= from + 4 && Han(t, k); ++k) {
        if (t[k] == word && !NegationIn(t, from, k, words)) return true;
      }
    }
    return false;
  };
  for (const auto& s : sources) {
    for (const Negation& n : FindNegations(s, words)) {
      if (n.begin < 2 || !Han(s, n.begin - 1) || !Han(s, n.begin - 2)) continue;
      size_t p = n.end;
      if (p < s.size() && s[p] == U'再') ++p;
      if (!Han(s, p)) continue;
      const std::u32string_view anchor = std::u32string_view(s).substr(n.begin - 2, 2);
      if (!said_plainly(answer, anchor, s[p])) continue;
      const bool plain_in_sources = std::any_of(sources.begin(), sources.end(), [&](const auto& x) {
        return said_plainly(x, anchor, s[p]);
      });
      if (!plain_in_sources) {
        problems->push_back(
            {"negation",
             Utf8(anchor) + "…" + Utf8(std::u32string(1, s[p])) + " (the source says " +
                 Utf8(std::u32string_view(s).substr(n.begin - 2, p + 1 - (n.begin - 2))) + ")"});
      }
    }
  }
}

// A clause of the answer that says what a negated clause of a source says, without the
// negation: 国家法定节假日和休息日也算在 against 国家法定节假日和休息日不算在.
void CheckClauses(const std::vector<Clause>& answer, const std::vector<const Clause*>& sources,
                  std::vector<GroundingProblem>* problems) {
  for (const auto& c : answer) {
    if (c.negated || c.bigrams.size() < 2) continue;
    size_t best = 0;
    bool plain = false;
    const Clause* like = nullptr;
    for (const Clause* d : sources) {
      const size_t shared = Shared(c.bigrams, d->bigrams);
      if (shared < 2 || 5 * shared < 3 * d->bigrams.size()) continue;
      if (shared > best) {
        best = shared;
        plain = !d->negated;
        like = d;
      } else if (shared == best) {
        plain = plain || !d->negated;
      }
    }
    if (like != nullptr && !plain) {
      problems->push_back({"negation", c.text + " (the source says " + like->text + ")"});
    }
  }
}

Result<std::vector<std::string>> StringList(const toml::table& t, std::string_view key,
                                            const std::string& path) {
  const toml::node* node = t.get(key);
  const toml::array* arr = node != nullptr ? node->as_array() : nullptr;
  if (arr == nullptr) {
    return InvalidArgument(path + ": " + std::string(key) + " must be a list of strings");
  }
  std::vector<std::string> out;
  for (const auto& v : *arr) {
    const auto* s = v.as_string();
    if (s == nullptr || s->get().empty()) {
      return InvalidArgument(TomlWhere(path, v.source()) + ": " + std::string(key) +
                             " must be a list of non-empty strings");
    }
    out.push_back(Normalize(s->get()));
  }
  return out;
}

}  // namespace

GroundingRules GroundingRules::Defaults() {
  GroundingRules r;
  // Longer words first only for reading; any one of them negates.
  r.negations = {"不予", "不得", "无需",   "无须", "不能",   "不可", "不需要", "不需", "不用",
                 "不必", "不再", "不属于", "不在", "不包括", "不含", "无法",   "没有", "没",
                 "未",   "不",   "免",     "非",   "勿",     "禁止", "严禁",   "不要", "别"};
  r.entity_suffixes = {"局",   "中心",   "委员会", "办公室", "管理处", "服务站", "医院",
                       "社区", "街道办", "窗口",   "派出所", "大厅",   "法院",   "银行",
                       "保险", "补贴",   "补助",   "津贴",   "救助",   "公积金", "基金",
                       "计划", "工程",   "证",     "卡",     "补助金", "救助金", "养老金"};
  return r;
}

Result<GroundingRules> LoadGroundingRules(const std::string& path) {
  auto table = ReadTomlFile(path);
  if (!table.ok()) return table.status();
  GroundingRules rules = GroundingRules::Defaults();
  if (table->contains("negations")) {
    auto list = StringList(*table, "negations", path);
    if (!list.ok()) return list.status();
    rules.negations = std::move(list).value();
  }
  if (table->contains("entity_suffixes")) {
    auto list = StringList(*table, "entity_suffixes", path);
    if (!list.ok()) return list.status();
    rules.entity_suffixes = std::move(list).value();
  }
  for (const auto& [key, value] : *table) {
    if (key != "negations" && key != "entity_suffixes") {
      return InvalidArgument(TomlWhere(path, value.source()) + ": unknown key " +
                             std::string(key.str()));
    }
  }
  return rules;
}

std::vector<std::string> SplitSentences(std::string_view answer) {
  std::vector<std::string> out;
  size_t start = 0, i = 0;
  auto flush = [&](size_t end) {
    std::string s = Trim(answer.substr(start, end - start));
    if (!s.empty() && !Untag(s).text.empty()) {
      out.push_back(std::move(s));
    } else if (!s.empty() && !out.empty()) {
      out.back() += s;  // a tag on a line of its own belongs to the sentence before
    }
  };
  while (i < answer.size()) {
    size_t len = 0;
    if (!IsSentenceEnd(answer, i, &len)) {
      ++i;
      continue;
    }
    const bool newline = answer[i] == '\n';
    size_t end = newline ? i : i + len;
    size_t j = i + len;
    // Closing marks and tags after the end stay with the sentence.
    while (!newline && j < answer.size()) {
      std::vector<int> ignored;
      size_t k = j;
      while (k < answer.size() && answer[k] == ' ') ++k;
      size_t mark = 0;
      if (const size_t e = ParseTag(answer, k, &ignored)) {
        j = end = e;
      } else if (IsClosingMark(answer, k, &mark)) {
        j = end = k + mark;
      } else {
        break;
      }
    }
    flush(end);
    start = i = newline ? i + 1 : j;
  }
  flush(answer.size());
  return out;
}

std::string StripSourceTags(std::string_view answer) {
  std::string out;
  auto punct_or_end = [&](size_t i) {
    if (i >= answer.size() || answer[i] == '\n' || answer[i] == '\r') return true;
    for (std::string_view m : {"。", "，", "！", "？", "；", "：", "、", "）", "”", "」", ",", ".",
                               ";", ":", "!", "?", ")"}) {
      if (answer.substr(i, m.size()) == m) return true;
    }
    return false;
  };
  for (size_t i = 0; i < answer.size();) {
    std::vector<int> ignored;
    if (const size_t e = ParseTag(answer, i, &ignored)) {
      i = e;
      size_t k = i;
      while (k < answer.size() && answer[k] == ' ') ++k;
      if (punct_or_end(k)) {
        while (!out.empty() && out.back() == ' ') out.pop_back();
        i = k;
      } else if (!out.empty() && out.back() == ' ') {
        i = k;
      }
      continue;
    }
    out.push_back(answer[i++]);
  }
  return Trim(out);
}

GroundingResult CheckGrounding(std::string_view answer, const std::vector<std::string>& sources,
                               const GroundingRules& rules, const GroundingOptions& options) {
  GroundingResult result;
  std::vector<Source> src;
  src.reserve(sources.size());
  for (const auto& s : sources) {
    Source x;
    x.text = Normalize(s);
    src.push_back(std::move(x));
  }
  GroundingRules norm = rules;
  for (auto& n : norm.negations) n = Normalize(n);
  for (auto& s : norm.entity_suffixes) s = Normalize(s);
  const std::vector<std::u32string> negations = U32Words(norm.negations);
  std::vector<std::u32string> blanked_sources;
  for (auto& x : src) {
    x.figures = ExtractFigures(x.text);
    for (const auto& f : x.figures) x.contexts.push_back(ContextOf(x.text, x.figures, f, norm));
    x.clauses = Clauses(x.text, x.figures, norm);
    blanked_sources.push_back(U32(BlankNotNegations(x.text)));
  }
  auto& problems = result.problems;
  for (const auto& sentence : SplitSentences(answer)) {
    const size_t sentence_start = problems.size();
    const Tagged tagged = Untag(sentence);
    const std::string body = Normalize(tagged.text);
    std::vector<size_t> admissible;
    for (int t : tagged.tags) {
      if (t < 1 || static_cast<size_t>(t) > src.size()) {
        problems.push_back({"untagged", "[" + std::to_string(t) + "] (there are " +
                                            std::to_string(src.size()) + " sources)"});
      } else if (std::find(admissible.begin(), admissible.end(), t - 1) == admissible.end()) {
        admissible.push_back(static_cast<size_t>(t - 1));
      }
    }
    if (admissible.empty()) {
      for (size_t i = 0; i < src.size(); ++i) admissible.push_back(i);
    }
    const std::vector<Figure> figures = ExtractFigures(body);
    const std::vector<Name> names = FindNames(body, norm);
    if (!tagged.tagged && options.require_tags && (!figures.empty() || !names.empty())) {
      problems.push_back({"untagged", Trim(tagged.text) + " (states " +
                                          (figures.empty() ? names[0].text : figures[0].text) +
                                          " without a source tag)"});
    }
    for (const auto& f : figures) CheckFigure(f, body, figures, src, admissible, norm, &problems);
    std::vector<std::u32string> admissible_text;
    std::vector<const Clause*> admissible_clauses;
    for (size_t i : admissible) {
      admissible_text.push_back(blanked_sources[i]);
      for (const auto& c : src[i].clauses) admissible_clauses.push_back(&c);
    }
    // Negations away from figures; one problem of the kind per sentence is enough.
    auto negation_found = [&] {
      return std::any_of(problems.begin() + static_cast<long>(sentence_start), problems.end(),
                         [](const GroundingProblem& p) { return p.kind == "negation"; });
    };
    const std::u32string blanked = U32(BlankNotNegations(body));
    if (!negation_found()) CheckAnswerNegations(blanked, admissible_text, negations, &problems);
    if (!negation_found()) CheckSourceNegations(blanked, admissible_text, negations, &problems);
    if (!negation_found())
      CheckClauses(Clauses(body, figures, norm), admissible_clauses, &problems);
    for (const auto& n : names) {
      const bool found = std::any_of(admissible.begin(), admissible.end(),
                                     [&](size_t i) { return NameIn(n.text, src[i].text); });
      if (!found) problems.push_back({"entity", n.text + " (no cited source names it)"});
    }
  }
  result.ok = problems.empty();
  return result;
}

}  // namespace zx::llm
