// A version of a knowledge-base entry, as KnowledgeStore::CreateDraft returns it
// (/work/helpers/KB-CONTRACT-S6.md, owned by the kb-versions work). Defined here only until that
// store is merged: then this header goes and its includes name the store's header instead.
#pragma once

#include <string>

namespace zx::knowledge {

struct VersionRef {
  std::string id;
  int version = 0;
};

}  // namespace zx::knowledge
