#include "dialogue/emotion.h"

#include "base/file.h"

#include "base/toml_file.h"

#include <toml++/toml.h>
#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

namespace zx::dialogue {

// ---------------------------------------------------------------------------------------------
// Names

namespace {

constexpr std::array<std::string_view, kEmotionCount> kEmotionNames = {
    "生气", "愤怒", "失望", "焦虑", "悲伤", "恐慌", "满意"};

// Tie-break order of the dominant emotion: earlier wins.
constexpr std::array<Emotion, kEmotionCount> kTieOrder = {
    Emotion::kRage,    Emotion::kAnger,          Emotion::kPanic,       Emotion::kAnxiety,
    Emotion::kSadness, Emotion::kDisappointment, Emotion::kSatisfaction};

}  // namespace

std::string_view EmotionName(Emotion emotion) { return kEmotionNames[static_cast<int>(emotion)]; }

std::optional<Emotion> EmotionFromName(std::string_view name) {
  for (int i = 0; i < kEmotionCount; ++i)
    if (kEmotionNames[i] == name) return static_cast<Emotion>(i);
  return std::nullopt;
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kLow:
      return "低";
    case Level::kMedium:
      return "中";
    case Level::kHigh:
      return "高";
    case Level::kNone:
      break;
  }
  return "";
}

