#include "dialogue/tsv_file.h"

#include "base/file.h"

namespace zx::dialogue {

Result<std::vector<TsvRow>> ReadTsvRows(const std::string& path, size_t fields) {
  std::vector<TsvRow> rows;
  auto read = ReadFile(path);
  if (read.status().code() == Code::kNotFound) return rows;
  ZX_ASSIGN_OR_RETURN(std::string text, std::move(read));
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (++line_no == 1 || line.empty() || line[0] == '#') continue;  // the header, comments
    std::vector<std::string> cells;
    for (size_t from = 0;;) {
      size_t tab = line.find('\t', from);
      cells.push_back(line.substr(from, tab == std::string::npos ? std::string::npos : tab - from));
      if (tab == std::string::npos) break;
      from = tab + 1;
    }
    if (cells.size() != fields)
      return InvalidArgument(path + ":" + std::to_string(line_no) + ": expected " +
                             std::to_string(fields) + " tab-separated fields, found " +
                             std::to_string(cells.size()));
    for (const auto& c : cells)
      if (c.empty())
        return InvalidArgument(path + ":" + std::to_string(line_no) + ": an empty field");
    rows.push_back({line_no, std::move(cells)});
  }
  return rows;
}

}  // namespace zx::dialogue
