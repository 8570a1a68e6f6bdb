// Segmenter over friso (mmseg, complex mode).
//
// Lexicon: friso's own (from friso.ini, ~182k CJK words), then every word of the jieba
// dictionary made only of Han characters and no longer than friso's max_len (5 characters with
// the Debian ini: ~218k words added; longer jieba entries could never match), then the domain
// words. The whole load takes ~0.25 s on the reference machine, so no frequency threshold is
// applied. Domain words longer than max_len raise max_len (up to kMaxWordChars) so they stay
// whole.
//
// friso facts this relies on (friso 1.6.4 source): friso_dic_add keeps the word pointer and
// friso_dic_free() frees it, so words are strdup'ed; re-adding a word leaks the old entry, so
// words are checked first; a word whose first character is not itself in the lexicon is never
// matched, so that character is added; the dictionary and config are only read while
// segmenting and a task holds all per-call state, so Segment uses one task per call (libfriso
// 1.6.4 has no mutable globals: its .bss is the C runtime's one byte; older releases built a
// static punctuation table lazily, which the warm-up call in Create covers).
#include "text/segmenter.h"

#include "base/file.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>

#include <unicode/uchar.h>

#include "base/log.h"
#include "text/normalizer.h"
#include "text/utf8.h"

// friso's C headers define function-like macros with common names; include them last.
extern "C" {
#include <friso/friso.h>
}
#undef print
#undef println

namespace zx::text {
namespace {

using utf8::Decode;
using utf8::IsHan;

constexpr unsigned kMaxWordChars = 10;  // friso's token buffer holds 63 bytes

bool AllHan(std::string_view w, size_t* chars) {
  const auto t = Decode(w);
  *chars = t.size();
  for (char32_t c : t.cp) {
    if (!IsHan(c)) return false;
  }
  return !t.cp.empty();
}

// The lexicon directory named in friso.ini, or "" when the key is missing.
std::string LexDir(const std::string& ini_path) {
  auto text = ReadFile(ini_path);
  if (!text.ok()) return "";
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    if (key != "friso.lex_dir") continue;
    std::string value = line.substr(eq + 1);
    const auto b = value.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    value = value.substr(b);
    const auto e = value.find_first_of(" \t\r");
    if (e != std::string::npos) value.resize(e);
    if (!value.empty() && value[0] != '/') {
      value = (std::filesystem::path(ini_path).parent_path() / value).string();
    }
    return value;
  }
  return "";
}

class SegmenterImpl : public Segmenter {
 public:
  SegmenterImpl() = default;
  SegmenterImpl(const SegmenterImpl&) = delete;
  SegmenterImpl& operator=(const SegmenterImpl&) = delete;
  ~SegmenterImpl() override {
    if (config_ != nullptr) friso_free_config(config_);
    if (friso_ != nullptr) friso_free(friso_);
  }

  Status Init(const SegmenterOptions& options) {
    const auto start = std::chrono::steady_clock::now();
    std::error_code ec;
    if (options.friso_ini.empty() || !std::filesystem::is_regular_file(options.friso_ini, ec)) {
      return NotFound("segmenter: friso configuration '" + options.friso_ini +
                      "' not found (install libfriso-dev and friso-dict, or set friso_ini)");
    }
    const std::string lex_dir = LexDir(options.friso_ini);
    if (lex_dir.empty()) {
      return FailedPrecondition("segmenter: " + options.friso_ini + " has no friso.lex_dir");
    }
    if (!std::filesystem::is_regular_file(std::filesystem::path(lex_dir) / "friso.lex.ini", ec)) {
      return FailedPrecondition("segmenter: friso.lex_dir '" + lex_dir + "' (from " +
                                options.friso_ini + ") has no friso.lex.ini (install friso-dict)");
    }
    friso_ = friso_new();
    config_ = friso_new_config();
    if (friso_ == nullptr || config_ == nullptr) return Internal("segmenter: out of memory");
    std::string ini = options.friso_ini;
    if (friso_init_from_ifile(friso_, config_, ini.data()) != 1 || friso_->dic == nullptr) {
      return FailedPrecondition("segmenter: friso could not load " + options.friso_ini);
    }
    if (friso_spec_dic_size(friso_->dic, __LEX_CJK_WORDS__) == 0) {
      return FailedPrecondition("segmenter: friso lexicon in '" + lex_dir + "' is empty");
    }
    friso_set_mode(config_, __FRISO_COMPLEX_MODE__);
    config_->add_syn = 0;    // no synonym tokens
    config_->clr_stw = 0;    // keep stop words: callers decide
    config_->keep_urec = 1;  // keep unknown characters (rare Han); Segment filters symbols
    config_->spx_out = 0;
    const unsigned base_len = config_->max_len;

    size_t jieba_added = 0;
    if (!options.jieba_dict.empty()) {
      auto read = ReadFile(options.jieba_dict);
      if (!read.ok()) {
        log::Warn("segmenter_jieba_missing path={} (continuing with friso's lexicon)",
                  options.jieba_dict);
      } else {
        const std::string& data = *read;
        size_t pos = 0;
        while (pos < data.size()) {
          size_t eol = data.find('\n', pos);
          if (eol == std::string::npos) eol = data.size();
          std::string_view line(data.data() + pos, eol - pos);
          pos = eol + 1;
          const size_t sp = line.find(' ');
          const std::string_view word = line.substr(0, sp);
          unsigned freq = 0;
          if (sp != std::string_view::npos) {
            freq = static_cast<unsigned>(
                std::strtoul(std::string(line.substr(sp + 1)).c_str(), nullptr, 10));
          }
          size_t chars = 0;
          if (!AllHan(word, &chars) || chars > base_len) continue;
          if (AddWord(__LEX_CJK_WORDS__, word, freq)) ++jieba_added;
        }
      }
    }

    size_t extra_added = 0;
    for (const std::string& raw : options.extra_words) {
      std::string w = SanitizeUtf8(raw);
      for (char& ch : w) {
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
      }
      const auto t = Decode(w);
      if (t.size() == 0 || t.size() > kMaxWordChars || w.size() >= 60) continue;
      bool has_han = false, has_ascii = false, other = false;
      for (char32_t c : t.cp) {
        if (IsHan(c)) {
          has_han = true;
        } else if (c < 0x80 && c > ' ') {
          has_ascii = true;
        } else {
          other = true;
        }
      }
      if (other || !has_han) continue;  // pure ASCII words are tokens already
      if (!has_ascii) {
        if (AddWord(__LEX_CJK_WORDS__, w, 0)) ++extra_added;
        if (t.size() > config_->max_len) config_->max_len = static_cast<ushort_t>(t.size());
      } else if (t.cp[0] < 0x80) {
        if (AddWord(__LEX_ECM_WORDS__, w, 0)) ++extra_added;  // "b超", "12345热线"
      } else {
        if (AddWord(__LEX_CEM_WORDS__, w, 0)) ++extra_added;  // "卡拉ok"
      }
    }

    Segment("warm up: a.b c++ 1.5万 3年7个月 社保abc");  // builds friso's lazy statics
    load_ms_ =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    log::Info("segmenter_loaded cjk_words={} jieba_added={} extra_added={} max_len={} ms={:.0f}",
              friso_spec_dic_size(friso_->dic, __LEX_CJK_WORDS__), jieba_added, extra_added,
              config_->max_len, load_ms_);
    return Status::Ok();
  }

