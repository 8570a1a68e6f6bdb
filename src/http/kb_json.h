// The JSON forms of the knowledge base's versions (knowledge/kb_store.h) for the console's
// routes (http/kb_entry_routes.h) and the CLI: a version, a row of the entries list, an area, a
// diff, and an entry's fields read from a request body.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "knowledge/entry.h"
#include "knowledge/kb_store.h"
#include "knowledge/version_diff.h"

namespace zx::http {

// {"id", "version", "status", "kind", "department", "sla", "title", "effective", "source",
//  "answer", "keywords", "synonyms", "colloquial", "phrasings", "editor", "reviewer", "note",
//  "review_note", "created_ms", "reviewed_ms", "published_ms"}; without the four lists when
// `lists` is false (the versions of an entry).
nlohmann::json KbVersionJson(const knowledge::EntryVersion& v, bool lists = true);
// {"id", "title", "kind", "area", "department", "version", "effective", "status",
//  "draft": {"version", "status", "editor"} | null, "hits_7d"}
nlohmann::json KbEntryRowJson(const knowledge::EntryRow& row, int64_t hits_7d);
// {"code", "name", "entries"}
nlohmann::json KbAreaJson(const knowledge::Area& area);
// {"fields": [{"field", "from", "to", "changed"}], "answer": [{"op", "text"}]}; a list field's
// from/to are arrays.
nlohmann::json KbDiffJson(const std::vector<knowledge::FieldChange>& fields,
                          const std::vector<knowledge::DiffPiece>& answer);

// Applies the entry fields present in `body` to `entry` (id, kind, department, sla, title,
// effective, source, answer: strings; keywords, synonyms, colloquial, phrasings: arrays of
// strings). kInvalidArgument "FIELD: why" for a wrong type, naming the field ("phrasings[2]").
// Keys listed in `also` are allowed and left alone; any other key is refused.
Status ApplyEntryJson(const nlohmann::json& body, knowledge::Entry& entry,
                      std::initializer_list<const char*> also = {});

}  // namespace zx::http
