// The callers refused before answer for want of room (the gateway's "capacity" and
// "per_source"), kept in the database so that the dashboard's 接通率 counts them with the calls
// answered: answered ÷ (answered + refused). Nothing personal: a time and a reason.
//
// Thread-safe (the database is). Record is a database write: not on the SIP thread (the phone
// service posts it to a worker of its own).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "storage/database.h"

namespace zx::voice {

class RefusedCalls {
 public:
  // Migrates its table. `db` and `clock` must outlive it.
  static Result<std::unique_ptr<RefusedCalls>> Open(storage::Database& db, const Clock& clock);

  Status Record(std::string_view reason);
  // Refused in [from_ms, until_ms); until 0: no end.
  Result<int64_t> Count(int64_t from_ms, int64_t until_ms) const;

 private:
  RefusedCalls(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}
  storage::Database& db_;
  const Clock& clock_;
};

}  // namespace zx::voice