std::optional<Level> LevelFromName(std::string_view name) {
  for (Level l : {Level::kLow, Level::kMedium, Level::kHigh})
    if (LevelName(l) == name) return l;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Text: code points with their byte offsets; whitespace dropped.

namespace {

struct Codepoints {
  std::vector<char32_t> cp;
  std::vector<uint32_t> off;  // off[i]: byte offset of cp[i]; off[size]: end of the text

  size_t size() const { return cp.size(); }
};

// Decodes UTF-8 leniently (an ill-formed byte becomes U+FFFD) and drops whitespace.
void Decode(std::string_view s, Codepoints* out) {
  out->cp.clear();
  out->off.clear();
  out->cp.reserve(s.size());
  out->off.reserve(s.size() + 1);
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    char32_t c = 0xFFFD;
    size_t len = 1;
    if (b < 0x80) {
      c = b;
    } else {
      size_t need = 0;
      char32_t v = 0;
      if ((b & 0xE0) == 0xC0) {
        need = 1;
        v = b & 0x1F;
      } else if ((b & 0xF0) == 0xE0) {
        need = 2;
        v = b & 0x0F;
      } else if ((b & 0xF8) == 0xF0) {
        need = 3;
        v = b & 0x07;
      }
      if (need > 0 && i + need < s.size()) {
        bool good = true;
        for (size_t k = 1; good && k <= need; ++k) {
          const auto cb = static_cast<unsigned char>(s[i + k]);
          good = (cb & 0xC0) == 0x80;
          v = (v << 6) | (cb & 0x3F);
        }
        if (good) {
          c = v;
          len = need + 1;
        }
      }
    }
    const bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x3000 ||
                       c == 0xA0 || c == '\v' || c == '\f';
    if (!space) {
      out->cp.push_back(c);
      out->off.push_back(static_cast<uint32_t>(i));
    }
    i += len;
  }
  out->off.push_back(static_cast<uint32_t>(s.size()));
}

std::u32string ToU32(std::string_view s) {
  Codepoints c;
  Decode(s, &c);
  return std::u32string(c.cp.begin(), c.cp.end());
}

bool IsExclamation(char32_t c) { return c == '!' || c == U'！'; }
bool IsQuestion(char32_t c) { return c == '?' || c == U'？'; }

// Punctuation that ends a clause: modifiers never reach across it, phrases never contain it.
bool IsBoundary(char32_t c) {
  switch (c) {
    case ',':
    case '.':
    case ';':
    case ':':
    case '!':
    case '?':
    case '~':
    case '"':
    case '\'':
    case '(':
    case ')':
    case U'，':
    case U'。':
    case U'、':
    case U'；':
    case U'：':
    case U'！':
    case U'？':
    case U'…':
    case U'～':
    case U'“':
    case U'”':
    case U'‘':
    case U'’':
    case U'（':
    case U'）':
    case U'《':
    case U'》':
    case U'【':
    case U'】':
      return true;
    default:
      return false;
  }
}

// The characters a `#` wildcard consumes.
bool IsNumeral(char32_t c) {
  if (c >= '0' && c <= '9') return true;
  switch (c) {
    case U'零':
    case U'〇':
    case U'一':
    case U'二':
    case U'两':
    case U'三':
    case U'四':
    case U'五':
    case U'六':
    case U'七':
    case U'八':
    case U'九':
    case U'十':
    case U'百':
    case U'千':
    case U'万':
    case U'几':
    case U'多':
    case U'好':
    case U'数':
      return true;
    default:
      return false;
  }
}

// A `#` is "a number other than one": a lone 一/1/0 is refused.
bool IsLoneOne(char32_t c) {
  return c == U'一' || c == '1' || c == '0' || c == U'零' || c == U'〇';
}

constexpr size_t kMaxNumeralRun = 8;

// ---------------------------------------------------------------------------------------------
// PhraseTrie: phrases over code points, `#` a number wildcard; longest match at a position.

class PhraseTrie {
 public:
  PhraseTrie() { nodes_.emplace_back(); }

  // Adds a phrase with its payload; returns the payload already there for the same phrase, or
  // -1 when it is new.
  int Add(std::u32string_view phrase, int payload) {
    int node = 0;
    for (char32_t c : phrase) {
      if (c == U'#') {
        if (nodes_[node].wild < 0) {
          nodes_[node].wild = static_cast<int32_t>(nodes_.size());
          nodes_.emplace_back();
        }
        node = nodes_[node].wild;
        continue;
      }
      const uint64_t key = Key(node, c);
      auto it = edges_.find(key);
      if (it == edges_.end()) {
        it = edges_.emplace(key, static_cast<int32_t>(nodes_.size())).first;
        nodes_.emplace_back();
      }
      node = it->second;
    }
    if (nodes_[node].payload >= 0) return nodes_[node].payload;
    nodes_[node].payload = payload;
    return -1;
  }

  struct Match {
    size_t end = 0;
    int payload = -1;
  };
  // The longest phrase starting at `i` (payload -1 when none).
  Match Longest(const std::vector<char32_t>& s, size_t i) const {
    Match best{i, -1};
    Walk(0, s, i, &best);
    return best;
  }

 private:
  struct Node {
    int32_t payload = -1;
    int32_t wild = -1;  // the child reached through `#`
  };
  static uint64_t Key(int node, char32_t c) {
    return (static_cast<uint64_t>(node) << 21) ^ static_cast<uint64_t>(c);
  }

  void Walk(int node, const std::vector<char32_t>& s, size_t i, Match* best) const {
    const Node& n = nodes_[node];
    if (n.payload >= 0 && (best->payload < 0 || i > best->end)) *best = {i, n.payload};
    if (i >= s.size() || IsBoundary(s[i])) return;
    if (auto it = edges_.find(Key(node, s[i])); it != edges_.end())
      Walk(it->second, s, i + 1, best);
    if (n.wild >= 0) {
      for (size_t j = i; j < s.size() && j - i < kMaxNumeralRun && IsNumeral(s[j]); ++j) {
        if (j == i && IsLoneOne(s[i])) continue;  // "一" alone is not "#"
        Walk(n.wild, s, j + 1, best);
      }
    }
  }

  std::vector<Node> nodes_;
  std::unordered_map<uint64_t, int32_t> edges_;
};

// ---------------------------------------------------------------------------------------------
// Parsing helpers shared by both files.

class TomlReader {
 public:
  explicit TomlReader(std::string origin) : origin_(std::move(origin)) {}

  static int Line(const toml::node& n) { return static_cast<int>(n.source().begin.line); }
  Status Fail(int line, const std::string& reason) const {
    return InvalidArgument(origin_ + ":" + std::to_string(line) + ": " + reason);
  }
  Status Fail(const toml::node& n, const std::string& reason) const {
    return Fail(Line(n), reason);
  }

  Status OnlyKeys(const toml::table& t, const std::set<std::string>& allowed,
                  const std::string& what) const {
    for (const auto& [k, v] : t)
      if (!allowed.count(std::string(k.str())))
        return Fail(v, what + ": unknown key '" + std::string(k.str()) + "'");
    return Status::Ok();
  }
  Result<const toml::table*> Table(const toml::table& t, const char* key, bool required) const {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) return Fail(t, std::string("[") + key + "] is missing");
      return static_cast<const toml::table*>(nullptr);
    }
    if (!n->is_table()) return Fail(*n, std::string(key) + " must be a table");
    return n->as_table();
  }
  Status Number(const toml::table& t, const char* key, const std::string& what, double lo,
                double hi, double* out, bool required = true) const {
    const toml::node* n = t.get(key);
    if (!n) return required ? Fail(t, what + ": " + key + " is missing") : Status::Ok();
    if (!n->is_number()) return Fail(*n, what + ": " + key + " must be a number");
    return NumberValue(*n, what + ": " + key, lo, hi, out);
  }
  Status NumberValue(const toml::node& n, const std::string& what, double lo, double hi,
                     double* out) const {
    if (!n.is_number()) return Fail(n, what + " must be a number");
    const double v = n.is_integer() ? static_cast<double>(*n.value<int64_t>()) : *n.value<double>();
    if (!(v >= lo && v <= hi))
      return Fail(
          n, what + " must be between " + Fmt(lo) + " and " + Fmt(hi) + " (is " + Fmt(v) + ")");
    *out = v;
    return Status::Ok();
  }
  Status Int(const toml::table& t, const char* key, const std::string& what, int lo, int hi,
             int* out) const {
    const toml::node* n = t.get(key);
    if (!n) return Fail(t, what + ": " + key + " is missing");
    if (!n->is_integer()) return Fail(*n, what + ": " + key + " must be an integer");
    const int64_t v = *n->value<int64_t>();
    if (v < lo || v > hi)
      return Fail(*n, what + ": " + key + " must be between " + std::to_string(lo) + " and " +
                          std::to_string(hi));
    *out = static_cast<int>(v);
    return Status::Ok();
  }
  Status String(const toml::table& t, const char* key, const std::string& what,
                std::string* out) const {
    const toml::node* n = t.get(key);
    if (!n) return Fail(t, what + ": " + key + " is missing");
    if (!n->is_string() || n->value<std::string>()->empty())
      return Fail(*n, what + ": " + key + " must be a non-empty string");
    *out = *n->value<std::string>();
    return Status::Ok();
  }
  Status Bool(const toml::table& t, const char* key, const std::string& what, bool* out) const {
    const toml::node* n = t.get(key);
    if (!n) return Fail(t, what + ": " + key + " is missing");
    if (!n->is_boolean()) return Fail(*n, what + ": " + key + " must be true or false");
    *out = *n->value<bool>();
    return Status::Ok();
  }
  Status EmotionValue(const toml::node& n, const std::string& what, Emotion* out) const {
    const auto* s = n.as_string();
    std::optional<Emotion> e;
    if (s) e = EmotionFromName(s->get());
    if (!e)
      return Fail(n, what + " must be one of 生气 愤怒 失望 焦虑 悲伤 恐慌 满意" +
                         (s ? " (is '" + s->get() + "')" : std::string()));
    *out = *e;
    return Status::Ok();
  }
  Status LevelValue(const toml::node& n, const std::string& what, Level* out) const {
    const auto* s = n.as_string();
    std::optional<Level> l;
    if (s) l = LevelFromName(s->get());
    if (!l)
      return Fail(
          n, what + " must be 低, 中 or 高" + (s ? " (is '" + s->get() + "')" : std::string()));
    *out = *l;
    return Status::Ok();
  }
  // An array of non-empty strings; each item is passed to `each` with its node.
  template <typename F>
  Status Strings(const toml::table& t, const char* key, const std::string& what, bool required,
                 F each) const {
    const toml::node* n = t.get(key);
    if (!n) return required ? Fail(t, what + ": " + key + " is missing") : Status::Ok();
    const toml::array* a = n->as_array();
    if (!a) return Fail(*n, what + ": " + key + " must be an array of strings");
    for (const auto& item : *a) {
      if (!item.is_string() || item.value<std::string>()->empty())
        return Fail(item, what + ": " + key + " must contain non-empty strings");
      ZX_RETURN_IF_ERROR(each(*item.value<std::string>(), item));
    }
    return Status::Ok();
  }
  // A phrase as written: valid, without whitespace or clause punctuation, not only `#`.
  Result<std::u32string> Phrase(const std::string& text, const toml::node& n,
                                const std::string& what) const {
    const std::u32string u = ToU32(text);
    if (u.size() != CountChars(text))
      return Fail(n, what + " '" + text + "' contains whitespace or is not valid UTF-8");
    bool literal = false;
    for (char32_t c : u) {
      if (c == 0xFFFD) return Fail(n, what + " '" + text + "' is not valid UTF-8");
      if (IsBoundary(c)) return Fail(n, what + " '" + text + "' contains punctuation");
      if (c != U'#') literal = true;
    }
    if (!literal) return Fail(n, what + " '" + text + "' has no characters besides #");
    return u;
  }

  // A phrase listed twice: the later line is the error, the earlier one is named (tables are
  // read in key order, not file order).
  Status Duplicate(const std::string& text, const std::string& what, int line,
                   int other_line) const {
    return Fail(std::max(line, other_line), what + " '" + text + "' is already listed at line " +
                                                std::to_string(std::min(line, other_line)));
  }

  Result<toml::table> ParseDoc(std::string_view text) const { return ParseToml(text, origin_); }

  const std::string& origin() const { return origin_; }

 private:
  static size_t CountChars(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s)
      if ((c & 0xC0) != 0x80) ++n;
    return n;
  }
  static std::string Fmt(double v) {
    std::ostringstream o;
    o << v;
    return o.str();
  }
  std::string origin_;
};

