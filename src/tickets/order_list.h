// The SQL of a list of work orders (OrderStore::List), and its query plan for tests and the
// benchmark (issue 12: a filtered page of 100,000 orders in 20 ms).
//
// With a department, a list runs from that department's tasks (an order has at most one task per
// department; tickets/2 gives each task its order's district and creation time): the index
// ticket_tasks_scope (department, district, created_ms) or ticket_tasks_department_created
// (department, created_ms) gives the newest first without a sort, and counts the matches inside
// the index alone when no filter is on the order's own columns (state, topic, tier, phone, 预警,
// 超时, 退单). Without a department, a list runs on tickets and its indexes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "security/field_cipher.h"
#include "storage/database.h"
#include "tickets/order_store.h"

namespace zx::tickets {

// A list's two statements (the page's ends with "LIMIT ? OFFSET ?") and their parameters.
struct OrderListSql {
  std::string count, page;
  std::vector<std::string> texts;  // the text parameters, in order
  std::vector<int64_t> ints;       // the integer parameters, in order
  std::vector<bool> is_text;       // the order of all parameters

  // Binds the parameters from 1; returns how many (the page's limit and offset come after).
  int BindAll(storage::Statement& st) const;
};

// Errors: kInvalidArgument for a limit outside 1..500 or a negative offset;
// kFailedPrecondition for a phone filter without a cipher (`cipher` may be null).
Result<OrderListSql> BuildOrderList(const OrderQuery& query, const security::FieldCipher* cipher);

// The engine's plan of the list's two statements, one step a line, each line starting "count: "
// or "page: ". SQLite only (EXPLAIN QUERY PLAN); kFailedPrecondition on other engines.
Result<std::string> ExplainOrderList(storage::Database& db, const OrderQuery& query,
                                     const security::FieldCipher* cipher);

}  // namespace zx::tickets
