// The knowledge base out of the database, in the exchange formats: TOML entry files that the
// loader (knowledge/loader.h) loads as they are, and an XLSX workbook with one row per entry for
// the people who review it in a spreadsheet. Pure functions of their input (ExportTomlDir writes
// files).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "knowledge/entry.h"

namespace zx::knowledge {

// One entries file: a "# <area name>" comment line (when given) and one [[entry]] table per
// entry with every field, in the field order of kb/README.md.
std::string EntriesToml(const std::vector<Entry>& entries, std::string_view area_name = "");

// A kb directory: DIR/entries/AREA.toml per area (the id's prefix; named from `area_names`),
// DIR/synonyms.tsv and DIR/departments.tsv. Returns the files written.
Result<std::vector<std::string>> ExportTomlDir(const KnowledgeBase& kb,
                                               const std::map<std::string, std::string>& area_names,
                                               const std::string& dir);

// The bytes of an .xlsx workbook, one row per entry (lists joined by newlines).
Result<std::string> EntriesXlsx(const KnowledgeBase& kb);

}  // namespace zx::knowledge
