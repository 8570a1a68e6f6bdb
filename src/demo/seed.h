// `zhixian demo seed`: a few weeks of realistic synthetic activity in a fresh data directory, so
// that a newcomer's console shows a living dashboard. Everything is made by the real modules on
// an injected clock, in time order: conversations on every channel from the knowledge base's
// own phrasings (answers, calculators, complaints that make work orders, hand-overs an agent
// answers and closes, ratings), the work orders' lives (签收, 办结, 退单, 延期, 回访, with
// 预警/超时 marked by the clock's ticks), and one outbound campaign run to its end by the campaign
// engine inside its windows, its calls answered by invented citizens (campaigns/demo_dialler.h).
// The script's weights and words are data (kb/demo.toml); a seed makes it repeatable. The data is
// marked (table demo_seed) and the dashboard says 演示数据.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "dialogue/service.h"
#include "knowledge/snapshot.h"
#include "security/field_cipher.h"
#include "storage/database.h"
#include "tickets/autofill.h"
#include "tickets/sla_calendar.h"

namespace zx::demo {

struct SeedInputs {
  storage::Database* db = nullptr;
  knowledge::SnapshotSource knowledge;  // the knowledge base in service
  std::string kb_dir;                   // kb/demo.toml, and the dialogue's and intake's data
  dialogue::DialogueOptions dialogue;
  const tickets::SlaCalendar* calendar = nullptr;
  const tickets::AutoFiller* autofill = nullptr;
  std::shared_ptr<const security::FieldCipher> cipher;  // the key file's (personal fields)
  int64_t now_ms = 0;                                   // the activity ends here
};

struct SeedOptions {
  int days = 21;
  uint32_t seed = 20261207;
};

struct SeedReport {
  int64_t from_ms = 0, until_ms = 0;
  int64_t conversations = 0, handed_over = 0, rated = 0;
  int64_t orders = 0, accepted = 0, resolved = 0, returned = 0, extended = 0, visited = 0;
  std::string campaign_id;  // the campaign ("" when the seeded days leave no room for it)
  bool campaign_finished = false;
  int64_t campaign_targets = 0, campaign_confirmed = 0;
};

// The mark a seeded data directory carries (nullopt: none).
struct SeedMark {
  int64_t seeded_ms = 0;
  int days = 0;
};
Result<std::optional<SeedMark>> FindSeedMark(storage::Database& db);

// failed_precondition when the data directory already holds conversations or work orders (a
// demo is seeded into a fresh one only); invalid_argument for days outside 1-90 or a malformed
// kb/demo.toml ("FILE:LINE: reason").
Result<SeedReport> Seed(const SeedInputs& in, const SeedOptions& options);

}  // namespace zx::demo
