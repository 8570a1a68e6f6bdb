#include "knowledge/version_diff.h"

#include <algorithm>
#include <cstdint>

namespace zx::knowledge {
namespace {

bool Digit(char c) { return c >= '0' && c <= '9'; }
bool Letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool Space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Bytes of the UTF-8 character starting with `lead` (1 for stray continuation bytes).
size_t CharLength(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

// Above this many cells the table is not built: the changed middle becomes one delete and one
// insert (answers are short; this bounds time and memory for pathological input).
constexpr size_t kMaxCells = 4'000'000;

}  // namespace

std::string_view DiffOpName(DiffOp op) {
  switch (op) {
    case DiffOp::kEqual:
      return "equal";
    case DiffOp::kInsert:
      return "insert";
    case DiffOp::kDelete:
      return "delete";
  }
  return "equal";
}

std::vector<std::string> DiffTokens(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = i;
    char c = text[i];
    if (Digit(c)) {
      // 70, 3.5, 70%, 12.5%: a point only between digits, a % only at the end.
      while (j < text.size() &&
             (Digit(text[j]) || (text[j] == '.' && j + 1 < text.size() && Digit(text[j + 1]))))
        ++j;
      if (j < text.size() && text[j] == '%') ++j;
    } else if (Letter(c)) {
      while (j < text.size() && Letter(text[j])) ++j;
    } else if (Space(c)) {
      while (j < text.size() && Space(text[j])) ++j;
    } else {
      j = std::min(text.size(), i + CharLength(static_cast<unsigned char>(c)));
    }
    out.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

std::vector<DiffPiece> DiffWords(std::string_view from, std::string_view to) {
  std::vector<std::string> a = DiffTokens(from), b = DiffTokens(to);
  // Common prefix and suffix first: the table covers only the changed middle.
  size_t pre = 0;
  while (pre < a.size() && pre < b.size() && a[pre] == b[pre]) ++pre;
  size_t suf = 0;
  while (suf < a.size() - pre && suf < b.size() - pre &&
         a[a.size() - 1 - suf] == b[b.size() - 1 - suf])
    ++suf;
  const size_t n = a.size() - pre - suf, m = b.size() - pre - suf;
  // The middle as a sequence of ops (one per token), from the LCS table.
  std::vector<std::pair<DiffOp, const std::string*>> ops;
  if (n * m <= kMaxCells) {
    std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
    auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
    for (size_t i = n; i-- > 0;)
      for (size_t j = m; j-- > 0;)
        at(i, j) =
            a[pre + i] == b[pre + j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[pre + i] == b[pre + j]) {
        ops.emplace_back(DiffOp::kEqual, &a[pre + i]);
        ++i, ++j;
      } else if (j < m && (i == n || at(i, j + 1) >= at(i + 1, j))) {
        ops.emplace_back(DiffOp::kInsert, &b[pre + j++]);
      } else {
        ops.emplace_back(DiffOp::kDelete, &a[pre + i++]);
      }
    }
  } else {
    for (size_t i = 0; i < n; ++i) ops.emplace_back(DiffOp::kDelete, &a[pre + i]);
    for (size_t j = 0; j < m; ++j) ops.emplace_back(DiffOp::kInsert, &b[pre + j]);
  }
  std::vector<DiffPiece> out;
  auto add = [&](DiffOp op, std::string_view text) {
    if (text.empty()) return;
    if (!out.empty() && out.back().op == op)
      out.back().text += text;
    else
      out.push_back({op, std::string(text)});
  };
  std::string prefix, suffix;
  for (size_t i = 0; i < pre; ++i) prefix += a[i];
  for (size_t i = a.size() - suf; i < a.size(); ++i) suffix += a[i];
  add(DiffOp::kEqual, prefix);
  // Each changed stretch: all its deleted text, then all its inserted text.
  std::string deleted, inserted;
  auto flush = [&] {
    add(DiffOp::kDelete, deleted);
    add(DiffOp::kInsert, inserted);
    deleted.clear();
    inserted.clear();
  };
  for (const auto& [op, token] : ops) {
    if (op == DiffOp::kEqual) {
      flush();
      add(DiffOp::kEqual, *token);
    } else {
      (op == DiffOp::kDelete ? deleted : inserted) += *token;
    }
  }
  flush();
  add(DiffOp::kEqual, suffix);
  return out;
}

std::vector<FieldChange> DiffFields(const Entry& from, const Entry& to) {
  std::vector<FieldChange> out;
  auto text = [&](const char* field, const std::string& a, const std::string& b) {
    FieldChange c;
    c.field = field;
    c.from = a;
    c.to = b;
    c.changed = a != b;
    out.push_back(std::move(c));
  };
  auto list = [&](const char* field, const std::vector<std::string>& a,
                  const std::vector<std::string>& b) {
    FieldChange c;
    c.field = field;
    c.list = true;
    c.from_items = a;
    c.to_items = b;
    c.changed = a != b;
    out.push_back(std::move(c));
  };
  text("kind", from.kind, to.kind);
  text("department", from.department, to.department);
  text("sla", from.sla, to.sla);
  text("title", from.title, to.title);
  text("effective", from.effective, to.effective);
  text("source", from.source, to.source);
  text("answer", from.answer, to.answer);
  list("keywords", from.keywords, to.keywords);
  list("synonyms", from.synonyms, to.synonyms);
  list("colloquial", from.colloquial, to.colloquial);
  list("phrasings", from.phrasings, to.phrasings);
  return out;
}

}  // namespace zx::knowledge
