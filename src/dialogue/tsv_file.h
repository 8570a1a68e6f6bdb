// The small data files of kb/ in TSV (canned replies, queues, age bands): a header row, then
// rows of tab-separated fields; # starts a comment line; CRLF is accepted.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace zx::dialogue {

struct TsvRow {
  int line = 0;  // 1-based, for messages
  std::vector<std::string> fields;
};

// The rows after the header, each split at tabs into exactly `fields` non-empty values; a
// missing file has none. invalid_argument "FILE:LINE: reason" for a row that is not so.
Result<std::vector<TsvRow>> ReadTsvRows(const std::string& path, size_t fields);

}  // namespace zx::dialogue
