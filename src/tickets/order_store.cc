#include "tickets/order_store.h"

#include <algorithm>
#include <cstdio>

#include "text/pii.h"
#include "tickets/order_list.h"

namespace zx::tickets {
namespace {

constexpr char kTable[] = "tickets";
constexpr int64_t kNoDeadlineKey = 9'000'000'000'000'000;  // sorts after every real deadline

constexpr char kOrderColumns[] =
    "id, state, channel, conversation_id, topic, category, summary, text, district, place, tier, "
    "urgent, confidence, contact_masked, merged_into, reopened, visit, visit_due_ms, "
    "visit_solved, satisfaction, created_ms, resolved_ms, closed_ms, created_by, contact_enc, "
    "name_enc, address_enc";

constexpr char kTaskColumns[] =
    "department, role, state, dispatched_ms, accept_by_ms, accepted_ms, due_ms, warn_ms, warned, "
    "overdue, resolved_ms, reply, return_reason, extension, extension_days, extension_reason";

// tickets/2: a task repeats its order's district and creation time, so that a department's
// list (with a district: a handler's scope, or without) counts and pages on one index of
// ticket_tasks instead of probing every order of the district for a task (issue 12: 20.8 ms p99
// on 100,000 orders). The department index replaces version 1's (same first column).
constexpr char kTaskScope[] = R"sql(
    ALTER TABLE ticket_tasks ADD COLUMN district TEXT NOT NULL DEFAULT '';
    ALTER TABLE ticket_tasks ADD COLUMN created_ms BIGINT NOT NULL DEFAULT 0;
    UPDATE ticket_tasks SET
      district = COALESCE((SELECT o.district FROM tickets o
                           WHERE o.id = ticket_tasks.ticket_id), ''),
      created_ms = COALESCE((SELECT o.created_ms FROM tickets o
                             WHERE o.id = ticket_tasks.ticket_id), 0);
    DROP INDEX IF EXISTS ticket_tasks_department;
    CREATE INDEX IF NOT EXISTS ticket_tasks_scope
      ON ticket_tasks(department, district, created_ms, ticket_id, state);
    CREATE INDEX IF NOT EXISTS ticket_tasks_department_created
      ON ticket_tasks(department, created_ms, ticket_id, state);
)sql";

bool Live(const Task& t) {
  return t.state == TaskState::kDispatched || t.state == TaskState::kAccepted;
}

// The list columns derived from the tasks, so that lists filter and sort without joins.
struct Derived {
  int64_t due_ms = 0;
  bool warned = false, overdue = false, returned = false;
};
Derived Derive(const Order& o) {
  Derived d;
  for (const auto& t : o.tasks) {
    if (t.state == TaskState::kReturned) d.returned = true;
    if (!Live(t)) continue;
    if (t.due_ms > 0 && (d.due_ms == 0 || t.due_ms < d.due_ms)) d.due_ms = t.due_ms;
    if (t.overdue)
      d.overdue = true;
    else if (t.warned)
      d.warned = true;
  }
  return d;
}

Satisfaction SatisfactionOf(const std::string& label) {
  auto s = ParseSatisfaction(label);
  return s ? *s : Satisfaction::kNone;
}

}  // namespace