// Messages name the file by the path as given ("kb/emotions.toml:12: ...").
std::string OriginOf(const std::string& path) { return path; }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Emotion data

namespace {

enum class Kind : uint8_t { kCue, kNegator, kIntensifier, kContact, kNeutral };

struct Entry {
  Kind kind = Kind::kCue;
  Emotion emotion = Emotion::kAnger;
  double value = 0;  // cue: base strength; intensifier: what it adds
  int line = 0;
};

}  // namespace

struct EmotionData {
  // [scoring]
  double low = 1, medium = 2, high = 3;
  double others = 0.5;
  double max_boost = 2;
  int intensifier_window = 2;
  std::vector<double> exclamation;
  double repeat_bonus = 0.5;
  int char_run = 3;
  int question_run = 2;
  Emotion question_emotion = Emotion::kAnger;
  double question_strength = 1;
  double context_bonus = 0.5;
  std::array<uint8_t, kEmotionCount> family{};  // family id per emotion (own index by default)
  // [negation]
  int negation_window = 2;
  double softener = -0.5;
  std::array<int, kEmotionCount> flip{};  // target emotion index, -1 for cancel
  // [contact]
  std::array<double, kEmotionCount> contact_adds{};

  PhraseTrie trie;
  std::vector<Entry> entries;
  PhraseTrie suffixes;
  std::vector<double> suffix_values;
  size_t lexicon_size = 0;

  std::vector<ToneRule> tones;
  ReplyPolicy reply;
};

namespace {

class EmotionParser : public TomlReader {
 public:
  using TomlReader::TomlReader;

  Result<std::shared_ptr<EmotionData>> Parse(std::string_view text);

 private:
  // Adds a phrase of the main trie; a phrase listed twice is an error naming both lines.
  Status AddPhrase(const std::string& text, const toml::node& n, const std::string& what,
                   Entry entry) {
    ZX_ASSIGN_OR_RETURN(auto u, Phrase(text, n, what));
    entry.line = Line(n);
    const int prior = d_->trie.Add(u, static_cast<int>(d_->entries.size()));
    if (prior >= 0) return Duplicate(text, what, entry.line, d_->entries[prior].line);
    d_->entries.push_back(entry);
    return Status::Ok();
  }

  Status ReadScoring(const toml::table& t);
  Status ReadNegation(const toml::table& t);
  Status ReadReply(const toml::table& t);
  Status ReadTones(const toml::node& n);

