// A deployment's past orders as the router's training data (docs/tickets.md, "Routing learned
// from history"): a TSV, CSV or XLSX file with a header row (text/table_reader.h), one order per
// row, its message in one column and the label it was filed under in another.
//
// Whole-file problems are errors: the file cannot be read, is not a table, or lacks one of the
// two columns. Row problems skip the row and are reported with the file, the line (XLSX: the
// row) and the reason, keeping the good rows: too few fields, an empty text, an empty label.
// A label with fewer than `min_label_examples` good rows cannot be learned: its rows are dropped
// with a warning naming it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "tickets/router_model.h"

namespace zx::tickets {

struct HistoryOptions {
  std::string text_column = "text";
  std::string label_column = "label";
  int min_label_examples = 5;
};

struct HistoryProblem {
  size_t line = 0;
  std::string reason;
  std::string message;  // "FILE:LINE: reason"
};

struct History {
  size_t rows_read = 0;                           // data rows (header and blank lines excluded)
  std::vector<LabeledText> examples;              // the rows to learn from
  std::vector<HistoryProblem> skipped;            // rows left out, in file order
  std::vector<std::pair<std::string, int>> rare;  // labels dropped for too few examples
  std::vector<std::string> warnings;              // one line per dropped label
};

// kInvalidArgument / kNotFound naming the file (and line) for whole-file problems.
Result<History> ReadHistory(const std::string& path, const HistoryOptions& options = {});

}  // namespace zx::tickets