Result<std::unique_ptr<OrderStore>> OrderStore::Open(
    storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher) {
  // contact_enc, name_enc and address_enc hold FieldCipher output (NULL without a key file);
  // contact_index is the blind index of the number's digits. due_ms, warned, overdue, returned
  // and lead_department repeat what the tasks say, for lists; due_key is due_ms with "none" as
  // the largest value, so that a sort by deadline runs on an index.
  ZX_RETURN_IF_ERROR(db.Migrate({{"tickets", 1, R"sql(
    CREATE TABLE tickets (
      id TEXT PRIMARY KEY,
      state TEXT NOT NULL,
      channel TEXT NOT NULL,
      conversation_id TEXT NOT NULL DEFAULT '',
      topic TEXT NOT NULL DEFAULT '',
      category TEXT NOT NULL DEFAULT '',
      summary TEXT NOT NULL DEFAULT '',
      text TEXT NOT NULL DEFAULT '',
      district TEXT NOT NULL DEFAULT '',
      place TEXT NOT NULL DEFAULT '',
      tier TEXT NOT NULL,
      urgent INTEGER NOT NULL DEFAULT 0,
      confidence DOUBLE PRECISION NOT NULL DEFAULT 0,
      contact_masked TEXT NOT NULL DEFAULT '',
      contact_enc TEXT,
      contact_index TEXT,
      name_enc TEXT,
      address_enc TEXT,
      merged_into TEXT NOT NULL DEFAULT '',
      reopened INTEGER NOT NULL DEFAULT 0,
      visit TEXT NOT NULL DEFAULT 'none',
      visit_due_ms BIGINT NOT NULL DEFAULT 0,
      visit_solved INTEGER NOT NULL DEFAULT 0,
      satisfaction TEXT NOT NULL DEFAULT '',
      created_ms BIGINT NOT NULL,
      resolved_ms BIGINT NOT NULL DEFAULT 0,
      closed_ms BIGINT NOT NULL DEFAULT 0,
      created_by TEXT NOT NULL DEFAULT '',
      lead_department TEXT NOT NULL DEFAULT '',
      due_ms BIGINT NOT NULL DEFAULT 0,
      due_key BIGINT NOT NULL DEFAULT 0,
      warned INTEGER NOT NULL DEFAULT 0,
      overdue INTEGER NOT NULL DEFAULT 0,
      returned INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX tickets_created ON tickets(created_ms, id);
    CREATE INDEX tickets_state ON tickets(state, created_ms, id);
    CREATE INDEX tickets_state_due ON tickets(state, due_key, id);
    CREATE INDEX tickets_due ON tickets(due_key, id);
    CREATE INDEX tickets_district ON tickets(district, created_ms, id);
    CREATE INDEX tickets_topic_place ON tickets(topic, place, created_ms);
    CREATE INDEX tickets_contact ON tickets(contact_index);
    CREATE INDEX tickets_merged ON tickets(merged_into);
    CREATE TABLE ticket_tasks (
      ticket_id TEXT NOT NULL,
      department TEXT NOT NULL,
      role TEXT NOT NULL,
      state TEXT NOT NULL,
      dispatched_ms BIGINT NOT NULL,
      accept_by_ms BIGINT NOT NULL,
      accepted_ms BIGINT NOT NULL DEFAULT 0,
      due_ms BIGINT NOT NULL,
      warn_ms BIGINT NOT NULL,
      warned INTEGER NOT NULL DEFAULT 0,
      overdue INTEGER NOT NULL DEFAULT 0,
      resolved_ms BIGINT NOT NULL DEFAULT 0,
      reply TEXT NOT NULL DEFAULT '',
      return_reason TEXT NOT NULL DEFAULT '',
      extension TEXT NOT NULL DEFAULT 'none',
      extension_days INTEGER NOT NULL DEFAULT 0,
      extension_reason TEXT NOT NULL DEFAULT '',
      PRIMARY KEY (ticket_id, department));
    CREATE INDEX ticket_tasks_department ON ticket_tasks(department, ticket_id, state);
    CREATE INDEX ticket_tasks_moments ON ticket_tasks(state, warn_ms, due_ms);
    CREATE TABLE ticket_fields (
      ticket_id TEXT NOT NULL,
      name TEXT NOT NULL,
      machine_value TEXT NOT NULL,
      confidence DOUBLE PRECISION NOT NULL DEFAULT 0,
      person_value TEXT,
      confirmed_by TEXT NOT NULL DEFAULT '',
      PRIMARY KEY (ticket_id, name));
    CREATE TABLE ticket_history (
      ticket_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      at_ms BIGINT NOT NULL,
      actor TEXT NOT NULL,
      action TEXT NOT NULL,
      department TEXT NOT NULL DEFAULT '',
      from_state TEXT NOT NULL DEFAULT '',
      to_state TEXT NOT NULL DEFAULT '',
      reason TEXT NOT NULL DEFAULT '',
      PRIMARY KEY (ticket_id, seq));
    CREATE TABLE ticket_days (
      day TEXT PRIMARY KEY,
      n INTEGER NOT NULL);
  )sql"},
                                 {"tickets", 2, kTaskScope},
                                 // The orders of one conversation (the agent's order form).
                                 {"tickets", 3, R"sql(
    CREATE INDEX tickets_conversation ON tickets(conversation_id);
  )sql"}}));
  return std::unique_ptr<OrderStore>(new OrderStore(db, std::move(cipher)));
}

Result<std::string> OrderStore::NextId(const std::string& day) {
  ZX_ASSIGN_OR_RETURN(storage::Statement st,
                      db_.Prepare("INSERT INTO ticket_days (day, n) VALUES (?, 1) ON CONFLICT "
                                  "(day) DO UPDATE SET n = ticket_days.n + 1 RETURNING n"));
  st.Bind(1, day);
  ZX_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Internal("no sequence number for the day");
  char seq[16];
  std::snprintf(seq, sizeof seq, "%04lld", static_cast<long long>(st.Int(0)));
  return "GD" + day + seq;
}

Status OrderStore::Save(const Order& o, bool is_new) {
  Derived d = Derive(o);
  // The columns a change may set, bound from `at` on: a new order's row is inserted with them
  // (an INSERT then an UPDATE would move its index entries twice, more pages in each commit).
  auto bind_changeable = [&](storage::Statement& st, int at) {
    st.Bind(at, OrderStateCode(o.state))
        .Bind(at + 1, o.topic)
        .Bind(at + 2, o.category)
        .Bind(at + 3, o.district)
        .Bind(at + 4, o.place)
        .Bind(at + 5, TierName(o.tier))
        .Bind(at + 6, static_cast<int64_t>(o.urgent))
        .Bind(at + 7, o.merged_into)
        .Bind(at + 8, static_cast<int64_t>(o.reopened))
        .Bind(at + 9, VisitStateCode(o.visit))
        .Bind(at + 10, o.visit_due_ms)
        .Bind(at + 11, static_cast<int64_t>(o.visit_solved))
        .Bind(at + 12, SatisfactionLabel(o.satisfaction))
        .Bind(at + 13, o.resolved_ms)
        .Bind(at + 14, o.closed_ms)
        .Bind(at + 15, o.LeadDepartment())
        .Bind(at + 16, d.due_ms)
        .Bind(at + 17, d.due_ms > 0 ? d.due_ms : kNoDeadlineKey)
        .Bind(at + 18, static_cast<int64_t>(d.warned))
        .Bind(at + 19, static_cast<int64_t>(d.overdue))
        .Bind(at + 20, static_cast<int64_t>(d.returned));
    return at + 21;
  };
  if (is_new) {
    ZX_ASSIGN_OR_RETURN(
        storage::Statement st,
        db_.Prepare("INSERT INTO tickets (id, channel, conversation_id, summary, text, "
                    "confidence, contact_masked, contact_enc, contact_index, name_enc, "
                    "address_enc, created_ms, created_by, state, topic, category, district, "
                    "place, tier, urgent, merged_into, reopened, visit, visit_due_ms, "
                    "visit_solved, satisfaction, resolved_ms, closed_ms, lead_department, "
                    "due_ms, due_key, warned, overdue, returned) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    "?)"));
    st.Bind(1, o.id)
        .Bind(2, o.channel)
        .Bind(3, o.conversation_id)
        .Bind(4, o.summary)
        .Bind(5, text::MaskText(o.text))
        .Bind(6, o.confidence)
        .Bind(7, o.contact_masked);
    auto seal = [&](int at, const std::optional<std::string>& value, const char* column) {
      if (cipher_ && value && !value->empty())
        st.Bind(at, cipher_->Encrypt(*value, security::FieldAad(kTable, column, o.id)));
      else
        st.BindNull(at);
    };
    seal(8, o.contact, "contact_enc");
    if (cipher_ && o.contact && !o.contact->empty())
      st.Bind(9, cipher_->BlindIndex("phone", *o.contact));
    else
      st.BindNull(9);
    seal(10, o.name, "name_enc");
    seal(11, o.address, "address_enc");
    st.Bind(12, o.created_ms).Bind(13, o.created_by);
    bind_changeable(st, 14);
    ZX_RETURN_IF_ERROR(st.Run());
  } else {
    ZX_ASSIGN_OR_RETURN(
        storage::Statement up,
        db_.Prepare("UPDATE tickets SET state = ?, topic = ?, category = ?, district = ?, "
                    "place = ?, tier = ?, urgent = ?, merged_into = ?, reopened = ?, visit = ?, "
                    "visit_due_ms = ?, visit_solved = ?, satisfaction = ?, resolved_ms = ?, "
                    "closed_ms = ?, lead_department = ?, due_ms = ?, due_key = ?, warned = ?, "
                    "overdue = ?, returned = ? WHERE id = ?"));
    up.Bind(bind_changeable(up, 1), o.id);
    ZX_RETURN_IF_ERROR(up.Run());
  }

  for (const Task& t : o.tasks) {
    ZX_ASSIGN_OR_RETURN(
        storage::Statement st,
        db_.Prepare(
            std::string("INSERT INTO ticket_tasks (ticket_id, ") + kTaskColumns +
            ", district, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?) ON CONFLICT (ticket_id, department) DO UPDATE SET district = "
            "excluded.district, created_ms = excluded.created_ms, role = excluded.role, state = "
            "excluded.state, dispatched_ms = excluded.dispatched_ms, accept_by_ms = "
            "excluded.accept_by_ms, accepted_ms = excluded.accepted_ms, due_ms = "
            "excluded.due_ms, warn_ms = excluded.warn_ms, warned = excluded.warned, "
            "overdue = excluded.overdue, resolved_ms = excluded.resolved_ms, reply = "
            "excluded.reply, return_reason = excluded.return_reason, extension = "
            "excluded.extension, extension_days = excluded.extension_days, "
            "extension_reason = excluded.extension_reason"));
    st.Bind(1, o.id)
        .Bind(2, t.department)
        .Bind(3, RoleCode(t.role))
        .Bind(4, TaskStateCode(t.state))
        .Bind(5, t.dispatched_ms)
        .Bind(6, t.accept_by_ms)
        .Bind(7, t.accepted_ms)
        .Bind(8, t.due_ms)
        .Bind(9, t.warn_ms)
        .Bind(10, static_cast<int64_t>(t.warned))
        .Bind(11, static_cast<int64_t>(t.overdue))
        .Bind(12, t.resolved_ms)
        .Bind(13, t.reply)
        .Bind(14, t.return_reason)
        .Bind(15, ExtensionStateCode(t.extension))
        .Bind(16, static_cast<int64_t>(t.extension_days))
        .Bind(17, t.extension_reason)
        .Bind(18, o.district)
        .Bind(19, o.created_ms);
    ZX_RETURN_IF_ERROR(st.Run());
  }
  for (const FilledField& f : o.fields) {
    ZX_ASSIGN_OR_RETURN(
        storage::Statement st,
        db_.Prepare("INSERT INTO ticket_fields (ticket_id, name, machine_value, confidence, "
                    "person_value, confirmed_by) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT "
                    "(ticket_id, name) DO UPDATE SET person_value = excluded.person_value, "
                    "confirmed_by = excluded.confirmed_by"));
    st.Bind(1, o.id).Bind(2, f.name).Bind(3, f.machine_value).Bind(4, f.confidence);
    if (f.person_value)
      st.Bind(5, *f.person_value);
    else
      st.BindNull(5);
    st.Bind(6, f.confirmed_by);
    ZX_RETURN_IF_ERROR(st.Run());
  }
  return Status::Ok();
}

Status OrderStore::AppendHistory(const std::string& id, std::vector<HistoryEntry> entries) {
  if (entries.empty()) return Status::Ok();
  ZX_ASSIGN_OR_RETURN(
      storage::Statement last,
      db_.Prepare("SELECT COALESCE(MAX(seq), 0) FROM ticket_history WHERE ticket_id = ?"));
  last.Bind(1, id);
  ZX_ASSIGN_OR_RETURN(bool row, last.Step());
  int64_t seq = row ? last.Int(0) : 0;
  for (auto& e : entries) {
    ZX_ASSIGN_OR_RETURN(
        storage::Statement st,
        db_.Prepare("INSERT INTO ticket_history (ticket_id, seq, at_ms, actor, action, "
                    "department, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                    "?)"));
    st.Bind(1, id)
        .Bind(2, ++seq)
        .Bind(3, e.at_ms)
        .Bind(4, e.actor)
        .Bind(5, e.action)
        .Bind(6, e.department)
        .Bind(7, e.from_state)
        .Bind(8, e.to_state)
        .Bind(9, text::MaskText(e.reason));
    ZX_RETURN_IF_ERROR(st.Run());
  }
  return Status::Ok();
}

Result<Order> OrderStore::Load(const std::string& id, bool open_personal) const {
  ZX_ASSIGN_OR_RETURN(storage::Statement st, db_.Prepare(std::string("SELECT ") + kOrderColumns +
                                                         " FROM tickets WHERE id = ?"));
  st.Bind(1, id);
  ZX_ASSIGN_OR_RETURN(bool found, st.Step());
  if (!found) return NotFound("no work order " + id);
  Order o;
  o.id = st.Text(0);
  o.state = ParseOrderState(st.Text(1)).value_or(OrderState::kPendingDispatch);
  o.channel = st.Text(2);
  o.conversation_id = st.Text(3);
  o.topic = st.Text(4);
  o.category = st.Text(5);
  o.summary = st.Text(6);
  o.text = st.Text(7);
  o.district = st.Text(8);
  o.place = st.Text(9);
  o.tier = ParseTier(st.Text(10)).value_or(Tier::k24h);
  o.urgent = st.Int(11) != 0;
  o.confidence = st.Double(12);
  o.contact_masked = st.Text(13);
  o.merged_into = st.Text(14);
  o.reopened = static_cast<int>(st.Int(15));
  o.visit = ParseVisitState(st.Text(16)).value_or(VisitState::kNone);
  o.visit_due_ms = st.Int(17);
  o.visit_solved = st.Int(18) != 0;
  o.satisfaction = SatisfactionOf(st.Text(19));
  o.created_ms = st.Int(20);
  o.resolved_ms = st.Int(21);
  o.closed_ms = st.Int(22);
  o.created_by = st.Text(23);
  if (open_personal && cipher_) {
    auto open = [&](int col, const char* column) -> Result<std::optional<std::string>> {
      if (st.IsNull(col)) return std::optional<std::string>();
      auto plain = cipher_->Decrypt(st.Text(col), security::FieldAad(kTable, column, id));
      if (!plain.ok())
        return security::AsKeyMissing(plain.status(), "the " + std::string(column) + " of " + id);
      return std::optional<std::string>(std::move(plain).value());
    };
    ZX_ASSIGN_OR_RETURN(o.contact, open(24, "contact_enc"));
    ZX_ASSIGN_OR_RETURN(o.name, open(25, "name_enc"));
    ZX_ASSIGN_OR_RETURN(o.address, open(26, "address_enc"));
  }

  ZX_ASSIGN_OR_RETURN(storage::Statement tasks,
                      db_.Prepare(std::string("SELECT ") + kTaskColumns +
                                  " FROM ticket_tasks WHERE ticket_id = ? ORDER BY "
                                  "dispatched_ms, department"));
  tasks.Bind(1, id);
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, tasks.Step());
    if (!row) break;
    Task t;
    t.department = tasks.Text(0);
    t.role = ParseRole(tasks.Text(1)).value_or(Role::kLead);
    t.state = ParseTaskState(tasks.Text(2)).value_or(TaskState::kDispatched);
    t.dispatched_ms = tasks.Int(3);
    t.accept_by_ms = tasks.Int(4);
    t.accepted_ms = tasks.Int(5);
    t.due_ms = tasks.Int(6);
    t.warn_ms = tasks.Int(7);
    t.warned = tasks.Int(8) != 0;
    t.overdue = tasks.Int(9) != 0;
    t.resolved_ms = tasks.Int(10);
    t.reply = tasks.Text(11);
    t.return_reason = tasks.Text(12);
    t.extension = ParseExtensionState(tasks.Text(13)).value_or(ExtensionState::kNone);
    t.extension_days = static_cast<int>(tasks.Int(14));
    t.extension_reason = tasks.Text(15);
    o.tasks.push_back(std::move(t));
  }
  // Lead first, then by dispatch time: the order in which people read them.
  std::stable_sort(o.tasks.begin(), o.tasks.end(), [](const Task& a, const Task& b) {
    return a.role == Role::kLead && b.role != Role::kLead;
  });

  ZX_ASSIGN_OR_RETURN(storage::Statement fields,
                      db_.Prepare("SELECT name, machine_value, confidence, person_value, "
                                  "confirmed_by FROM ticket_fields WHERE ticket_id = ? ORDER BY "
                                  "name"));
  fields.Bind(1, id);
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, fields.Step());
    if (!row) break;
    FilledField f;
    f.name = fields.Text(0);
    f.machine_value = fields.Text(1);
    f.confidence = fields.Double(2);
    if (!fields.IsNull(3)) f.person_value = fields.Text(3);
    f.confirmed_by = fields.Text(4);
    o.fields.push_back(std::move(f));
  }
  return o;
}

Result<std::vector<HistoryEntry>> OrderStore::History(const std::string& id) const {
  ZX_ASSIGN_OR_RETURN(storage::Statement st,
                      db_.Prepare("SELECT seq, at_ms, actor, action, department, from_state, "
                                  "to_state, reason FROM ticket_history WHERE ticket_id = ? "
                                  "ORDER BY seq"));
  st.Bind(1, id);
  std::vector<HistoryEntry> out;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back({st.Int(0), st.Int(1), st.Text(2), st.Text(3), st.Text(4), st.Text(5), st.Text(6),
                   st.Text(7)});
  }
  return out;
}

Result<std::vector<std::string>> OrderStore::MergedInto(const std::string& id) const {
  ZX_ASSIGN_OR_RETURN(
      storage::Statement st,
      db_.Prepare("SELECT id FROM tickets WHERE merged_into = ? ORDER BY created_ms, id"));
  st.Bind(1, id);
  std::vector<std::string> out;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(st.Text(0));
  }
  return out;
}