  std::shared_ptr<EmotionData> d_;
};

Status EmotionParser::ReadScoring(const toml::table& t) {
  const std::string w = "[scoring]";
  ZX_RETURN_IF_ERROR(
      OnlyKeys(t,
               {"low", "medium", "high", "others", "max_boost", "intensifier_window", "exclamation",
                "repeat_bonus", "char_run", "question_run", "question_emotion", "question_strength",
                "context_bonus", "context_families"},
               w));
  ZX_RETURN_IF_ERROR(Number(t, "low", w, 0.01, 100, &d_->low));
  ZX_RETURN_IF_ERROR(Number(t, "medium", w, 0.01, 100, &d_->medium));
  ZX_RETURN_IF_ERROR(Number(t, "high", w, 0.01, 100, &d_->high));
  if (!(d_->low < d_->medium && d_->medium < d_->high))
    return Fail(*t.get("medium"), w + ": thresholds must rise: low < medium < high");
  ZX_RETURN_IF_ERROR(Number(t, "others", w, 0, 1, &d_->others));
  ZX_RETURN_IF_ERROR(Number(t, "max_boost", w, 0, 10, &d_->max_boost));
  double v = 0;
  ZX_RETURN_IF_ERROR(Number(t, "intensifier_window", w, 0, 10, &v));
  d_->intensifier_window = static_cast<int>(v);
  ZX_RETURN_IF_ERROR(Number(t, "repeat_bonus", w, 0, 10, &d_->repeat_bonus));
  ZX_RETURN_IF_ERROR(Number(t, "char_run", w, 2, 10, &v));
  d_->char_run = static_cast<int>(v);
  ZX_RETURN_IF_ERROR(Number(t, "question_run", w, 1, 10, &v));
  d_->question_run = static_cast<int>(v);
  ZX_RETURN_IF_ERROR(Number(t, "question_strength", w, 0, 10, &d_->question_strength));
  ZX_RETURN_IF_ERROR(Number(t, "context_bonus", w, 0, 10, &d_->context_bonus));
  if (const toml::node* n = t.get("question_emotion"))
    ZX_RETURN_IF_ERROR(EmotionValue(*n, w + ": question_emotion", &d_->question_emotion));
  else
    return Fail(t, w + ": question_emotion is missing");

  const toml::node* ex = t.get("exclamation");
  if (!ex || !ex->is_array() || ex->as_array()->empty())
    return Fail(ex ? *ex : static_cast<const toml::node&>(t),
                w + ": exclamation must be a non-empty array of numbers");
  for (const auto& item : *ex->as_array()) {
    double b = 0;
    ZX_RETURN_IF_ERROR(NumberValue(item, w + ": exclamation", 0, 10, &b));
    d_->exclamation.push_back(b);
  }

  for (int i = 0; i < kEmotionCount; ++i) d_->family[i] = static_cast<uint8_t>(i);
  if (const toml::node* fam = t.get("context_families")) {
    const toml::array* a = fam->as_array();
    if (!a) return Fail(*fam, w + ": context_families must be an array of arrays of emotions");
    for (const auto& group : *a) {
      const toml::array* g = group.as_array();
      if (!g || g->empty())
        return Fail(group, w + ": context_families must be an array of arrays of emotions");
      Emotion first{};
      for (size_t k = 0; k < g->size(); ++k) {
        Emotion e{};
        ZX_RETURN_IF_ERROR(EmotionValue(*g->get(k), w + ": context_families", &e));
        if (k == 0) first = e;
        d_->family[static_cast<int>(e)] = static_cast<uint8_t>(first);
      }
    }
  }
  return Status::Ok();
}

Status EmotionParser::ReadNegation(const toml::table& t) {
  const std::string w = "[negation]";
  ZX_RETURN_IF_ERROR(OnlyKeys(t, {"window", "softener", "words", "flip"}, w));
  double v = 0;
  ZX_RETURN_IF_ERROR(Number(t, "window", w, 0, 10, &v));
  d_->negation_window = static_cast<int>(v);
  ZX_RETURN_IF_ERROR(Number(t, "softener", w, -10, 0, &d_->softener));
  ZX_RETURN_IF_ERROR(Strings(t, "words", w, true, [&](const std::string& s, const toml::node& n) {
    return AddPhrase(s, n, "negator", {Kind::kNegator});
  }));
  d_->flip.fill(-1);
  if (const toml::node* f = t.get("flip")) {
    const toml::table* ft = f->as_table();
    if (!ft) return Fail(*f, w + ": flip must be a table of emotion = emotion");
    for (const auto& [k, val] : *ft) {
      const auto from = EmotionFromName(k.str());
      if (!from) return Fail(val, w + ": flip: unknown emotion '" + std::string(k.str()) + "'");
      Emotion to{};
      ZX_RETURN_IF_ERROR(EmotionValue(val, w + ": flip target", &to));
      if (to == *from) return Fail(val, w + ": flip: an emotion cannot flip to itself");
      d_->flip[static_cast<int>(*from)] = static_cast<int>(to);
    }
  }
  return Status::Ok();
}

Status EmotionParser::ReadReply(const toml::table& t) {
  const std::string w = "[reply]";
  ZX_RETURN_IF_ERROR(OnlyKeys(t, {"shorter", "shorter_level", "slower", "slower_level"}, w));
  auto emotions = [&](const char* key, std::vector<Emotion>* out) {
    return Strings(t, key, w, true, [&](const std::string&, const toml::node& n) {
      Emotion e{};
      ZX_RETURN_IF_ERROR(EmotionValue(n, w + ": " + key, &e));
      out->push_back(e);
      return Status::Ok();
    });
  };
  ZX_RETURN_IF_ERROR(emotions("shorter", &d_->reply.shorter));
  ZX_RETURN_IF_ERROR(emotions("slower", &d_->reply.slower));
  for (auto [key, out] : {std::pair{"shorter_level", &d_->reply.shorter_level},
                          std::pair{"slower_level", &d_->reply.slower_level}}) {
    const toml::node* n = t.get(key);
    if (!n) return Fail(t, w + ": " + key + " is missing");
    ZX_RETURN_IF_ERROR(LevelValue(*n, w + ": " + key, out));
  }
  return Status::Ok();
}

Status EmotionParser::ReadTones(const toml::node& n) {
  const toml::array* a = n.as_array();
  if (!a) return Fail(n, "tone must be an array of tables ([[tone]])");
  std::map<std::pair<int, int>, int> seen;  // (emotion, level) -> line
  for (const auto& item : *a) {
    const toml::table* t = item.as_table();
    if (!t) return Fail(item, "tone must be an array of tables ([[tone]])");
    const std::string w = "[[tone]]";
    ZX_RETURN_IF_ERROR(OnlyKeys(*t, {"emotion", "level", "prefix"}, w));
    ToneRule r;
    const toml::node* e = t->get("emotion");
    if (!e) return Fail(*t, w + ": emotion is missing");
    ZX_RETURN_IF_ERROR(EmotionValue(*e, w + ": emotion", &r.emotion));
    const toml::node* l = t->get("level");
    if (!l) return Fail(*t, w + ": level is missing");
    ZX_RETURN_IF_ERROR(LevelValue(*l, w + ": level", &r.min_level));
    ZX_RETURN_IF_ERROR(String(*t, "prefix", w, &r.prefix));
    const auto key = std::pair{static_cast<int>(r.emotion), static_cast<int>(r.min_level)};
    if (auto it = seen.find(key); it != seen.end())
      return Fail(*t, w + ": " + std::string(EmotionName(r.emotion)) + " at " +
                          std::string(LevelName(r.min_level)) + " is already defined at line " +
                          std::to_string(it->second));
    seen[key] = Line(*t);
    d_->tones.push_back(std::move(r));
  }
  return Status::Ok();
}

Result<std::shared_ptr<EmotionData>> EmotionParser::Parse(std::string_view text) {
  ZX_ASSIGN_OR_RETURN(auto doc_r, ParseDoc(text));
  const toml::table& doc = doc_r;
  d_ = std::make_shared<EmotionData>();
  ZX_RETURN_IF_ERROR(OnlyKeys(doc,
                              {"scoring", "negation", "intensifiers", "suffixes", "contact",
                               "neutral", "lexicon", "reply", "tone"},
                              "file"));

  ZX_ASSIGN_OR_RETURN(auto scoring, Table(doc, "scoring", true));
  ZX_RETURN_IF_ERROR(ReadScoring(*scoring));

  ZX_ASSIGN_OR_RETURN(auto negation, Table(doc, "negation", true));
  ZX_RETURN_IF_ERROR(ReadNegation(*negation));

  ZX_ASSIGN_OR_RETURN(auto intens, Table(doc, "intensifiers", true));
  for (const auto& [k, v] : *intens) {
    Entry e{Kind::kIntensifier};
    ZX_RETURN_IF_ERROR(
        NumberValue(v, "intensifier '" + std::string(k.str()) + "'", -5, 5, &e.value));
    ZX_RETURN_IF_ERROR(AddPhrase(std::string(k.str()), v, "intensifier", e));
  }

  ZX_ASSIGN_OR_RETURN(auto suffixes, Table(doc, "suffixes", true));
  for (const auto& [k, v] : *suffixes) {
    const std::string s(k.str());
    double value = 0;
    ZX_RETURN_IF_ERROR(NumberValue(v, "suffix '" + s + "'", 0, 5, &value));
    ZX_ASSIGN_OR_RETURN(auto u, Phrase(s, v, "suffix"));
    if (d_->suffixes.Add(u, static_cast<int>(d_->suffix_values.size())) >= 0)
      return Fail(v, "suffix '" + s + "' is listed twice");
    d_->suffix_values.push_back(value);
  }

  ZX_ASSIGN_OR_RETURN(auto contact, Table(doc, "contact", true));
  {
    const toml::table& c = *contact;
    ZX_RETURN_IF_ERROR(OnlyKeys(c, {"adds", "phrases"}, "[contact]"));
    const toml::node* adds = c.get("adds");
    if (!adds || !adds->is_table())
      return Fail(adds ? *adds : static_cast<const toml::node&>(c),
                  "[contact]: adds must be a table of emotion = strength");
    for (const auto& [k, v] : *adds->as_table()) {
      const auto e = EmotionFromName(k.str());
      if (!e) return Fail(v, "[contact]: adds: unknown emotion '" + std::string(k.str()) + "'");
      ZX_RETURN_IF_ERROR(
          NumberValue(v, "[contact]: adds", 0, 5, &d_->contact_adds[static_cast<int>(*e)]));
    }
    ZX_RETURN_IF_ERROR(
        Strings(c, "phrases", "[contact]", true, [&](const std::string& s, const toml::node& n) {
          return AddPhrase(s, n, "contact phrase", {Kind::kContact});
        }));
  }

  ZX_ASSIGN_OR_RETURN(auto neutral, Table(doc, "neutral", false));
  if (neutral) {
    ZX_RETURN_IF_ERROR(OnlyKeys(*neutral, {"words"}, "[neutral]"));
    ZX_RETURN_IF_ERROR(Strings(*neutral, "words", "[neutral]", true,
                               [&](const std::string& s, const toml::node& n) {
                                 return AddPhrase(s, n, "neutral word", {Kind::kNeutral});
                               }));
  }

  ZX_ASSIGN_OR_RETURN(auto lexicon, Table(doc, "lexicon", true));
  for (const auto& [name, node] : *lexicon) {
    const auto emotion = EmotionFromName(name.str());
    if (!emotion)
      return Fail(node, "[lexicon]: unknown emotion '" + std::string(name.str()) +
                            "' (one of 生气 愤怒 失望 焦虑 悲伤 恐慌 满意)");
    const toml::table* words = node.as_table();
    if (!words) return Fail(node, "[lexicon]: " + std::string(name.str()) + " must be a table");
    for (const auto& [k, v] : *words) {
      Entry e{Kind::kCue, *emotion};
      const std::string phrase(k.str());
      ZX_RETURN_IF_ERROR(NumberValue(v, "cue '" + phrase + "'", 0.1, 10, &e.value));
      ZX_RETURN_IF_ERROR(AddPhrase(phrase, v, "cue", e));
      ++d_->lexicon_size;
    }
  }
  if (d_->lexicon_size == 0) return Fail(*lexicon, "[lexicon]: no cues");

  ZX_ASSIGN_OR_RETURN(auto reply, Table(doc, "reply", true));
  ZX_RETURN_IF_ERROR(ReadReply(*reply));
  if (const toml::node* tone = doc.get("tone")) ZX_RETURN_IF_ERROR(ReadTones(*tone));
  return d_;
}

// A modifier waiting for its cue, in the current clause.
struct Pending {
  bool negator = false;
  double value = 0;  // intensifier
  int plain_at = 0;  // plain characters seen in the clause when it ended
};

}  // namespace

