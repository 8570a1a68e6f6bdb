// What changed between two versions of an entry: field by field, and the answer word by word,
// so that a reviewer sees "70%" -> "75%" as one changed figure rather than a rewritten answer.
//
// Tokens: a number (digits with decimal points and a trailing %: "70%", "3.5"), a run of ASCII
// letters, a run of whitespace, and every other character on its own (each Chinese character,
// each punctuation mark). The diff is the longest common subsequence of the tokens; within each
// changed stretch the deleted text comes first, then the inserted text, each as one piece, so
// consecutive pieces never share an op. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "knowledge/entry.h"

namespace zx::knowledge {

enum class DiffOp { kEqual, kInsert, kDelete };
// "equal", "insert", "delete".
std::string_view DiffOpName(DiffOp op);

struct DiffPiece {
  DiffOp op = DiffOp::kEqual;
  std::string text;
  bool operator==(const DiffPiece&) const = default;
};

// The tokens of `text`, in order; concatenated they give `text` back.
std::vector<std::string> DiffTokens(std::string_view text);

// `from` -> `to` as pieces; the equal and deleted pieces spell `from`, equal and inserted `to`.
std::vector<DiffPiece> DiffWords(std::string_view from, std::string_view to);

// One field of an entry in both versions. Lists (keywords, synonyms, colloquial, phrasings)
// fill the *_items members; the others from/to.
struct FieldChange {
  std::string field;
  bool list = false;
  std::string from, to;
  std::vector<std::string> from_items, to_items;
  bool changed = false;
};

// Every field of an entry but its id, version and origin, in the file's order.
std::vector<FieldChange> DiffFields(const Entry& from, const Entry& to);

}  // namespace zx::knowledge