  std::vector<std::string> Segment(std::string_view normalized) const override {
    std::vector<std::string> out;
    if (normalized.empty()) return out;
    std::string text = SanitizeUtf8(normalized);  // friso trusts lead bytes
    for (char& ch : text) {
      if (ch == '\0' || ch == '\t' || ch == '\n' || ch == '\r') ch = ' ';
    }
    friso_task_t task = friso_new_task();
    if (task == nullptr) return out;
    friso_set_text(task, text.data());
    while (friso_token_t tok = config_->next_token(friso_, config_, task)) {
      Emit(tok->word, tok->type, &out);
    }
    friso_free_task(task);
    return out;
  }

 private:
  // Adds `word` unless present; returns whether it was added.
  bool AddWord(friso_lex_t type, std::string_view word, unsigned freq) {
    std::string w(word);
    if (friso_dic_match(friso_->dic, type, w.data())) return false;
    if (type == __LEX_CJK_WORDS__) {
      size_t first = 1;
      utf8::DecodeAt(w, 0, &first);
      std::string head = w.substr(0, first);
      if (head.size() < w.size() && !friso_dic_match(friso_->dic, __LEX_CJK_WORDS__, head.data())) {
        friso_dic_add_with_fre(friso_->dic, __LEX_CJK_WORDS__, strdup(head.c_str()), nullptr, 1);
      }
    }
    friso_dic_add_with_fre(friso_->dic, type, strdup(w.c_str()), nullptr, freq);
    return true;
  }

  static bool IsWordChar(char32_t c) {
    if (c < 0x80) return utf8::IsAsciiDigit(c) || utf8::IsAsciiAlpha(c);
    return IsHan(c) || u_isalnum(static_cast<UChar32>(c));
  }

  // Keeps tokens with a letter, digit or Han character; splits "5000元" into "5000", "元".
  static void Emit(const char* raw, int type, std::vector<std::string>* out) {
    std::string word(raw);
    for (char& ch : word) {
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    }
    const auto t = Decode(word);
    bool keep = false;
    for (char32_t c : t.cp) keep = keep || IsWordChar(c);
    if (!keep) return;
    if (type == __LEX_OTHER_WORDS__ && t.size() > 1 && t.cp[0] < 0x80 && t.cp.back() >= 0x80) {
      size_t k = 0;
      while (k < t.size() && t.cp[k] < 0x80) ++k;
      out->push_back(word.substr(0, t.offset[k]));
      std::string rest = word.substr(t.offset[k]);
      const auto r = Decode(rest);
      bool rest_keep = false;
      for (char32_t c : r.cp) rest_keep = rest_keep || IsWordChar(c);
      if (rest_keep) out->push_back(std::move(rest));
      return;
    }
    out->push_back(std::move(word));
  }

  friso_t friso_ = nullptr;
  friso_config_t config_ = nullptr;
  double load_ms_ = 0;
};

}  // namespace

Result<std::unique_ptr<Segmenter>> Segmenter::Create(const SegmenterOptions& options) {
  auto seg = std::make_unique<SegmenterImpl>();
  ZX_RETURN_IF_ERROR(seg->Init(options));
  return std::unique_ptr<Segmenter>(std::move(seg));
}

std::vector<std::string> ReadJiebaWords(const std::string& path) {
  std::vector<std::string> words;
  auto text = ReadFile(path);
  if (!text.ok()) return words;  // the list is optional
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    auto space = line.find(' ');
    if (space != 0) words.push_back(line.substr(0, space));
  }
  return words;
}

}  // namespace zx::text