Result<EmotionDetector> EmotionDetector::Parse(std::string_view toml_text,
                                               const std::string& origin) {
  EmotionParser p(origin);
  ZX_ASSIGN_OR_RETURN(auto d, p.Parse(toml_text));
  return EmotionDetector(std::move(d));
}

Result<EmotionDetector> EmotionDetector::Load(const std::string& path) {
  ZX_ASSIGN_OR_RETURN(auto text, ReadFile(path));
  return Parse(text, OriginOf(path));
}

const std::vector<ToneRule>& EmotionDetector::tone_rules() const { return data_->tones; }
const ReplyPolicy& EmotionDetector::reply_policy() const { return data_->reply; }
size_t EmotionDetector::lexicon_size() const { return data_->lexicon_size; }

Level EmotionDetector::LevelOf(double score) const {
  if (score >= data_->high) return Level::kHigh;
  if (score >= data_->medium) return Level::kMedium;
  if (score >= data_->low) return Level::kLow;
  return Level::kNone;
}

EmotionResult EmotionDetector::Detect(std::string_view utterance,
                                      std::span<const EmotionLabel> history) const {
  const EmotionData& d = *data_;
  EmotionResult result;
  Codepoints text;
  Decode(utterance, &text);
  const std::vector<char32_t>& s = text.cp;
  const size_t n = s.size();

  std::array<double, kEmotionCount> max{}, sum{};
  auto add = [&](Emotion e, double strength) {
    const int i = static_cast<int>(e);
    max[i] = std::max(max[i], strength);
    sum[i] += strength;
  };

  std::vector<Pending> pending;  // modifiers of the current clause, since the last cue
  int plain = 0;                 // plain characters in the current clause
  int exclamations = 0;
  bool question_cue = false;
  size_t i = 0;
  while (i < n) {
    const char32_t c = s[i];
    if (IsBoundary(c)) {
      if (IsExclamation(c)) ++exclamations;
      if (IsQuestion(c) && !question_cue) {
        size_t j = i;
        while (j < n && IsQuestion(s[j])) ++j;
        if (static_cast<int>(j - i) >= d.question_run) {
          question_cue = true;
          add(d.question_emotion, d.question_strength);
          result.cues.push_back({d.question_emotion, text.off[i], text.off[j], d.question_strength,
                                 false, false, true});
        }
      }
      pending.clear();
      plain = 0;
      ++i;
      continue;
    }
    const PhraseTrie::Match m = d.trie.Longest(s, i);
    if (m.payload < 0) {
      ++plain;
      ++i;
      continue;
    }
    const Entry& e = d.entries[m.payload];
    switch (e.kind) {
      case Kind::kNeutral:
        plain += static_cast<int>(m.end - i);
        i = m.end;
        continue;
      case Kind::kNegator:
        pending.push_back({true, 0, plain});
        i = m.end;
        continue;
      case Kind::kIntensifier:
        pending.push_back({false, e.value, plain});
        i = m.end;
        continue;
      case Kind::kContact:
        for (Emotion em : kAllEmotions) {
          const double a = d.contact_adds[static_cast<int>(em)];
          if (a <= 0) continue;
          add(em, a);
          result.cues.push_back({em, text.off[i], text.off[m.end], a, false, true, false});
        }
        pending.clear();
        i = m.end;
        continue;
      case Kind::kCue:
        break;
    }

    // A cue: which pending modifiers reach it?
    int negations = 0;
    size_t first_neg = pending.size();
    size_t reach = pending.size();  // modifiers [reach, size) apply
    for (size_t k = pending.size(); k-- > 0;) {
      const Pending& p = pending[k];
      const int gap = plain - p.plain_at;
      if (gap > (p.negator ? d.negation_window : d.intensifier_window)) break;
      reach = k;
      if (p.negator) {
        ++negations;
        first_neg = k;
      }
    }
    const bool negated = negations % 2 == 1;
    double boost = 0;
    double soften = 0;
    for (size_t k = reach; k < pending.size(); ++k) {
      if (pending[k].negator) continue;
      if (negated && k > first_neg)
        soften += d.softener;
      else
        boost += pending[k].value;
    }
    boost = std::min(boost, d.max_boost);
    pending.clear();

    CueHit hit{e.emotion, text.off[i], text.off[m.end], 0, negated, false, false};
    size_t next = m.end;
    if (!negated) {
      double strength = e.value + boost;
      // A suffix right after the cue, or sharing its first character with the cue's end.
      for (size_t at : {m.end, m.end - 1}) {
        if (at <= i || at >= n) continue;
        const PhraseTrie::Match sm = d.suffixes.Longest(s, at);
        if (sm.payload >= 0 && sm.end > m.end) {
          strength += d.suffix_values[sm.payload];
          next = sm.end;
          hit.end = text.off[sm.end];
          break;
        }
      }
      // A diminisher lowers a cue but never below 低 ("有点担心" is still 焦虑).
      if (boost < 0) strength = std::max(strength, std::min(e.value, d.low));
      hit.strength = std::max(strength, 0.0);
    } else if (const int to = d.flip[static_cast<int>(e.emotion)]; to >= 0) {
      hit.emotion = static_cast<Emotion>(to);
      const double base = e.value + boost + soften;
      hit.strength = std::max(base, std::min(e.value, d.low));
    }
    if (hit.strength > 0) add(hit.emotion, hit.strength);
    result.cues.push_back(hit);
    i = next;
  }

  // Scores, then bonuses for what is present.
  bool any = false;
  for (int k = 0; k < kEmotionCount; ++k) {
    result.scores[k] = max[k] + d.others * (sum[k] - max[k]);
    any = any || result.scores[k] > 0;
  }
  if (any) {
    double bonus = 0;
    if (exclamations > 0)
      bonus += d.exclamation[std::min<size_t>(exclamations, d.exclamation.size()) - 1];
    // Repetition: a character 3+ times in a row, or a 2-4 character chunk repeated at once.
    bool repeated = false;
    for (size_t a = 0; a < n && !repeated; ++a) {
      if (IsBoundary(s[a]) || s[a] < 0x80) continue;
      size_t run = 1;
      while (a + run < n && s[a + run] == s[a]) ++run;
      if (static_cast<int>(run) >= d.char_run) repeated = true;
      for (size_t len = 2; len <= 4 && !repeated && a + 2 * len <= n; ++len) {
        bool same = true;
        for (size_t q = 0; q < len && same; ++q) {
          const char32_t x = s[a + q];
          same = x == s[a + len + q] && !IsBoundary(x) && x >= 0x80;
        }
        if (same) repeated = true;
      }
    }
    if (repeated) bonus += d.repeat_bonus;
    const EmotionLabel* prev = history.empty() ? nullptr : &history.back();
    for (int k = 0; k < kEmotionCount; ++k) {
      if (result.scores[k] <= 0) continue;
      result.scores[k] += bonus;
      if (prev && prev->level >= Level::kMedium &&
          d.family[static_cast<int>(prev->emotion)] == d.family[k])
        result.scores[k] += d.context_bonus;
    }
  }

  double best = 0;
  for (Emotion e : kTieOrder) {
    const int k = static_cast<int>(e);
    result.levels[k] = LevelOf(result.scores[k]);
    if (result.scores[k] > best) {
      best = result.scores[k];
      result.dominant = {e, result.levels[k]};
    }
  }
  if (best < d.low) result.dominant = {};
  return result;
}

