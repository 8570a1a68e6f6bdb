#include "storage/leases.h"

#include <unistd.h>

#include <array>
#include <filesystem>

namespace zx::storage {

Result<std::unique_ptr<Leases>> Leases::Open(Database& db, const Clock& clock, std::string holder) {
  ZX_RETURN_IF_ERROR(db.Migrate({{"storage", 1,
                                  "CREATE TABLE cluster_leases (job TEXT PRIMARY KEY, holder TEXT "
                                  "NOT NULL, until_ms BIGINT NOT NULL)"}}));
  return std::unique_ptr<Leases>(new Leases(db, clock, std::move(holder)));
}

Result<bool> Leases::Hold(const std::string& job, std::chrono::milliseconds ttl) {
  const int64_t now = clock_.NowUnixMillis();
  ZX_ASSIGN_OR_RETURN(
      Statement take,
      db_.Prepare("INSERT INTO cluster_leases (job, holder, until_ms) VALUES (?1, ?2, ?3) "
                  "ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, until_ms = "
                  "excluded.until_ms WHERE cluster_leases.holder = excluded.holder OR "
                  "cluster_leases.until_ms < ?4 RETURNING holder"));
  take.Bind(1, job).Bind(2, holder_).Bind(3, now + ttl.count()).Bind(4, now);
  ZX_ASSIGN_OR_RETURN(bool held, take.Step());
  take.Reset();  // done with it: a write in progress holds the connection's write lock
  return held;
}

Status Leases::Release(const std::string& job) {
  ZX_ASSIGN_OR_RETURN(Statement free,
                      db_.Prepare("DELETE FROM cluster_leases WHERE job = ?1 AND holder = ?2"));
  free.Bind(1, job).Bind(2, holder_);
  return free.Run();
}

Result<bool> Leases::Alive(const std::string& node) {
  ZX_ASSIGN_OR_RETURN(
      Statement q, db_.Prepare("SELECT 1 FROM cluster_leases WHERE job = ?1 AND until_ms >= ?2"));
  q.Bind(1, NodeJob(node)).Bind(2, clock_.NowUnixMillis());
  return q.Step();
}

std::string NodeName(const std::string& data_dir) {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::absolute(data_dir, ec);
  std::string path = ec ? data_dir : dir.lexically_normal().string();
  while (path.size() > 1 && path.back() == '/') path.pop_back();  // "/srv/zhixian/" is the same
  return std::string(host.data()) + ":" + path;
}

}  // namespace zx::storage
