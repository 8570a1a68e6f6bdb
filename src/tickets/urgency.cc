#include "tickets/urgency.h"

#include "text/utf8.h"
#include "tickets/toml_read_internal.h"

namespace zx::tickets {
namespace {

std::u32string ToU32(std::string_view s) {
  auto cps = text::utf8::Decode(s);
  return std::u32string(cps.cp.begin(), cps.cp.end());
}

std::string ToUtf8(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) text::utf8::AppendUtf8(c, &out);
  return out;
}

std::vector<std::u32string> ToU32(const std::vector<std::string>& words) {
  std::vector<std::u32string> out;
  for (const auto& w : words) out.push_back(ToU32(w));
  return out;
}

// A clause ends at punctuation: a cue and its negator must stand in the same clause.
bool EndsClause(char32_t c) {
  switch (c) {
    case U',':
    case U'.':
    case U'!':
    case U'?':
    case U';':
    case U':':
    case U'，':
    case U'。':
    case U'！':
    case U'？':
    case U'；':
    case U'：':
    case U'、':
    case U'\n':
    case U'~':
      return true;
    default:
      return false;
  }
}

Result<int> ReadInt(const std::string& origin, const toml::table& t, std::string_view key,
                    int fallback) {
  const toml::node* n = t.get(key);
  if (!n) return fallback;
  if (!n->is_integer())
    return internal::ErrorAt(origin, *n, std::string(key) + " must be an integer");
  const int64_t v = n->as_integer()->get();
  if (v < 0 || v > 20) return internal::ErrorAt(origin, *n, std::string(key) + " must be 0..20");
  return static_cast<int>(v);
}

}  // namespace

Result<UrgencyCues> UrgencyCues::Load(const std::string& path) {
  using internal::ErrorAt;
  ZX_ASSIGN_OR_RETURN(toml::table root, ReadTomlFile(path));
  ZX_RETURN_IF_ERROR(internal::CheckKeys(path, root, {"negation", "safe", "cue"}));
  UrgencyCues u;
  if (const toml::node* n = root.get("negation")) {
    if (!n->is_table()) return ErrorAt(path, *n, "[negation] must be a table");
    const toml::table& t = *n->as_table();
    ZX_RETURN_IF_ERROR(internal::CheckKeys(path, t, {"window", "words", "except"}));
    ZX_ASSIGN_OR_RETURN(u.window_, ReadInt(path, t, "window", 3));
    ZX_ASSIGN_OR_RETURN(auto words, internal::ReadStrings(path, t, "words"));
    ZX_ASSIGN_OR_RETURN(auto except, internal::ReadStrings(path, t, "except"));
    u.negators_ = ToU32(words);
    u.not_negators_ = ToU32(except);
  }
  if (const toml::node* n = root.get("safe")) {
    if (!n->is_table()) return ErrorAt(path, *n, "[safe] must be a table");
    ZX_RETURN_IF_ERROR(internal::CheckKeys(path, *n->as_table(), {"words"}));
    ZX_ASSIGN_OR_RETURN(auto words, internal::ReadStrings(path, *n->as_table(), "words"));
    u.safe_ = ToU32(words);
  }
  ZX_ASSIGN_OR_RETURN(auto cues, internal::ReadTables(path, root, "cue"));
  for (const toml::table* t : cues) {
    ZX_RETURN_IF_ERROR(internal::CheckKeys(path, *t, {"name", "phrases", "parts", "gap"}));
    Cue c;
    ZX_ASSIGN_OR_RETURN(c.name, internal::ReadString(path, *t, "name"));
    ZX_ASSIGN_OR_RETURN(auto phrases, internal::ReadStrings(path, *t, "phrases"));
    c.phrases = ToU32(phrases);
    ZX_ASSIGN_OR_RETURN(c.gap, ReadInt(path, *t, "gap", 8));
    if (const toml::node* p = t->get("parts")) {
      const toml::array* a = p->as_array();
      if (!a || a->size() < 2)
        return ErrorAt(path, *p, "'parts' must be a list of at least two lists of words");
      for (const toml::node& part : *a) {
        const toml::array* words = part.as_array();
        if (!words || words->empty())
          return ErrorAt(path, part, "each part must be a non-empty list of words");
        std::vector<std::u32string> alternatives;
        for (const toml::node& w : *words) {
          if (!w.is_string() || w.as_string()->get().empty())
            return ErrorAt(path, w, "each part must hold non-empty strings");
          alternatives.push_back(ToU32(w.as_string()->get()));
        }
        c.parts.push_back(std::move(alternatives));
      }
    }
    if (c.phrases.empty() && c.parts.empty())
      return ErrorAt(path, *t, "cue '" + c.name + "' has neither phrases nor parts");
    u.cues_.push_back(std::move(c));
  }
  return u;
}