// ---------------------------------------------------------------------------------------------
// Risk data

namespace {

struct RiskEntry {
  int category = -1;  // -1: negator; -2: safe word
  int line = 0;
};

// A danger said in ordinary words: parts in order, each any of its variants, at most `gap`
// characters apart within one clause ("井盖" … "没了" in "井盖也没了").
struct RiskConcept {
  std::string name;
  int category = 0;
  std::vector<std::vector<std::u32string>> parts;  // variants of each part, longest first
  std::vector<std::u32string> unless;  // any of these in the utterance: ordinary business
  std::vector<int> part_ids;           // the WordIndex id of each part (parts[k] -> part_ids[k])
};

// Every word of the concepts (parts, negators, safe words, unless words) in one trie that
// reports all the words starting at a position, so an utterance is read once.
class WordIndex {
 public:
  // Ids: a part's id (>= 0), kNegatorId, kSafeId, or UnlessId(concept).
  static constexpr int kNegatorId = -1;
  static constexpr int kSafeId = -2;
  static int UnlessId(size_t concept_index) { return -3 - static_cast<int>(concept_index); }

  WordIndex() { nodes_.emplace_back(); }
  void Add(const std::u32string& word, int id) {
    int node = 0;
    for (char32_t c : word) {
      const uint64_t key = (static_cast<uint64_t>(node) << 21) ^ static_cast<uint64_t>(c);
      auto it = edges_.find(key);
      if (it == edges_.end()) {
        it = edges_.emplace(key, static_cast<int32_t>(nodes_.size())).first;
        nodes_.emplace_back();
      }
      node = it->second;
    }
    auto& ids = nodes_[node].ids;
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  struct Found {
    int id;
    uint32_t len;
  };
  // Every word starting at s[i], as (id, length).
  void At(const std::vector<char32_t>& s, size_t i, std::vector<Found>* out) const {
    int node = 0;
    for (size_t j = i; j < s.size(); ++j) {
      const uint64_t key = (static_cast<uint64_t>(node) << 21) ^ static_cast<uint64_t>(s[j]);
      auto it = edges_.find(key);
      if (it == edges_.end()) return;
      node = it->second;
      for (int id : nodes_[node].ids) out->push_back({id, static_cast<uint32_t>(j + 1 - i)});
    }
  }

 private:
  struct Node {
    std::vector<int> ids;
  };
  std::vector<Node> nodes_;
  std::unordered_map<uint64_t, int32_t> edges_;
};

}  // namespace

struct RiskData {
  std::vector<RiskCategory> categories;
  int negation_window = 2;
  PhraseTrie trie;
  std::vector<RiskEntry> entries;
  // Concepts (see kb/risks.toml "[concepts]"); matched after the phrases.
  int concept_gap = 6;
  std::vector<RiskConcept> concepts;
  std::vector<std::u32string> negators;      // [negation].words, for concepts
  std::vector<std::u32string> safe;          // [safe].words: no concept part starts inside one
  WordIndex words;                           // all of the above, compiled (BuildWordIndex)
  std::vector<std::pair<int, int>> part_of;  // part id -> (concept, part index)
};

namespace {

constexpr int kRiskNegator = -1;
constexpr int kRiskSafe = -2;

class RiskParser : public TomlReader {
 public:
  using TomlReader::TomlReader;

