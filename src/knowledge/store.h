// The knowledge base in the database: the current entries, with every version ever loaded kept
// in kb_entry_versions (what was answered from on a given day stays answerable for audits).
// Start-up loads the files, saves them here in one transaction, and builds the engine from what
// the database holds.
#pragma once

#include <string>

#include "base/status.h"
#include "knowledge/entry.h"
#include "storage/database.h"

namespace zx::knowledge {

// Creates the knowledge tables (idempotent).
Status MigrateKnowledge(storage::Database& db);
// Replaces the current knowledge base with `kb`; records new (id, version) pairs.
Status SaveKnowledgeBase(storage::Database& db, const KnowledgeBase& kb);
// Reads the current knowledge base back.
Result<KnowledgeBase> ReadKnowledgeBase(storage::Database& db);
// Start-up in one step: migrates, saves the files of `kb_dir` (LoadKnowledgeBase) as the current
// knowledge base and returns what the database then holds, the engine's source (logs kb.loaded).
Result<KnowledgeBase> LoadIntoDatabase(storage::Database& db, const std::string& kb_dir);

}  // namespace zx::knowledge
