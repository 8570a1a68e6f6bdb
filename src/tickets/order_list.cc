#include "tickets/order_list.h"

namespace zx::tickets {

int OrderListSql::BindAll(storage::Statement& st) const {
  int n = 0;
  size_t ti = 0, ii = 0;
  for (bool t : is_text) {
    if (t)
      st.Bind(++n, texts[ti++]);
    else
      st.Bind(++n, ints[ii++]);
  }
  return n;
}

namespace {

constexpr const char* kTabCodes[] = {"to_accept", "in_progress", "warning",     "overdue",
                                     "to_visit",  "done",        "to_dispatch", "returned"};

// The condition of `tab`, on the department's task `t` when `by_task`, else on the order;
// `on_order`: whether it reads the order's own columns.
std::string TabCondition(ListTab tab, bool by_task, bool* on_order) {
  const std::string live = "('dispatched', 'accepted')";
  auto task = [&](const std::string& cond) {
    *on_order = !by_task;
    return by_task
               ? " AND " + cond
               : " AND EXISTS (SELECT 1 FROM ticket_tasks t WHERE t.ticket_id = tickets.id AND " +
                     cond + ")";
  };
  *on_order = true;
  switch (tab) {
    case ListTab::kToAccept:
      return task("t.state = 'dispatched'");
    case ListTab::kInProgress:
      return task("t.state = 'accepted'");
    case ListTab::kWarning:
      return task("t.state IN " + live + " AND t.warned = 1 AND t.overdue = 0");
    case ListTab::kOverdue:
      return task("t.state IN " + live + " AND t.overdue = 1");
    case ListTab::kToVisit:
      return " AND tickets.state = 'resolved'";
    case ListTab::kDone:
      return by_task ? task("t.state = 'resolved'")
                     : " AND tickets.state IN ('resolved', 'closed')";
    case ListTab::kToDispatch:
      return " AND tickets.state = 'pending_dispatch'";
    case ListTab::kReturned:
      return task("t.state = 'returned'");
  }
  return "";
}

}  // namespace

const char* ListTabCode(ListTab tab) { return kTabCodes[static_cast<int>(tab)]; }

std::optional<ListTab> ParseListTab(std::string_view code) {
  for (ListTab tab : kListTabs)
    if (code == ListTabCode(tab)) return tab;
  return std::nullopt;
}

Result<OrderListSql> BuildOrderList(const OrderQuery& q, const security::FieldCipher* cipher) {
  if (q.limit < 1 || q.limit > 500) return InvalidArgument("limit must be between 1 and 500");
  if (q.offset < 0) return InvalidArgument("offset must not be negative");
  OrderListSql out;
  const bool by_task = !q.department.empty();
  std::string from =
      by_task ? " FROM ticket_tasks t JOIN tickets ON tickets.id = t.ticket_id" : " FROM tickets";
  std::string where = " WHERE 1 = 1";
  auto text = [&](const std::string& sql, const std::string& v) {
    where += sql;
    out.texts.push_back(v);
    out.is_text.push_back(true);
  };
  auto integer = [&](const std::string& sql, int64_t v) {
    where += sql;
    out.ints.push_back(v);
    out.is_text.push_back(false);
  };
  if (by_task) {
    text(" AND t.department = ?", q.department);
    where += " AND t.state <> 'withdrawn'";
  }
  // Filters on the order's own columns; without any, a department's list is counted inside the
  // task index alone (a task exists only with its order, and orders are never deleted).
  bool tab_on_order = false;
  if (q.tab) where += TabCondition(*q.tab, by_task, &tab_on_order);
  const bool order_filters = q.state || !q.topic.empty() || !q.conversation.empty() || q.tier ||
                             !q.phone.empty() || q.warned || q.overdue || q.returned ||
                             tab_on_order;
  if (q.state) text(" AND tickets.state = ?", std::string(OrderStateCode(*q.state)));
  if (!q.district.empty())
    text(by_task ? " AND t.district = ?" : " AND tickets.district = ?", q.district);
  if (!q.topic.empty()) text(" AND tickets.topic = ?", q.topic);
  if (!q.conversation.empty()) text(" AND tickets.conversation_id = ?", q.conversation);
  if (q.tier) text(" AND tickets.tier = ?", std::string(TierName(*q.tier)));
  if (!q.phone.empty()) {
    if (!cipher) return FailedPrecondition("looking up orders by number needs the key file");
    text(" AND tickets.contact_index = ?", cipher->BlindIndex("phone", q.phone));
  }
  if (q.warned) where += " AND tickets.warned = 1 AND tickets.overdue = 0";
  if (q.overdue) where += " AND tickets.overdue = 1";
  if (q.returned) where += " AND tickets.returned = 1";
  const std::string created = by_task ? "t.created_ms" : "tickets.created_ms";
  if (q.from_ms > 0) integer(" AND " + created + " >= ?", q.from_ms);
  if (q.until_ms > 0) integer(" AND " + created + " < ?", q.until_ms);

  out.count =
      "SELECT COUNT(*)" + (by_task && !order_filters ? " FROM ticket_tasks t" : from) + where;
  std::string dir = q.descending ? " DESC" : " ASC";
  std::string order =
      q.sort == OrderQuery::kDue
          ? " ORDER BY tickets.due_key" + dir + ", tickets.id" + dir
          : " ORDER BY " + created + dir + (by_task ? ", t.ticket_id" : ", tickets.id") + dir;
  out.page =
      "SELECT tickets.id, tickets.state, tickets.topic, tickets.category, tickets.district, "
      "tickets.place, tickets.summary, tickets.contact_masked, tickets.merged_into, "
      "tickets.tier, tickets.lead_department, tickets.created_ms, tickets.due_ms, "
      "tickets.warned, tickets.overdue, tickets.visit" +
      from + where + order + " LIMIT ? OFFSET ?";
  return out;
}

Result<std::string> ExplainOrderList(storage::Database& db, const OrderQuery& q,
                                     const security::FieldCipher* cipher) {
  if (db.dialect() != storage::Dialect::kSqlite)
    return FailedPrecondition("query plans are shown for SQLite only");
  ZX_ASSIGN_OR_RETURN(OrderListSql sql, BuildOrderList(q, cipher));
  std::string out;
  auto explain = [&](const char* name, const std::string& text, bool paged) -> Status {
    ZX_ASSIGN_OR_RETURN(storage::Statement st, db.Prepare("EXPLAIN QUERY PLAN " + text));
    int n = sql.BindAll(st);
    if (paged)
      st.Bind(n + 1, static_cast<int64_t>(q.limit)).Bind(n + 2, static_cast<int64_t>(q.offset));
    for (;;) {
      ZX_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return Status::Ok();
      out += std::string(name) + ": " + st.Text(3) + "\n";
    }
  };
  ZX_RETURN_IF_ERROR(explain("count", sql.count, false));
  ZX_RETURN_IF_ERROR(explain("page", sql.page, true));
  return out;
}

}  // namespace zx::tickets
