#include "tickets/history.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "text/table_reader.h"

namespace zx::tickets {

namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string Columns(const text::Table& t) {
  std::string out;
  for (const auto& h : t.header) out += (out.empty() ? "" : ", ") + h;
  return out;
}

}  // namespace

Result<History> ReadHistory(const std::string& path, const HistoryOptions& options) {
  ZX_ASSIGN_OR_RETURN(text::Table table, text::ReadTable(path));
  const int text_col = table.Column(options.text_column);
  const int label_col = table.Column(options.label_column);
  for (auto [col, name, flag] : {std::tuple{text_col, options.text_column, "--text-column"},
                                 std::tuple{label_col, options.label_column, "--label-column"}}) {
    if (col < 0) {
      return InvalidArgument(path + ":1: no column \"" + name + "\" in the header (columns: " +
                             Columns(table) + "); name the right one with " + flag);
    }
  }
  History h;
  auto skip = [&](size_t line, std::string reason) {
    h.skipped.push_back({line, reason, path + ":" + std::to_string(line) + ": " + reason});
  };
  std::vector<std::pair<size_t, LabeledText>> good;
  const size_t needed = static_cast<size_t>(std::max(text_col, label_col)) + 1;
  for (auto& row : table.rows) {
    ++h.rows_read;
    if (row.fields.size() < needed) {
      skip(row.line, std::to_string(row.fields.size()) + " field(s), the header has " +
                         std::to_string(table.header.size()) + " (a missing delimiter?)");
      continue;
    }
    std::string text = Trim(row.fields[text_col]);
    std::string label = Trim(row.fields[label_col]);
    if (text.empty()) {
      skip(row.line, "empty text (column \"" + options.text_column + "\")");
      continue;
    }
    if (label.empty()) {
      skip(row.line, "empty label (column \"" + options.label_column + "\")");
      continue;
    }
    good.push_back({row.line, {std::move(text), std::move(label)}});
  }
  std::map<std::string, int> counts;
  for (const auto& [line, e] : good) ++counts[e.label];
  for (const auto& [label, n] : counts) {
    if (n < options.min_label_examples) {
      h.rare.emplace_back(label, n);
      h.warnings.push_back(path + ": label \"" + label + "\" has only " + std::to_string(n) +
                           " example(s), fewer than " + std::to_string(options.min_label_examples) +
                           ": its rows are left out of training");
    }
  }
  for (auto& [line, e] : good) {
    if (counts[e.label] >= options.min_label_examples) h.examples.push_back(std::move(e));
  }
  return h;
}

}  // namespace zx::tickets