Result<std::string> OrderStore::FindDuplicate(const std::string& topic, const std::string& place,
                                              int64_t since_ms, const std::string& except) const {
  ZX_ASSIGN_OR_RETURN(
      storage::Statement st,
      db_.Prepare("SELECT id FROM tickets WHERE topic = ? AND place = ? AND created_ms >= ? AND "
                  "state IN ('pending_dispatch', 'dispatched', 'resolved') AND id <> ? "
                  "ORDER BY created_ms DESC, id DESC LIMIT 1"));
  st.Bind(1, topic).Bind(2, place).Bind(3, since_ms).Bind(4, except);
  ZX_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.Text(0) : std::string();
}

Result<int64_t> OrderStore::Count(const OrderQuery& q) const {
  ZX_ASSIGN_OR_RETURN(OrderListSql sql, BuildOrderList(q, cipher_.get()));
  ZX_ASSIGN_OR_RETURN(storage::Statement count, db_.Prepare(sql.count));
  sql.BindAll(count);
  ZX_ASSIGN_OR_RETURN(bool has, count.Step());
  return has ? count.Int(0) : int64_t{0};
}

Result<OrderPage> OrderStore::List(const OrderQuery& q) const {
  ZX_ASSIGN_OR_RETURN(OrderListSql sql, BuildOrderList(q, cipher_.get()));
  OrderPage page;
  // Counted first, its statement finalised before the page is read: no statement is left
  // holding a snapshot.
  ZX_ASSIGN_OR_RETURN(page.total, Count(q));
  ZX_ASSIGN_OR_RETURN(storage::Statement st, db_.Prepare(sql.page));
  int n = sql.BindAll(st);
  st.Bind(n + 1, static_cast<int64_t>(q.limit)).Bind(n + 2, static_cast<int64_t>(q.offset));
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    OrderRow r;
    r.id = st.Text(0);
    r.state = ParseOrderState(st.Text(1)).value_or(OrderState::kPendingDispatch);
    r.topic = st.Text(2);
    r.category = st.Text(3);
    r.district = st.Text(4);
    r.place = st.Text(5);
    r.summary = st.Text(6);
    r.contact_masked = st.Text(7);
    r.merged_into = st.Text(8);
    r.tier = ParseTier(st.Text(9)).value_or(Tier::k24h);
    r.lead_department = st.Text(10);
    r.created_ms = st.Int(11);
    r.due_ms = st.Int(12);
    r.warned = st.Int(13) != 0;
    r.overdue = st.Int(14) != 0;
    r.visit = ParseVisitState(st.Text(15)).value_or(VisitState::kNone);
    page.rows.push_back(std::move(r));
  }
  return page;
}

Result<std::vector<std::string>> OrderStore::DueForTick(int64_t now_ms) const {
  ZX_ASSIGN_OR_RETURN(
      storage::Statement st,
      db_.Prepare("SELECT DISTINCT ticket_id FROM ticket_tasks WHERE state IN ('dispatched', "
                  "'accepted') AND ((warned = 0 AND warn_ms > 0 AND warn_ms <= ?) OR (overdue = 0 "
                  "AND due_ms > 0 AND due_ms <= ?))"));
  st.Bind(1, now_ms).Bind(2, now_ms);
  std::vector<std::string> out;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(st.Text(0));
  }
  return out;
}

std::vector<security::EncryptedColumn> TicketEncryptedColumns() {
  return {{kTable, "id", "contact_enc"}, {kTable, "id", "name_enc"}, {kTable, "id", "address_enc"}};
}

}  // namespace zx::tickets
