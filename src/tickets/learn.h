// `zhixian tickets learn` (DESIGN.md): reads a file of past orders (tickets/history.h), trains the
// router on it (tickets/router_model.h) and saves the model where intake finds it, reporting to
// the operator what was read, skipped and learned, and how well it cross-validated.
#pragma once

#include <iosfwd>
#include <string>

#include "base/status.h"
#include "tickets/history.h"

namespace zx::tickets {

struct LearnRequest {
  std::string history;     // TSV, CSV or XLSX with a header row
  HistoryOptions columns;  // which columns hold the message and its label
  std::string jieba_dict;  // [knowledge] jieba_dict, for the router's words
  std::string data_dir;    // the model goes to RouterModel::PathIn(data_dir)
};

// Writes the report on `out`. kInvalidArgument for a file that cannot be learned from (named,
// with the row and the reason); other codes when the model cannot be saved.
Status LearnRouting(const LearnRequest& request, std::ostream& out);

}  // namespace zx::tickets
