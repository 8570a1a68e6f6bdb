// Campaign attempts claimed per second (docs/deployment.md "Campaigns on several nodes"): a
// campaign of N due targets emptied by one node and by two at once, each claiming batches of
// 50 (CampaignStore::ClaimDue: UPDATE ... WHERE (campaign_id, seq) IN (SELECT ... FOR UPDATE
// SKIP LOCKED)) and beginning an attempt on each target it got (BeginAttempt: the attempt row
// and the target's state in one transaction), as the engine's tick does before dialling. On
// SQLite (the baseline, same run) and, given a URL, on PostgreSQL. Checks that every target got
// exactly one attempt.
//
//   build/bench/campaigns/campaign_claims_bench [POSTGRES_URL] [TARGETS]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "campaigns/campaign_engine.h"
#include "campaigns/campaign_store.h"
#include "storage/database.h"
#include "storage/testing/test_database.h"

namespace {

using zx::campaigns::AttemptRow;
using zx::campaigns::CampaignStore;
using zx::campaigns::TargetRecordRow;

constexpr int64_t kNow = 1764460800000;  // any fixed time: every target is due
constexpr int kBatch = 50;

zx::Status Fill(zx::storage::Database& db, const std::string& campaign, int targets) {
  CampaignStore store(db);
  ZX_RETURN_IF_ERROR(store.Migrate());
  zx::campaigns::Campaign c;
  c.id = campaign;
  c.name = "bench";
  c.state = zx::campaigns::CampaignState::kRunning;
  ZX_RETURN_IF_ERROR(store.InsertCampaign(c));
  return db.Transaction([&]() -> zx::Status {
    for (int i = 1; i <= targets; ++i) {
      TargetRecordRow t;
      t.campaign_id = campaign;
      t.seq = i;
      t.person_index = "p" + std::to_string(i);
      t.phone_index = "n" + std::to_string(i);
      t.phone_masked = "139****0000";
      ZX_RETURN_IF_ERROR(store.InsertTarget(t));
    }
    return zx::Status::Ok();
  });
}

// One node emptying what it can claim; the targets it began.
zx::Result<int> Drain(zx::storage::Database& db, const std::string& campaign,
                      const std::string& node) {
  CampaignStore store(db);
  int begun = 0;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(auto claimed, store.ClaimDue(campaign, kNow, kBatch, node, kNow + 60000));
    if (claimed.empty()) return begun;
    for (const TargetRecordRow& t : claimed) {
      AttemptRow a;
      a.attempt_id = "cp:" + campaign + ":" + std::to_string(t.seq) + ":1";
      a.campaign_id = campaign;
      a.seq = t.seq;
      a.n = 1;
      a.phone_index = t.phone_index;
      a.started_ms = kNow;
      a.node = node;
      ZX_ASSIGN_OR_RETURN(bool ok, store.BeginAttempt(a, t));
      begun += ok ? 1 : 0;
    }
  }
}

struct Result {
  double per_s = 0;
  int begun = 0, attempts = 0;
  std::vector<int> per_node;
};

// `nodes` connections to the database at `where` emptying one campaign of `targets`.
zx::Result<Result> Run(const std::string& where, const std::string& campaign, int targets,
                       int nodes) {
  std::vector<std::unique_ptr<zx::storage::Database>> dbs;
  for (int i = 0; i < nodes; ++i) {
    ZX_ASSIGN_OR_RETURN(auto db, zx::storage::OpenDatabase(where));
    dbs.push_back(std::move(db));
  }
  ZX_RETURN_IF_ERROR(Fill(*dbs[0], campaign, targets));
  Result r;
  r.per_node.resize(nodes);
  std::vector<zx::Status> errors(nodes);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < nodes; ++i)
    threads.emplace_back([&, i] {
      auto n = Drain(*dbs[i], campaign, "node-" + std::to_string(i));
      if (n.ok())
        r.per_node[i] = *n;
      else
        errors[i] = n.status();
    });
  for (auto& t : threads) t.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const auto& e : errors) ZX_RETURN_IF_ERROR(e);
  for (int n : r.per_node) r.begun += n;
  r.per_s = r.begun / s;
  ZX_ASSIGN_OR_RETURN(auto count, dbs[0]->Prepare("SELECT COUNT(*), COUNT(DISTINCT seq) FROM "
                                                  "campaign_attempts WHERE campaign_id = ?"));
  ZX_ASSIGN_OR_RETURN(bool row, count.Bind(1, campaign).Step());
  if (!row || count.Int(0) != count.Int(1)) return zx::Internal("a target got two attempts");
  r.attempts = static_cast<int>(count.Int(0));
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string pg_url = argc > 1 ? argv[1] : "";
  const int targets = argc > 2 ? std::atoi(argv[2]) : 5000;
  const auto work =
      std::filesystem::temp_directory_path() / ("zx-claims-" + std::to_string(getpid()));
  std::filesystem::create_directories(work);
  struct Case {
    std::string engine, where;
    int nodes;
  };
  std::vector<Case> cases = {{"SQLite", (work / "claims.db").string(), 1},
                             {"SQLite", (work / "claims.db").string(), 2}};
  if (!pg_url.empty()) {
    const std::string schema = "claims" + std::to_string(getpid());
    auto admin = zx::storage::OpenDatabase(pg_url);
    if (!admin.ok() || !(*admin)->Exec("CREATE SCHEMA " + schema).ok()) {
      std::cerr << "cannot make schema " << schema << "\n";
      return 1;
    }
    const std::string url = zx::storage::testing::PostgresSchemaUrl(pg_url, schema);
    cases.push_back({"PostgreSQL", url, 1});
    cases.push_back({"PostgreSQL", url, 2});
  }
  std::printf("claims of %d due targets, batches of %d, an attempt begun on each\n", targets,
              kBatch);
  std::printf("%-11s %5s %12s %9s  %s\n", "engine", "nodes", "claims/s", "vs base", "per node");
  double base = 0;
  int n = 0;
  for (const Case& c : cases) {
    auto r = Run(c.where, "CP" + std::to_string(++n), targets, c.nodes);
    if (!r.ok()) {
      std::cerr << c.engine << ": " << r.status().ToString() << "\n";
      return 1;
    }
    if (base == 0) base = r->per_s;
    std::string split;
    for (int k : r->per_node) split += (split.empty() ? "" : " / ") + std::to_string(k);
    std::printf("%-11s %5d %12.0f %9.2f  %s (%d attempts, each target once)\n", c.engine.c_str(),
                c.nodes, r->per_s, r->per_s / base, split.c_str(), r->attempts);
  }
  std::filesystem::remove_all(work);
  return 0;
}
