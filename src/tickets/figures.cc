#include "tickets/figures.h"

#include <limits>
#include <map>
#include <utility>

namespace zx::tickets {
namespace {

constexpr int64_t kNoEnd = std::numeric_limits<int64_t>::max();

// " AND <column> = ?" for each filter that is set, and the values to bind after the period.
struct Filter {
  std::string sql;
  std::vector<std::string> values;
};
Filter TaskFilter(const FigureQuery& q) {
  Filter f;
  if (!q.department.empty()) {
    f.sql += " AND t.department = ?";
    f.values.push_back(q.department);
  }
  if (!q.tier.empty()) {
    f.sql += " AND o.tier = ?";
    f.values.push_back(q.tier);
  }
  if (!q.district.empty()) {
    f.sql += " AND o.district = ?";
    f.values.push_back(q.district);
  }
  return f;
}

// The filters on orders (alias o): a department filter means orders with a task of that
// department.
Filter OrderFilter(const FigureQuery& q) {
  Filter f;
  if (!q.department.empty()) {
    f.sql +=
        " AND EXISTS (SELECT 1 FROM ticket_tasks t WHERE t.ticket_id = o.id AND "
        "t.department = ?)";
    f.values.push_back(q.department);
  }
  if (!q.tier.empty()) {
    f.sql += " AND o.tier = ?";
    f.values.push_back(q.tier);
  }
  if (!q.district.empty()) {
    f.sql += " AND o.district = ?";
    f.values.push_back(q.district);
  }
  return f;
}

// The first `n` integer columns of the one row `sql` gives for the period and filter.
Result<std::vector<int64_t>> Counts(storage::Database& db, const std::string& sql,
                                    const FigureQuery& q, const Filter& f, int n) {
  ZX_ASSIGN_OR_RETURN(storage::Statement st, db.Prepare(sql));
  st.Bind(1, q.from_ms).Bind(2, q.until_ms > 0 ? q.until_ms : kNoEnd);
  int i = 2;
  for (const auto& v : f.values) st.Bind(++i, v);
  ZX_ASSIGN_OR_RETURN(bool row, st.Step());
  std::vector<int64_t> out(n, 0);
  for (int c = 0; row && c < n; ++c) out[c] = st.Int(c);
  return out;
}

Result<std::pair<int64_t, int64_t>> Pair(storage::Database& db, const std::string& sql,
                                         const FigureQuery& q, const Filter& f) {
  ZX_ASSIGN_OR_RETURN(std::vector<int64_t> c, Counts(db, sql, q, f, 2));
  return std::pair<int64_t, int64_t>{c[0], c[1]};
}

}  // namespace

Result<Figures> FigureQueries::Compute(const FigureQuery& q) const {
  Figures out;
  out.department = q.department;
  out.tier = q.tier;
  Filter f = TaskFilter(q);
  const std::string tasks = " FROM ticket_tasks t JOIN tickets o ON o.id = t.ticket_id WHERE ";
  ZX_ASSIGN_OR_RETURN(
      auto response,
      Pair(db_,
           "SELECT COALESCE(SUM(CASE WHEN t.accepted_ms > 0 AND t.accepted_ms <= t.accept_by_ms "
           "THEN 1 ELSE 0 END), 0), COUNT(*)" +
               tasks + "t.dispatched_ms >= ? AND t.dispatched_ms < ?" + f.sql,
           q, f));
  out.response = {response.first, response.second};
  ZX_ASSIGN_OR_RETURN(
      auto on_time,
      Pair(db_,
           "SELECT COALESCE(SUM(CASE WHEN t.resolved_ms <= t.due_ms THEN 1 ELSE 0 END), 0), "
           "COUNT(*)" +
               tasks + "t.resolved_ms >= ? AND t.resolved_ms < ? AND t.resolved_ms > 0" + f.sql,
           q, f));
  out.on_time = {on_time.first, on_time.second};

  Filter of = OrderFilter(q);
  const std::string visited =
      " FROM tickets o WHERE o.visit = 'done' AND o.closed_ms >= ? AND o.closed_ms < ?";
  ZX_ASSIGN_OR_RETURN(
      auto solved,
      Pair(db_, "SELECT COALESCE(SUM(o.visit_solved), 0), COUNT(*)" + visited + of.sql, q, of));
  out.solved = {solved.first, solved.second};
  ZX_ASSIGN_OR_RETURN(
      auto satisfied,
      Pair(db_,
           "SELECT COALESCE(SUM(CASE WHEN o.satisfaction IN ('满意', '基本满意') THEN 1 ELSE 0 "
           "END), 0), COUNT(*)" +
               visited + of.sql,
           q, of));
  out.satisfied = {satisfied.first, satisfied.second};
  ZX_ASSIGN_OR_RETURN(
      auto unanswered,
      Pair(db_,
           "SELECT COUNT(*), 0 FROM tickets o WHERE o.visit = 'unanswered' AND o.closed_ms >= ? "
           "AND o.closed_ms < ?" +
               of.sql,
           q, of));
  out.unanswered = unanswered.first;
  ZX_ASSIGN_OR_RETURN(
      auto created,
      Pair(
          db_,
          "SELECT COUNT(*), 0 FROM tickets o WHERE o.created_ms >= ? AND o.created_ms < ?" + of.sql,
          q, of));
  out.created = created.first;

  // 退单 and 延期 from the history, per department of the step.
  Filter hf;
  if (!q.department.empty()) {
    hf.sql += " AND h.department = ?";
    hf.values.push_back(q.department);
  }
  if (!q.tier.empty()) {
    hf.sql += " AND o.tier = ?";
    hf.values.push_back(q.tier);
  }
  if (!q.district.empty()) {
    hf.sql += " AND o.district = ?";
    hf.values.push_back(q.district);
  }
  ZX_ASSIGN_OR_RETURN(
      auto steps,
      Counts(db_,
             "SELECT COALESCE(SUM(CASE WHEN h.action = 'return' THEN 1 ELSE 0 END), 0), "
             "COALESCE(SUM(CASE WHEN h.action = 'extension_ask' THEN 1 ELSE 0 END), 0), "
             "COALESCE(SUM(CASE WHEN h.action = 'warn' THEN 1 ELSE 0 END), 0), "
             "COALESCE(SUM(CASE WHEN h.action = 'overdue' THEN 1 ELSE 0 END), 0) FROM "
             "ticket_history h JOIN tickets o ON o.id = h.ticket_id WHERE h.at_ms >= ? AND "
             "h.at_ms < ?" +
                 hf.sql,
             q, hf, 4));
  out.returned = steps[0];
  out.extensions = steps[1];
  out.warned = steps[2];
  out.overdue = steps[3];
  return out;
}

Result<std::vector<TopicCount>> FigureQueries::Topics(const FigureQuery& q) const {
  Filter f = OrderFilter(q);
  ZX_ASSIGN_OR_RETURN(
      storage::Statement st,
      db_.Prepare("SELECT o.topic, COUNT(*) FROM tickets o WHERE o.created_ms >= ? AND "
                  "o.created_ms < ?" +
                  f.sql + " GROUP BY o.topic ORDER BY COUNT(*) DESC, o.topic"));
  st.Bind(1, q.from_ms).Bind(2, q.until_ms > 0 ? q.until_ms : kNoEnd);
  int i = 2;
  for (const auto& v : f.values) st.Bind(++i, v);
  std::vector<TopicCount> out;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return out;
    out.push_back({st.Text(0), st.Int(1)});
  }
}