std::vector<UrgencyHit> UrgencyCues::Detect(std::string_view normalized) const {
  const std::u32string s = ToU32(normalized);
  const size_t n = s.size();
  std::vector<size_t> clause(n + 1, 0);
  for (size_t i = 0, c = 0; i < n; ++i) {
    if (EndsClause(s[i])) ++c;
    clause[i] = c;
  }
  // Spans where no cue may start (safe words), and negator positions (end offsets).
  std::vector<bool> safe_start(n + 1, false);
  for (const auto& w : safe_)
    for (size_t p = s.find(w); p != std::u32string::npos; p = s.find(w, p + 1))
      for (size_t k = p; k < p + w.size(); ++k) safe_start[k] = true;
  std::vector<bool> not_negator(n + 1, false);
  for (const auto& w : not_negators_)
    for (size_t p = s.find(w); p != std::u32string::npos; p = s.find(w, p + 1))
      for (size_t k = p; k < p + w.size(); ++k) not_negator[k] = true;
  struct Neg {
    size_t begin, end;
  };
  std::vector<Neg> negs;
  for (const auto& w : negators_)
    for (size_t p = s.find(w); p != std::u32string::npos; p = s.find(w, p + 1))
      if (!not_negator[p]) negs.push_back({p, p + w.size()});
  // A negator ending in [from, at] of the clause of `at` cancels what starts at `at`.
  auto negated_before = [&](size_t from, size_t at) {
    for (const Neg& g : negs)
      if (g.end <= at && g.end >= from && g.begin < at && clause[g.begin] == clause[at] &&
          (g.end == at || !EndsClause(s[g.end])))
        return true;
    return false;
  };
  auto window_start = [&](size_t at) {
    return at >= static_cast<size_t>(window_) ? at - window_ : 0;
  };

  std::vector<UrgencyHit> out;
  for (const Cue& c : cues_) {
    bool heard = false, heard_plain = false;
    UrgencyHit best;
    auto record = [&](size_t b, size_t e, bool negated) {
      if (heard && (heard_plain || negated)) return;
      best = {c.name, ToUtf8(std::u32string_view(s).substr(b, e - b)), negated};
      heard = true;
      heard_plain = !negated;
    };
    for (const auto& ph : c.phrases)
      for (size_t p = s.find(ph); p != std::u32string::npos; p = s.find(ph, p + 1)) {
        if (safe_start[p]) continue;
        record(p, p + ph.size(), negated_before(window_start(p), p));
      }
    if (!c.parts.empty()) {
      for (const auto& first : c.parts[0])
        for (size_t p = s.find(first); p != std::u32string::npos; p = s.find(first, p + 1)) {
          if (safe_start[p]) continue;
          bool negated = negated_before(window_start(p), p);
          size_t end = p + first.size();
          bool complete = true;
          for (size_t k = 1; k < c.parts.size() && complete; ++k) {
            size_t best_at = std::u32string::npos, best_end = 0;
            for (const auto& alt : c.parts[k]) {
              size_t q = s.find(alt, end);
              if (q == std::u32string::npos || q - end > static_cast<size_t>(c.gap) ||
                  clause[q] != clause[p] || safe_start[q])
                continue;
              if (q < best_at) best_at = q, best_end = q + alt.size();
            }
            if (best_at == std::u32string::npos) {
              complete = false;
              break;
            }
            negated = negated || negated_before(end, best_at);
            end = best_end;
          }
          if (complete) record(p, end, negated);
        }
    }
    if (heard) out.push_back(std::move(best));
  }
  return out;
}

std::vector<std::string> UrgencyCues::Raising(std::string_view normalized) const {
  std::vector<std::string> out;
  for (const UrgencyHit& h : Detect(normalized))
    if (!h.negated) out.push_back(h.cue);
  return out;
}

}  // namespace zx::tickets
