// Homophone correction: speech recognisers write the right sound with the wrong characters
// (设保 for 社保, 公基金 for 公积金, 失叶金 for 失业金). Given the knowledge base's domain words,
// Correct replaces a span whose toneless pinyin equals a domain word's, when the span is not
// itself a word we know. Pinyin comes from ICU's "Han-Latin" transliterator, cached per
// character at Create. Thread-safe after Create.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace zx::text {

// Toneless pinyin syllables of each Han character in `s` ("社保" -> {"she","bao"}); other
// characters yield themselves.
std::vector<std::string> Pinyin(std::string_view s);

class HomophoneCorrector {
 public:
  // `domain_words`: the words to correct towards (2 to 6 characters).
  // `known_words`: words that are right as written and must never be rewritten.
  static Result<std::unique_ptr<HomophoneCorrector>> Create(
      const std::vector<std::string>& domain_words, const std::vector<std::string>& known_words);
  virtual ~HomophoneCorrector() = default;
  virtual std::string Correct(std::string_view normalized) const = 0;
};

}  // namespace zx::text
