// The batch test: a file of questions with the topic each should hit (TSV, CSV or XLSX, read
// with text/table_stream.h), scored against an engine: top-1 accuracy, confident-wrong and
// asked-back rates, the misses, and an XLSX of every result. Pure functions of their input and
// the engine, so the same file against the same knowledge base gives the same numbers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "knowledge/answer.h"
#include "knowledge/entry.h"

namespace zx::knowledge {

struct BatchQuestion {
  size_t line = 0;  // of the file (1 is the header)
  std::string question;
  std::string expected;  // a topic id of the knowledge base
};

// A row that could not be used; the good rows are kept.
struct BatchRowError {
  size_t line = 0;
  int column = 0;  // 1-based; 0 for the whole row
  std::string message;
};

struct BatchInput {
  std::vector<BatchQuestion> questions;
  std::vector<BatchRowError> errors;
};

inline constexpr size_t kMaxBatchQuestions = 5000;

// Reads the file's bytes: XLSX when it starts as a ZIP does, else TSV when its first line has a
// tab, else CSV. The header names the columns (question / 问题 and expected / topic / 期望主题 /
// 主题, any case); a first row whose second field is a topic of `kb` is read as data (a file
// without a header). `tmp_dir` receives an XLSX while it is read (removed after). Errors:
// invalid_argument for a file that is not a table or has no such columns; bad rows (a field
// missing, an unknown topic, more than kMaxBatchQuestions rows) are listed in `errors`.
Result<BatchInput> ReadBatchFile(std::string_view bytes, const KnowledgeBase& kb,
                                 const std::string& tmp_dir);

// One question's result.
struct BatchResult {
  size_t line = 0;
  std::string question;  // personal data masked (text::MaskText)
  std::string expected;
  std::string got;  // the best-ranked topic ("" when nothing ranked)
  double confidence = 0;
  std::string decision;  // "answer" | "ask_back" | "handover"
  bool top1 = false;     // got == expected
};

struct BatchSummary {
  std::string id;
  std::string who;
  std::string name;    // the file's name as sent
  std::string source;  // "published" | "draft" | "as_of"
  std::string as_of;
  int64_t created_ms = 0;
  int total = 0;
  int top1 = 0;             // the best topic is the expected one
  int confident_wrong = 0;  // answered, with another topic than the expected one
  int asked_back = 0;
  int handed_over = 0;
  double Rate(int count) const { return total ? static_cast<double>(count) / total : 0.0; }
};

struct BatchReport {
  BatchSummary summary;
  std::vector<BatchResult> results;  // in file order
  std::vector<BatchRowError> errors;
};

// What one question gets: the decision ("answer", "ask_back", "handover") and the best topic.
struct Judged {
  std::string decision;
  std::string best;
  double confidence = 0;
};
using Judge = std::function<Judged(const std::string& question)>;

// Scores `input` with `judge`; `summary` is filled with the counts.
BatchReport ScoreBatch(const BatchInput& input, const Judge& judge, BatchSummary summary);

// The results as an .xlsx: a sheet of every result and a sheet of the figures.
Result<std::string> BatchXlsx(const BatchReport& report);

}  // namespace zx::knowledge
