// Leases: which node of several on one database does a periodic job (the work orders' clock,
// retention, return visits), so that each is done once across the cluster and taken over when
// its node dies (docs/deployment.md). On one box the only node always holds them.
//
// A lease is a row of cluster_leases: the job's name, its holder and when it runs out. Hold()
// takes a lease that is free or run out, or renews one this holder has, in one portable
// statement (an upsert whose update is conditional), so two nodes never both hold it.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "storage/database.h"

namespace zx::storage {

class Leases {
 public:
  // Migrates cluster_leases if needed. `holder` names this node (NodeName() gives one); `db`
  // and `clock` must outlive the Leases.
  static Result<std::unique_ptr<Leases>> Open(Database& db, const Clock& clock, std::string holder);

  // True when this node holds `job` until now + ttl: it was free, ran out, or was this node's.
  // False while another node holds it.
  Result<bool> Hold(const std::string& job, std::chrono::milliseconds ttl);
  // Gives `job` up at once (a node stopping), so another takes it over without waiting.
  Status Release(const std::string& job);

  // Whether the node named `node` runs: a serving node holds the lease NodeJob(itself), renewed
  // every few seconds and given up at stop. False once that lease ran out or was given up (the
  // node died or stopped): what it left unfinished is another node's to close.
  Result<bool> Alive(const std::string& node);
  static std::string NodeJob(const std::string& node) { return "node:" + node; }

  const std::string& holder() const { return holder_; }

 private:
  Leases(Database& db, const Clock& clock, std::string holder)
      : db_(db), clock_(clock), holder_(std::move(holder)) {}

  Database& db_;
  const Clock& clock_;
  const std::string holder_;
};

// A name for the node that keeps its files in `data_dir`: the host and that directory
// ("host-a:/srv/zhixian"). The same node started again has the same name, so it takes its own
// leases back at once; two nodes (each with a data directory of its own) never share one.
std::string NodeName(const std::string& data_dir);

}  // namespace zx::storage