Result<std::vector<Figures>> FigureQueries::ByDepartment(const FigureQuery& q) const {
  ZX_ASSIGN_OR_RETURN(storage::Statement st,
                      db_.Prepare("SELECT DISTINCT department FROM ticket_tasks WHERE "
                                  "dispatched_ms >= ? AND dispatched_ms < ? ORDER BY department"));
  st.Bind(1, q.from_ms).Bind(2, q.until_ms > 0 ? q.until_ms : kNoEnd);
  std::vector<std::string> departments;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    departments.push_back(st.Text(0));
  }
  std::vector<Figures> out;
  for (const auto& d : departments) {
    FigureQuery one = q;
    one.department = d;
    ZX_ASSIGN_OR_RETURN(Figures f, Compute(one));
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<Hotspot>> FigureQueries::Hotspots(int64_t now_ms,
                                                     const HotspotOptions& o) const {
  // Every report counts, merged duplicates included: a burst is many citizens reporting.
  ZX_ASSIGN_OR_RETURN(
      storage::Statement st,
      db_.Prepare("SELECT topic, district, SUM(CASE WHEN created_ms >= ? THEN 1 ELSE 0 END), "
                  "SUM(CASE WHEN created_ms < ? THEN 1 ELSE 0 END) FROM tickets WHERE "
                  "created_ms >= ? AND created_ms < ? AND topic <> '' GROUP BY topic, district "
                  "ORDER BY topic, district"));
  const int64_t window_start = now_ms - o.window_ms;
  st.Bind(1, window_start)
      .Bind(2, window_start)
      .Bind(3, window_start - o.baseline_ms)
      .Bind(4, now_ms + 1);
  std::vector<Hotspot> out;
  const double windows = static_cast<double>(o.baseline_ms) / static_cast<double>(o.window_ms);
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    Hotspot h;
    h.topic = st.Text(0);
    h.district = st.Text(1);
    h.count = st.Int(2);
    h.usual = static_cast<double>(st.Int(3)) / windows;
    h.rise = static_cast<double>(h.count) / (h.usual < 1 ? 1 : h.usual);
    if (h.count >= o.min_reports && h.rise >= o.ratio) out.push_back(std::move(h));
  }
  return out;
}

}  // namespace zx::tickets
