// OrderStore: the SQL of work orders (tables tickets, ticket_tasks, ticket_fields,
// ticket_history, ticket_days). Only WorkOrders writes through it; lists and figures read it.
//
// Personal data: the contact number, name and address are stored only sealed (FieldCipher, aad
// "tickets.<column>:<id>"), the number also as a blind index (kind "phone") for lookups and as
// its masked form for display; the citizen's text is stored with phone and ID numbers masked.
// Without a cipher none of the three is stored (the masked number is).
//
// Portable SQL (storage/database.h): `?` placeholders, ON CONFLICT upserts, RETURNING, integer
// times from the injectable clock, integers for booleans.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "security/field_cipher.h"
#include "security/reencrypt.h"
#include "storage/database.h"
#include "tickets/ticket.h"

namespace zx::tickets {

// The tabs of the work-order screens: with a department, about that department's task; else
// about the order (a supervisor's view).
enum class ListTab {
  kToAccept,    // 待签收: a task waits to be 签收ed
  kInProgress,  // 办理中: a task is accepted
  kWarning,     // 即将超时: a live task is in 预警, not yet 超时
  kOverdue,     // 已超时: a live task is past its deadline
  kToVisit,     // 待回访: the order is 已办结 and its return visit is due
  kDone,        // 已办结: the task (the order) is 办结
  kToDispatch,  // 待人工派单: the order waits for the dispatcher
  kReturned,    // 退单待定: a task was returned, the dispatcher decides
};
inline constexpr ListTab kListTabs[] = {
    ListTab::kToAccept, ListTab::kInProgress, ListTab::kWarning,    ListTab::kOverdue,
    ListTab::kToVisit,  ListTab::kDone,       ListTab::kToDispatch, ListTab::kReturned};
const char* ListTabCode(ListTab tab);  // "to_accept", "in_progress", ...
std::optional<ListTab> ParseListTab(std::string_view code);

// Filters of a list; every one optional. Department and district filters are also how a
// department handler's scope is applied (by the caller).
struct OrderQuery {
  std::optional<OrderState> state;
  std::string department;  // orders with a live or returned task of this department
  std::string district;
  std::string topic;
  std::string conversation;  // the orders a conversation made
  std::optional<Tier> tier;
  std::string phone;      // by blind index (needs a cipher)
  bool warned = false;    // only orders with a task in 预警 (not yet 超时)
  bool overdue = false;   // only orders with a task 超时 (the supervisor's list)
  bool returned = false;  // only orders with a returned task (the dispatcher's list)
  std::optional<ListTab> tab;
  int64_t from_ms = 0;   // created at or after
  int64_t until_ms = 0;  // created before (0: no limit)
  enum Sort { kCreated, kDue } sort = kCreated;
  bool descending = true;
  int limit = 50;  // 1..500
  int offset = 0;
};

struct OrderRow {  // one line of a list
  std::string id;
  OrderState state = OrderState::kPendingDispatch;
  std::string topic, category, district, place, summary, contact_masked, merged_into;
  Tier tier = Tier::k24h;
  std::string lead_department;
  int64_t created_ms = 0;
  int64_t due_ms = 0;  // the earliest deadline of a live task, 0 when none
  bool warned = false;
  bool overdue = false;
  VisitState visit = VisitState::kNone;
  // Time left to due_ms when listed (WorkOrders::List): none without a live deadline; negative
  // once past. For the working-day tiers also the working days after today through the due day
  // (0 on the last day; none for a year without a calendar table).
  std::optional<int64_t> left_ms;
  std::optional<int64_t> working_days_left;
};

struct OrderPage {
  std::vector<OrderRow> rows;
  int64_t total = 0;  // matching rows, for paging
};

class OrderStore {
 public:
  static Result<std::unique_ptr<OrderStore>> Open(
      storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher);

  storage::Database& db() { return db_; }

  // A new order id for the China-time day `day` ("20261205"): "GD" + day + 4-digit sequence.
  Result<std::string> NextId(const std::string& day);
  // Inserts or updates the order row, its tasks and fields (one transaction is the caller's).
  Status Save(const Order& order, bool is_new);
  Status AppendHistory(const std::string& id, std::vector<HistoryEntry> entries);
  Result<Order> Load(const std::string& id, bool open_personal) const;
  Result<std::vector<HistoryEntry>> History(const std::string& id) const;
  Result<std::vector<std::string>> MergedInto(const std::string& id) const;
  // The newest order of `topic` at `place` created at or after `since_ms` that is still open
  // (not closed or merged), other than `except`; "" when none.
  Result<std::string> FindDuplicate(const std::string& topic, const std::string& place,
                                    int64_t since_ms, const std::string& except) const;
  Result<OrderPage> List(const OrderQuery& query) const;
  // How many orders `query` matches (its limit and offset aside).
  Result<int64_t> Count(const OrderQuery& query) const;
  // Orders with a live task whose 预警 or deadline moment is at or before `now_ms` and not yet
  // marked.
  Result<std::vector<std::string>> DueForTick(int64_t now_ms) const;

 private:
  OrderStore(storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher)
      : db_(db), cipher_(std::move(cipher)) {}

  storage::Database& db_;
  std::shared_ptr<const security::FieldCipher> cipher_;
};

// The sealed columns of the tickets table, for `zhixian keys reencrypt`.
std::vector<security::EncryptedColumn> TicketEncryptedColumns();

}  // namespace zx::tickets
