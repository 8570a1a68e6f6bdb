#include "voice/refused_calls.h"

#include <limits>
#include <string>

namespace zx::voice {

Result<std::unique_ptr<RefusedCalls>> RefusedCalls::Open(storage::Database& db,
                                                         const Clock& clock) {
  ZX_RETURN_IF_ERROR(db.Migrate({{"refused_calls", 1, R"sql(
    CREATE TABLE refused_calls (
      at_ms INTEGER NOT NULL,
      reason TEXT NOT NULL);
    CREATE INDEX refused_calls_at ON refused_calls(at_ms);
  )sql"}}));
  return std::unique_ptr<RefusedCalls>(new RefusedCalls(db, clock));
}

Status RefusedCalls::Record(std::string_view reason) {
  ZX_ASSIGN_OR_RETURN(auto q,
                      db_.Prepare("INSERT INTO refused_calls (at_ms, reason) VALUES (?, ?)"));
  q.Bind(1, clock_.NowUnixMillis()).Bind(2, reason);
  return q.Run();
}

Result<int64_t> RefusedCalls::Count(int64_t from_ms, int64_t until_ms) const {
  ZX_ASSIGN_OR_RETURN(
      auto q, db_.Prepare("SELECT COUNT(*) FROM refused_calls WHERE at_ms >= ? AND at_ms < ?"));
  q.Bind(1, from_ms).Bind(2, until_ms > 0 ? until_ms : std::numeric_limits<int64_t>::max());
  ZX_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.Int(0) : 0;
}

}  // namespace zx::voice
