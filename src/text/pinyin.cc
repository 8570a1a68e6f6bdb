// Pinyin via ICU "Han-Latin; Latin-ASCII", cached per character, and the homophone corrector.
//
// The cache: one lock-free slot per code point of U+3400..U+9FFF (filled on first use under a
// mutex, then read with an acquire load), a mutex-guarded map for the other Han planes. ICU's
// transliterator is created once per process, on first need (about 0.1 s), and only used under
// the mutex. Toneless syllables are interned to small ids; ü folds to u (lü = lu), which is what
// a recogniser's confusions need.
#include "text/pinyin.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <unicode/translit.h>
#include <unicode/unistr.h>

#include "text/utf8.h"

namespace zx::text {
namespace {

using utf8::CodePoints;
using utf8::Decode;
using utf8::IsHan;

constexpr uint16_t kUnknown = 0;        // not looked up yet
constexpr uint16_t kNoReading = 1;      // not Han, or ICU has no reading
constexpr size_t kMaxSyllables = 1023;  // ids fit in 10 bits (about 410 toneless syllables exist)

class PinyinTable {
 public:
  static PinyinTable& Get() {
    static PinyinTable* table = new PinyinTable();  // never destroyed: used until exit
    return *table;
  }

  // OK once the transliterator exists; creates it on first call.
  Status Ready() {
    std::lock_guard<std::mutex> lock(mu_);
    return EnsureTransliteratorLocked();
  }

  uint16_t Syllable(char32_t c) {
    if (c >= kBase && c < kBase + kBasicSize) {
      const uint16_t v = basic_[c - kBase].load(std::memory_order_acquire);
      if (v != kUnknown) return v;
      std::lock_guard<std::mutex> lock(mu_);
      uint16_t id = basic_[c - kBase].load(std::memory_order_relaxed);
      if (id == kUnknown) {
        id = ComputeLocked(c);
        basic_[c - kBase].store(id, std::memory_order_release);
      }
      return id;
    }
    if (!IsHan(c)) return kNoReading;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = other_.find(c);
    if (it != other_.end()) return it->second;
    const uint16_t id = ComputeLocked(c);
    other_.emplace(c, id);
    return id;
  }

  // Valid for any id returned by Syllable (names are written before their id is published).
  const std::string& Name(uint16_t id) const { return names_[id]; }

 private:
  static constexpr char32_t kBase = 0x3400;
  static constexpr size_t kBasicSize = 0xA000 - 0x3400;

  PinyinTable()
      : basic_(new std::atomic<uint16_t>[kBasicSize]), names_(new std::string[kMaxSyllables + 1]) {
    for (size_t i = 0; i < kBasicSize; ++i) basic_[i].store(kUnknown, std::memory_order_relaxed);
    next_id_ = 2;
  }

  Status EnsureTransliteratorLocked() {
    if (translit_) return Status::Ok();
    if (failed_)
      return Internal("pinyin: ICU transliterator \"Han-Latin; Latin-ASCII\" unavailable");
    UErrorCode status = U_ZERO_ERROR;
    translit_.reset(
        icu::Transliterator::createInstance("Han-Latin; Latin-ASCII", UTRANS_FORWARD, status));
    if (U_FAILURE(status) || !translit_) {
      translit_.reset();
      failed_ = true;
      return Internal(std::string("pinyin: cannot create ICU transliterator \"Han-Latin; "
                                  "Latin-ASCII\": ") +
                      u_errorName(status) + " (is libicu72 with its data installed?)");
    }
    return Status::Ok();
  }

  uint16_t ComputeLocked(char32_t c) {
    if (!IsHan(c) || !EnsureTransliteratorLocked().ok()) return kNoReading;
    icu::UnicodeString u(static_cast<UChar32>(c));
    translit_->transliterate(u);
    std::string utf8;
    u.toUTF8String(utf8);
    std::string syllable;
    for (char ch : utf8) {
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
      if (ch >= 'a' && ch <= 'z') syllable.push_back(ch);
    }
    if (syllable.empty()) return kNoReading;
    auto it = ids_.find(syllable);
    if (it != ids_.end()) return it->second;
    if (next_id_ > kMaxSyllables) return kNoReading;
    const uint16_t id = next_id_++;
    names_[id] = syllable;
    ids_.emplace(std::move(syllable), id);
    return id;
  }

  std::unique_ptr<std::atomic<uint16_t>[]> basic_;
  std::unique_ptr<std::string[]> names_;
  std::mutex mu_;
  std::unique_ptr<icu::Transliterator> translit_;  // guarded by mu_
  bool failed_ = false;                            // guarded by mu_
  std::unordered_map<char32_t, uint16_t> other_;   // guarded by mu_
  std::unordered_map<std::string, uint16_t> ids_;  // guarded by mu_
  uint16_t next_id_ = 2;                           // guarded by mu_
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using StringSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

// Up to six 10-bit syllable ids and the length, in one integer.
uint64_t PackKey(const uint16_t* ids, size_t len) {
  uint64_t key = len;
  for (size_t k = 0; k < len; ++k) key = (key << 10) | ids[k];
  return key;
}

constexpr size_t kMinWindow = 2;
constexpr size_t kMaxWindow = 6;

class HomophoneCorrectorImpl : public HomophoneCorrector {
 public:
  struct Target {
    std::string word;
    int count = 0;  // domain words sharing this pinyin; only a unique one is used
  };

  HomophoneCorrectorImpl(std::unordered_map<uint64_t, Target> by_key, StringSet domain,
                         StringSet known, size_t max_len, size_t lock_len)
      : by_key_(std::move(by_key)),
        domain_(std::move(domain)),
        known_(std::move(known)),
        max_len_(max_len),
        lock_len_(lock_len) {}

