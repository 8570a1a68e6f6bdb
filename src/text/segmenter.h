// Segmenter: Chinese word segmentation with friso (mmseg), loaded with friso's own lexicon,
// the jieba dictionary (general words with frequencies) and the knowledge base's domain words,
// so that 异地就医备案 splits as 异地/就医/备案 and 公积金, 医保, 社保 stay whole.
// ASCII words and numbers come out as tokens too; punctuation and spaces do not.
// Thread-safe after Create: each call uses its own friso task.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace zx::text {

struct SegmenterOptions {
  std::string friso_ini = "/etc/friso/friso.ini";  // friso's configuration (lexicon directory)
  std::string jieba_dict;                          // optional: "word freq tag" per line
  std::vector<std::string> extra_words;            // domain words, always kept whole
};

class Segmenter {
 public:
  static Result<std::unique_ptr<Segmenter>> Create(const SegmenterOptions& options);
  virtual ~Segmenter() = default;
  virtual std::vector<std::string> Segment(std::string_view normalized) const = 0;
};

// The words (first column) of a jieba-format dictionary; empty when the file cannot be read.
std::vector<std::string> ReadJiebaWords(const std::string& path);

}  // namespace zx::text