  Result<std::shared_ptr<RiskData>> Parse(std::string_view text) {
    ZX_ASSIGN_OR_RETURN(auto doc_r, ParseDoc(text));
    const toml::table& doc = doc_r;
    d_ = std::make_shared<RiskData>();
    ZX_RETURN_IF_ERROR(
        OnlyKeys(doc, {"negation", "safe", "category", "concepts", "variants", "concept"}, "file"));

    ZX_ASSIGN_OR_RETURN(auto negation, Table(doc, "negation", true));
    ZX_RETURN_IF_ERROR(OnlyKeys(*negation, {"window", "words"}, "[negation]"));
    ZX_RETURN_IF_ERROR(Int(*negation, "window", "[negation]", 0, 10, &d_->negation_window));
    ZX_RETURN_IF_ERROR(Strings(*negation, "words", "[negation]", true,
                               [&](const std::string& s, const toml::node& n) {
                                 d_->negators.push_back(ToU32(s));
                                 return AddPhrase(s, n, "negator", kRiskNegator);
                               }));

    ZX_ASSIGN_OR_RETURN(auto safe, Table(doc, "safe", false));
    if (safe) {
      ZX_RETURN_IF_ERROR(OnlyKeys(*safe, {"words"}, "[safe]"));
      ZX_RETURN_IF_ERROR(
          Strings(*safe, "words", "[safe]", true, [&](const std::string& s, const toml::node& n) {
            d_->safe.push_back(ToU32(s));
            return AddPhrase(s, n, "safe word", kRiskSafe);
          }));
    }

    const toml::node* cats = doc.get("category");
    if (!cats) return Fail(1, "no [[category]] tables");
    const toml::array* a = cats->as_array();
    if (!a) return Fail(*cats, "category must be an array of tables ([[category]])");
    // Categories first (phrases point at them by index; the vector must not move after).
    std::vector<const toml::table*> tables;
    for (const auto& item : *a) {
      const toml::table* t = item.as_table();
      if (!t) return Fail(item, "category must be an array of tables ([[category]])");
      const std::string w = "[[category]]";
      ZX_RETURN_IF_ERROR(
          OnlyKeys(*t, {"name", "label", "handoff", "priority", "reason", "phrases"}, w));
      RiskCategory c;
      ZX_RETURN_IF_ERROR(String(*t, "name", w, &c.name));
      const std::string cw = "category '" + c.name + "'";
      for (const auto& prior : d_->categories)
        if (prior.name == c.name) return Fail(*t, cw + " is defined twice");
      ZX_RETURN_IF_ERROR(String(*t, "label", cw, &c.label));
      ZX_RETURN_IF_ERROR(String(*t, "reason", cw, &c.reason));
      ZX_RETURN_IF_ERROR(Bool(*t, "handoff", cw, &c.handoff));
      ZX_RETURN_IF_ERROR(Int(*t, "priority", cw, 0, 1000, &c.priority));
      d_->categories.push_back(std::move(c));
      tables.push_back(t);
    }
    for (size_t k = 0; k < tables.size(); ++k) {
      const std::string cw = "category '" + d_->categories[k].name + "'";
      size_t count = 0;
      ZX_RETURN_IF_ERROR(
          Strings(*tables[k], "phrases", cw, true, [&](const std::string& s, const toml::node& n) {
            ++count;
            return AddPhrase(s, n, "risk phrase", static_cast<int>(k));
          }));
      if (count == 0) return Fail(*tables[k], cw + ": phrases is empty");
    }
    ZX_RETURN_IF_ERROR(ParseConcepts(doc));
    BuildWordIndex();
    return d_;
  }

 private:
  Status AddPhrase(const std::string& text, const toml::node& n, const std::string& what,
                   int category) {
    ZX_ASSIGN_OR_RETURN(auto u, Phrase(text, n, what));
    const int prior = d_->trie.Add(u, static_cast<int>(d_->entries.size()));
    if (prior >= 0) return Duplicate(text, what, Line(n), d_->entries[prior].line);
    d_->entries.push_back({category, Line(n)});
    return Status::Ok();
  }

  // [concepts] gap, [variants] named word groups and the [[concept]] tables.
  Status ParseConcepts(const toml::table& doc) {
    ZX_ASSIGN_OR_RETURN(auto settings, Table(doc, "concepts", false));
    if (settings) {
      ZX_RETURN_IF_ERROR(OnlyKeys(*settings, {"gap"}, "[concepts]"));
      ZX_RETURN_IF_ERROR(Int(*settings, "gap", "[concepts]", 0, 20, &d_->concept_gap));
    }
    std::map<std::string, std::vector<std::u32string>> groups;
    ZX_ASSIGN_OR_RETURN(auto variants, Table(doc, "variants", false));
    if (variants)
      for (const auto& entry : *variants) {
        // Named, not structured bindings: the lambda below captures the node (clang 14).
        const std::string name(entry.first.str());
        const toml::node& v = entry.second;
        const std::string w = "[variants] " + name;
        toml::table one;
        one.insert(name, v);
        ZX_RETURN_IF_ERROR(Strings(one, name.c_str(), w, true,
                                   [&](const std::string& s, const toml::node&) -> Status {
                                     ZX_ASSIGN_OR_RETURN(auto u, Phrase(s, v, w + " word"));
                                     groups[name].push_back(std::move(u));
                                     return Status::Ok();
                                   }));
      }
    const toml::node* list = doc.get("concept");
    if (!list) return Status::Ok();
    const toml::array* a = list->as_array();
    if (!a) return Fail(*list, "concept must be an array of tables ([[concept]])");
    for (const auto& item : *a) {
      const toml::table* t = item.as_table();
      if (!t) return Fail(item, "concept must be an array of tables ([[concept]])");
      ZX_RETURN_IF_ERROR(OnlyKeys(*t, {"name", "category", "parts", "unless"}, "[[concept]]"));
      RiskConcept c;
      ZX_RETURN_IF_ERROR(String(*t, "name", "[[concept]]", &c.name));
      const std::string cw = "concept '" + c.name + "'";
      std::string category;
      ZX_RETURN_IF_ERROR(String(*t, "category", cw, &category));
      c.category = -1;
      for (size_t k = 0; k < d_->categories.size(); ++k)
        if (d_->categories[k].name == category) c.category = static_cast<int>(k);
      if (c.category < 0) return Fail(*t, cw + ": unknown category '" + category + "'");
      const toml::node* parts = t->get("parts");
      const toml::array* pa = parts ? parts->as_array() : nullptr;
      if (!pa || pa->empty())
        return Fail(parts ? *parts : static_cast<const toml::node&>(*t),
                    cw + ": parts must be a non-empty array of word lists");
      for (const auto& part : *pa) {
        const toml::array* words = part.as_array();
        if (!words || words->empty())
          return Fail(part, cw + ": each part must be a non-empty array of words");
        std::vector<std::u32string> v;
        for (const auto& w : *words) {
          const std::string* s = w.is_string() ? &w.as_string()->get() : nullptr;
          if (!s || s->empty()) return Fail(w, cw + ": a part holds non-empty strings");
          if ((*s)[0] == '@') {
            auto g = groups.find(s->substr(1));
            if (g == groups.end()) return Fail(w, cw + ": no [variants] group '" + *s + "'");
            v.insert(v.end(), g->second.begin(), g->second.end());
          } else {
            ZX_ASSIGN_OR_RETURN(auto u, Phrase(*s, w, cw + " word"));
            v.push_back(std::move(u));
          }
        }
        // Longest first, so a part covers as much as it can ("没有了" before "没").
        std::stable_sort(v.begin(), v.end(),
                         [](const auto& x, const auto& y) { return x.size() > y.size(); });
        c.parts.push_back(std::move(v));
      }
      ZX_RETURN_IF_ERROR(Strings(*t, "unless", cw, false,
                                 [&](const std::string& s, const toml::node& n) -> Status {
                                   ZX_ASSIGN_OR_RETURN(auto u, Phrase(s, n, cw + " unless word"));
                                   c.unless.push_back(std::move(u));
                                   return Status::Ok();
                                 }));
      d_->concepts.push_back(std::move(c));
    }
    return Status::Ok();
  }