  std::string Correct(std::string_view normalized) const override {
    if (by_key_.empty() || normalized.empty()) return std::string(normalized);
    const CodePoints t = Decode(normalized);
    const size_t n = t.size();
    PinyinTable& table = PinyinTable::Get();
    std::vector<uint16_t> ids(n, kNoReading);
    std::vector<char> han(n, 0), locked(n, 0);
    for (size_t i = 0; i < n; ++i) {
      if (IsHan(t.cp[i])) {
        han[i] = 1;
        ids[i] = table.Syllable(t.cp[i]);
      }
    }
    auto span = [&](size_t i, size_t len) {
      return normalized.substr(t.offset[i], t.offset[i + len] - t.offset[i]);
    };
    auto all_han = [&](size_t i, size_t len) {
      for (size_t k = i; k < i + len; ++k) {
        if (!han[k] || ids[k] == kNoReading) return false;
      }
      return true;
    };
    // Domain words already written right are never touched, nor is anything overlapping them.
    for (size_t i = 0; i < n; ++i) {
      for (size_t len = kMinWindow; len <= lock_len_ && i + len <= n; ++len) {
        if (domain_.contains(span(i, len))) {
          for (size_t k = i; k < i + len; ++k) locked[k] = 1;
        }
      }
    }
    struct Replacement {
      size_t begin, len;
      const std::string* word;
    };
    std::vector<Replacement> reps;
    for (size_t len = std::min(max_len_, n); len >= kMinWindow; --len) {
      for (size_t i = 0; i + len <= n; ++i) {
        bool free = all_han(i, len);
        for (size_t k = i; free && k < i + len; ++k) free = !locked[k];
        if (!free) continue;
        auto it = by_key_.find(PackKey(&ids[i], len));
        if (it == by_key_.end() || it->second.count != 1) continue;
        const std::string_view window = span(i, len);
        if (known_.contains(window) || domain_.contains(window)) continue;
        reps.push_back({i, len, &it->second.word});
        for (size_t k = i; k < i + len; ++k) locked[k] = 1;
      }
    }
    if (reps.empty()) return std::string(normalized);
    std::sort(reps.begin(), reps.end(),
              [](const Replacement& a, const Replacement& b) { return a.begin < b.begin; });
    std::string out;
    out.reserve(normalized.size());
    size_t copied = 0;
    for (const auto& r : reps) {
      out.append(normalized.substr(copied, t.offset[r.begin] - copied));
      out.append(*r.word);
      copied = t.offset[r.begin + r.len];
    }
    out.append(normalized.substr(copied));
    return out;
  }

 private:
  std::unordered_map<uint64_t, Target> by_key_;
  StringSet domain_;
  StringSet known_;
  size_t max_len_;   // longest indexed domain word, in characters
  size_t lock_len_;  // longest domain word of any kind, in characters
};

}  // namespace

std::vector<std::string> Pinyin(std::string_view s) {
  std::vector<std::string> out;
  PinyinTable& table = PinyinTable::Get();
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    const char32_t c = utf8::DecodeAt(s, i, &len);
    const uint16_t id = IsHan(c) ? table.Syllable(c) : kNoReading;
    if (id != kNoReading) {
      out.push_back(table.Name(id));
    } else {
      out.emplace_back(s.substr(i, len));
    }
    i += len;
  }
  return out;
}

Result<std::unique_ptr<HomophoneCorrector>> HomophoneCorrector::Create(
    const std::vector<std::string>& domain_words, const std::vector<std::string>& known_words) {
  PinyinTable& table = PinyinTable::Get();
  ZX_RETURN_IF_ERROR(table.Ready());
  // The pinyin key of an all-Han word of 2..6 characters.
  auto key_of = [&table](std::string_view w, uint64_t* key, size_t* chars) {
    const CodePoints t = Decode(w);
    *chars = t.size();
    if (t.size() < kMinWindow || t.size() > kMaxWindow) return false;
    uint16_t ids[kMaxWindow];
    for (size_t k = 0; k < t.size(); ++k) {
      ids[k] = IsHan(t.cp[k]) ? table.Syllable(t.cp[k]) : kNoReading;
      if (ids[k] == kNoReading) return false;
    }
    *key = PackKey(ids, t.size());
    return true;
  };
  std::unordered_map<uint64_t, HomophoneCorrectorImpl::Target> by_key;
  StringSet domain, known;
  size_t max_len = kMinWindow;
  size_t lock_len = kMinWindow;
  for (const std::string& w : domain_words) {
    if (w.empty() || !domain.insert(w).second) continue;  // duplicates count once
    uint64_t key = 0;
    size_t chars = 0;
    const bool has_key = key_of(w, &key, &chars);
    lock_len = std::max(lock_len, std::min<size_t>(chars, 32));
    if (!has_key) continue;  // only all-Han words of 2..6 characters are targets
    auto& target = by_key[key];
    if (target.count++ == 0) target.word = w;
    max_len = std::max(max_len, chars);
  }
  // A known word matters only when it sounds like a domain word: keep just those, so a whole
  // general dictionary can be passed cheaply.
  for (const std::string& w : known_words) {
    uint64_t key = 0;
    size_t chars = 0;
    if (key_of(w, &key, &chars) && by_key.contains(key)) known.insert(w);
  }
  return std::unique_ptr<HomophoneCorrector>(std::make_unique<HomophoneCorrectorImpl>(
      std::move(by_key), std::move(domain), std::move(known), max_len, lock_len));
}

}  // namespace zx::text
