// KnowledgeSnapshot: an assistant and the knowledge base it answers from, held together so that
// a caller that takes one at the start of its work (a dialogue turn) uses one knowledge base
// throughout, whatever is published meanwhile (knowledge/live_knowledge.h swaps engines).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "knowledge/answer.h"
#include "knowledge/entry.h"

namespace zx::knowledge {

struct KnowledgeSnapshot {
  // Both keep what they point to alive for as long as the snapshot is held (a fixed snapshot
  // over objects owned elsewhere holds nothing: its owner outlives its users).
  std::shared_ptr<const Assistant> assistant;
  std::shared_ptr<const KnowledgeBase> kb;
  // Differs between snapshots of different knowledge bases of one source: what a user may key
  // work derived from `kb` by (a cache of its terms). Never 0 for a real snapshot.
  uint64_t generation = 0;
};

// Where the current snapshot comes from; thread-safe, cheap (called once per turn).
using SnapshotSource = std::function<KnowledgeSnapshot()>;

// A source that always gives `assistant` over `kb` (generation 1); both must outlive it.
inline SnapshotSource FixedSnapshot(const Assistant& assistant, const KnowledgeBase& kb) {
  return [&assistant, &kb] {
    return KnowledgeSnapshot{std::shared_ptr<const Assistant>(std::shared_ptr<void>(), &assistant),
                             std::shared_ptr<const KnowledgeBase>(std::shared_ptr<void>(), &kb), 1};
  };
}

}  // namespace zx::knowledge