  void BuildWordIndex() {
    for (const auto& n : d_->negators) d_->words.Add(n, WordIndex::kNegatorId);
    for (const auto& w : d_->safe) d_->words.Add(w, WordIndex::kSafeId);
    for (size_t c = 0; c < d_->concepts.size(); ++c) {
      RiskConcept& concept_ = d_->concepts[c];
      for (const auto& w : concept_.unless) d_->words.Add(w, WordIndex::UnlessId(c));
      for (size_t p = 0; p < concept_.parts.size(); ++p) {
        const int id = static_cast<int>(d_->part_of.size());
        d_->part_of.emplace_back(static_cast<int>(c), static_cast<int>(p));
        concept_.part_ids.push_back(id);
        for (const auto& w : concept_.parts[p]) d_->words.Add(w, id);
      }
    }
  }

  std::shared_ptr<RiskData> d_;
};

// Concept hits of one utterance: each concept's parts in order, at most d.concept_gap
// characters apart, inside one clause, not starting inside a safe word. Negated when a negator
// ends at most d.negation_window characters before the first part, or stands in the gap just
// before a later part ("没有人受伤", "井盖没有丢"). A hit overlapping an earlier one is dropped.
void DetectConcepts(const RiskData& d, std::string_view utterance, const Codepoints& text,
                    std::vector<RiskHit>* hits) {
  const std::vector<char32_t>& s = text.cp;
  const size_t n = s.size();
  // One pass: the words starting at each position.
  std::vector<std::vector<WordIndex::Found>> at(n);
  std::vector<bool> safe(n, false), boundary(n, false);
  std::vector<bool> ordinary(d.concepts.size(), false);
  for (size_t i = 0; i < n; ++i) {
    boundary[i] = IsBoundary(s[i]);
    if (!boundary[i]) d.words.At(s, i, &at[i]);
    for (const auto& f : at[i]) {
      if (f.id == WordIndex::kSafeId)
        for (size_t k = i; k < i + f.len; ++k) safe[k] = true;
      else if (f.id <= WordIndex::UnlessId(0))
        ordinary[static_cast<size_t>(WordIndex::UnlessId(0) - f.id)] = true;
    }
  }
  // Longest word of part `id` at i, 0 when none (or inside a safe word).
  auto part_at = [&](size_t i, int id) -> size_t {
    if (i >= n || safe[i]) return 0;
    size_t best = 0;
    for (const auto& f : at[i])
      if (f.id == id) best = std::max<size_t>(best, f.len);
    return best;
  };
  // A negator (not inside a safe word) starting at or after `floor`, ending in [from, to].
  auto negator_ending_in = [&](size_t floor, size_t from, size_t to) {
    for (size_t b = floor; b < to; ++b) {
      if (safe[b]) continue;
      for (const auto& f : at[b])
        if (f.id == WordIndex::kNegatorId && b + f.len >= from && b + f.len <= to) return true;
    }
    return false;
  };
  auto overlaps = [&](size_t b, size_t e) {
    for (const RiskHit& h : *hits)
      if (h.begin < text.off[e] && text.off[b] < h.end) return true;
    return false;
  };
  const size_t window = static_cast<size_t>(d.negation_window);
  const size_t gap = static_cast<size_t>(d.concept_gap);
  size_t clause = 0;
  std::vector<size_t> done_until(d.concepts.size(), 0);  // one hit per concept and stretch
  for (size_t i = 0; i < n; ++i) {
    if (boundary[i]) {
      clause = i + 1;
      continue;
    }
    if (safe[i]) continue;
    for (const auto& f : at[i]) {
      if (f.id < 0) continue;
      const auto [ci, pi] = d.part_of[static_cast<size_t>(f.id)];
      if (pi != 0 || ordinary[static_cast<size_t>(ci)] || i < done_until[static_cast<size_t>(ci)])
        continue;
      const RiskConcept& c = d.concepts[static_cast<size_t>(ci)];
      const size_t len = part_at(i, c.part_ids[0]);
      if (len != f.len) continue;  // the longest word of the first part, once
      bool negated = negator_ending_in(clause, i >= window + clause ? i - window : clause, i);
      size_t end = i + len;
      bool all = true;
      for (size_t p = 1; all && p < c.parts.size(); ++p) {
        all = false;
        for (size_t j = end; j <= end + gap && j < n && !boundary[j]; ++j) {
          const size_t l = part_at(j, c.part_ids[p]);
          if (l == 0) continue;
          negated = negated || negator_ending_in(end, j >= end + window ? j - window : end, j);
          end = j + l;
          all = true;
          break;
        }
      }
      if (!all) continue;
      done_until[static_cast<size_t>(ci)] = end;
      if (overlaps(i, end)) continue;
      RiskHit h;
      h.category = &d.categories[static_cast<size_t>(c.category)];
      h.begin = text.off[i];
      h.end = text.off[end];
      h.phrase = std::string(utterance.substr(h.begin, h.end - h.begin));
      h.negated = negated;
      hits->push_back(std::move(h));
    }
  }
  std::stable_sort(hits->begin(), hits->end(),
                   [](const RiskHit& x, const RiskHit& y) { return x.begin < y.begin; });
}

}  // namespace

Result<RiskDetector> RiskDetector::Parse(std::string_view toml_text, const std::string& origin) {
  RiskParser p(origin);
  ZX_ASSIGN_OR_RETURN(auto d, p.Parse(toml_text));
  return RiskDetector(std::move(d));
}

Result<RiskDetector> RiskDetector::Load(const std::string& path) {
  ZX_ASSIGN_OR_RETURN(auto text, ReadFile(path));
  return Parse(text, OriginOf(path));
}

const std::vector<RiskCategory>& RiskDetector::categories() const { return data_->categories; }

const RiskCategory* RiskDetector::Find(std::string_view name) const {
  for (const auto& c : data_->categories)
    if (c.name == name) return &c;
  return nullptr;
}

std::vector<RiskHit> RiskDetector::Detect(std::string_view utterance) const {
  const RiskData& d = *data_;
  std::vector<RiskHit> hits;
  Codepoints text;
  Decode(utterance, &text);
  const std::vector<char32_t>& s = text.cp;
  int plain = 0;
  int negator_plain_at = -1;  // plain count after the last negator of the clause, -1 for none
  size_t i = 0;
  while (i < s.size()) {
    if (IsBoundary(s[i])) {
      plain = 0;
      negator_plain_at = -1;
      ++i;
      continue;
    }
    const PhraseTrie::Match m = d.trie.Longest(s, i);
    if (m.payload < 0) {
      ++plain;
      ++i;
      continue;
    }
    const RiskEntry& e = d.entries[m.payload];
    if (e.category == kRiskNegator) {
      negator_plain_at = plain;
    } else if (e.category == kRiskSafe) {
      plain += static_cast<int>(m.end - i);
    } else {
      RiskHit h;
      h.category = &d.categories[e.category];
      h.begin = text.off[i];
      h.end = text.off[m.end];
      h.phrase = std::string(utterance.substr(h.begin, h.end - h.begin));
      h.negated = negator_plain_at >= 0 && plain - negator_plain_at <= d.negation_window;
      hits.push_back(std::move(h));
      negator_plain_at = -1;
    }
    i = m.end;
  }
  DetectConcepts(d, utterance, text, &hits);
  return hits;
}

}  // namespace zx::dialogue
