// The knowledge base from the shell (docs/knowledge.md): `zhixian kb export` and `zhixian kb
// import`, over the knowledge base in the database (knowledge/kb_store.h). Commands of the table
// in admin/command_table.h; audited like every operator command (actor "cli:<os user>").
#pragma once

#include "admin/commands.h"

namespace zx::admin {

// kb export DIR [--format toml|xlsx] (Args::out, Args::type): what citizens get today, as a kb
// directory that LoadKnowledgeBase loads as it is (entries/AREA.toml, synonyms.tsv,
// departments.tsv) or as DIR/kb.xlsx. A database without entries is seeded from Session::kb_dir
// first. Audited kb.export (kb.manage).
Result<int> KbExport(Session& s, const Args& a);
// kb import DIR (Args::out): DIR/entries/*.toml checked by the loader's rules; each entry whose
// content differs from its current version becomes a new published version by the operator.
// Audited kb.import per version (kb.review: it publishes).
Result<int> KbImport(Session& s, const Args& a);

}  // namespace zx::admin
