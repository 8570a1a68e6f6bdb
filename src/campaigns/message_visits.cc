#include "campaigns/message_visits.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "base/file.h"
#include "base/log.h"
#include "base/toml_file.h"
#include "campaigns/notice_calls.h"

namespace zx::campaigns {
namespace {

// What the verdict column holds besides a key: the wait ran out; or the citizen wrote twice
// without a verdict and a person visits.
constexpr const char* kUnanswered = "unanswered";
constexpr const char* kForPerson = "person";

Status ReadText(const toml::table& root, const char* key, const std::string& origin,
                std::string& out) {
  const auto* v = root.get(key);
  if (!v || !v->is_string() || v->as_string()->get().empty())
    return InvalidArgument(origin + ": \"" + key + "\" must be a non-empty string");
  out = v->as_string()->get();
  return Status::Ok();
}

Status ReadPhrases(const toml::table& root, const char* key, const std::string& origin,
                   std::vector<std::string>& out) {
  const auto* v = root.get(key);
  if (!v) return Status::Ok();
  if (!v->is_array()) return InvalidArgument(origin + ": \"" + key + "\" must be a list");
  for (const toml::node& n : *v->as_array()) {
    if (!n.is_string() || n.as_string()->get().empty())
      return InvalidArgument(TomlWhere(origin, n.source()) + ": \"" + key +
                             "\" holds only non-empty strings");
    out.push_back(n.as_string()->get());
  }
  return Status::Ok();
}

bool Holds(std::string_view text, const std::vector<std::string>& phrases) {
  return std::any_of(phrases.begin(), phrases.end(),
                     [&](const std::string& p) { return text.find(p) != std::string_view::npos; });
}

std::string_view Trimmed(std::string_view s) {
  const std::string_view space = " \t\r\n。.!！";
  while (!s.empty() && space.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
  // Full-width punctuation ends with a byte of its own sequence; strip the whole character.
  for (std::string_view tail : {"。", "！", "，"})
    while (s.ends_with(tail)) s.remove_suffix(tail.size());
  while (!s.empty() && space.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
  return s;
}

void Replace(std::string& text, std::string_view key, const std::string& value) {
  if (auto at = text.find(key); at != std::string::npos) text.replace(at, key.size(), value);
}

char KeyOf(tickets::Satisfaction s) {
  switch (s) {
    case tickets::Satisfaction::kSatisfied:
      return '1';
    case tickets::Satisfaction::kBasicallySatisfied:
      return '2';
    default:
      return '3';
  }
}

}  // namespace

Result<MessageVisitWords> MessageVisitWords::Parse(std::string_view toml,
                                                   const std::string& origin) {
  ZX_ASSIGN_OR_RETURN(toml::table root, ParseToml(toml, origin));
  MessageVisitWords w;
  ZX_RETURN_IF_ERROR(ReadText(root, "ask", origin, w.ask));
  ZX_RETURN_IF_ERROR(ReadText(root, "reask", origin, w.reask));
  ZX_RETURN_IF_ERROR(ReadText(root, "thanks", origin, w.thanks));
  ZX_RETURN_IF_ERROR(ReadText(root, "reopened", origin, w.reopened));
  ZX_RETURN_IF_ERROR(ReadText(root, "left", origin, w.left));
  ZX_RETURN_IF_ERROR(ReadPhrases(root, "satisfied", origin, w.satisfied));
  ZX_RETURN_IF_ERROR(ReadPhrases(root, "basically", origin, w.basically));
  ZX_RETURN_IF_ERROR(ReadPhrases(root, "dissatisfied", origin, w.dissatisfied));
  return w;
}

Result<MessageVisitWords> MessageVisitWords::Load(const std::string& path) {
  ZX_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return Parse(text, path);
}

std::optional<tickets::Satisfaction> MessageVisitWords::Verdict(std::string_view raw) const {
  const std::string_view text = Trimmed(raw);
  if (auto exact = tickets::ParseSatisfaction(text)) return exact;
  if (Holds(text, dissatisfied)) return tickets::Satisfaction::kDissatisfied;
  // The words a return-visit call hears (满意, 基本满意, 不满意, 还行, 没解决, ...), so that both
  // channels hear the same verdicts; then the file's own.
  if (const char key = VerdictKeyOf(text)) return tickets::ParseSatisfaction(std::string(1, key));
  if (Holds(text, basically)) return tickets::Satisfaction::kBasicallySatisfied;
  if (Holds(text, satisfied)) return tickets::Satisfaction::kSatisfied;
  return std::nullopt;
}

Status MessageVisits::Migrate(storage::Database& db) {
  // One row per order and round. posted: 1 once the question is in the conversation; verdict:
  // '' waiting, '1' '2' '3', 'unanswered', 'person' (left to staff); applied: 1 once it is on
  // the order; asked: the re-asks made (at most one). No personal data.
  return db.Migrate({{"message_visits", 1, R"sql(
    CREATE TABLE message_visits (
      order_id TEXT NOT NULL,
      round INTEGER NOT NULL,
      conversation_id TEXT NOT NULL,
      added_ms BIGINT NOT NULL,
      posted INTEGER NOT NULL DEFAULT 0,
      posted_ms BIGINT NOT NULL DEFAULT 0,
      asked INTEGER NOT NULL DEFAULT 0,
      verdict TEXT NOT NULL DEFAULT '',
      answered_ms BIGINT NOT NULL DEFAULT 0,
      applied INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (order_id, round));
    CREATE INDEX message_visits_conversation ON message_visits(conversation_id, verdict);
    CREATE INDEX message_visits_apply ON message_visits(applied, verdict);
  )sql"}});
}

Result<std::unique_ptr<MessageVisits>> MessageVisits::Open(storage::Database& db,
                                                           tickets::WorkOrders& orders,
                                                           MessageVisitWords words, Poster poster,
                                                           const Clock& clock,
                                                           MessageVisitOptions options) {
  if (!poster) return InvalidArgument("message visits: a poster is required");
  if (options.wait_ms < 60 * 1000)
    return InvalidArgument("message visits: wait_ms must be at least a minute");
  ZX_RETURN_IF_ERROR(Migrate(db));
  return std::unique_ptr<MessageVisits>(
      new MessageVisits(db, orders, std::move(words), std::move(poster), clock, options));
}

Result<MessageVisitTick> MessageVisits::Tick() {
  MessageVisitTick tick;
  {
    std::lock_guard lock(mu_);
    ZX_RETURN_IF_ERROR(GiveUp());
    ZX_RETURN_IF_ERROR(Apply(tick));
    ZX_RETURN_IF_ERROR(AddDue());
  }
  // Unlocked: posting takes the conversation's lock, under which the dialogue calls Reply.
  ZX_RETURN_IF_ERROR(Post(tick));
  return tick;
}

// Visits whose question went out longer ago than the wait: 未回访 (claimed, then applied).
Status MessageVisits::GiveUp() {
  const int64_t before = clock_.NowUnixMillis() - options_.wait_ms;
  ZX_ASSIGN_OR_RETURN(storage::Statement st,
                      db_.Prepare("UPDATE message_visits SET verdict = ?, answered_ms = ? WHERE "
                                  "verdict = '' AND posted = 1 AND posted_ms <= ?"));
  return st.Bind(1, kUnanswered).Bind(2, clock_.NowUnixMillis()).Bind(3, before).Run();
}

// Claimed verdicts put on their orders. An order no longer 待回访 in that round had it put on
// already (a crash before the mark) or was visited by a person: only marked.
Status MessageVisits::Apply(MessageVisitTick& tick) {
  struct Kept {
    std::string order_id;
    int64_t round = 0;
    std::string verdict;
  };
  std::vector<Kept> kept;
  {
    ZX_ASSIGN_OR_RETURN(storage::Statement st,
                        db_.Prepare("SELECT order_id, round, verdict FROM message_visits WHERE "
                                    "applied = 0 AND verdict <> '' ORDER BY added_ms LIMIT 200"));
    for (;;) {
      ZX_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      kept.push_back({st.Text(0), st.Int(1), st.Text(2)});
    }
  }
  for (const Kept& k : kept) {
    auto order = orders_.Get(k.order_id);
    if (!order.ok() && order.status().code() != Code::kNotFound) return order.status();
    const bool due = order.ok() && order->state == tickets::OrderState::kResolved &&
                     order->visit == tickets::VisitState::kDue && order->reopened == k.round;
    if (due && k.verdict.size() == 1) {
      auto satisfaction = tickets::ParseSatisfaction(k.verdict);
      auto visited = orders_.RecordVisit(k.order_id, k.verdict != "3", *satisfaction, "system",
                                         "消息回访回复" + k.verdict);
      if (!visited.ok()) {
        log::Warn("message_visit.record_failed order={} error=\"{}\"", k.order_id,
                  visited.status().message());
        continue;  // again on the next Tick
      }
      ++tick.answered;
      log::Info("message_visit.answered order={} round={} verdict={}", k.order_id, k.round,
                k.verdict);
    } else if (due && k.verdict == kUnanswered) {
      auto given_up = orders_.VisitUnanswered(k.order_id, "system");
      if (!given_up.ok()) {
        log::Warn("message_visit.unanswered_failed order={} error=\"{}\"", k.order_id,
                  given_up.status().message());
        continue;
      }
      ++tick.unanswered;
      log::Info("message_visit.unanswered order={} round={}", k.order_id, k.round);
    } else if (due) {
      log::Info("message_visit.for_person order={} round={}", k.order_id, k.round);
    }
    ZX_ASSIGN_OR_RETURN(storage::Statement done,
                        db_.Prepare("UPDATE message_visits SET applied = 1 WHERE order_id = ? "
                                    "AND round = ?"));
    ZX_RETURN_IF_ERROR(done.Bind(1, k.order_id).Bind(2, k.round).Run());
  }
  return Status::Ok();
}

// Orders 办结 and 待回访 from a chat conversation without a number, without a row for their
// round: one row each (posted by Post).
Status MessageVisits::AddDue() {
  tickets::OrderQuery q;
  q.state = tickets::OrderState::kResolved;
  q.sort = tickets::OrderQuery::kCreated;
  q.descending = false;
  q.limit = 500;
  ZX_ASSIGN_OR_RETURN(tickets::OrderPage page, orders_.List(q));
  for (const auto& row : page.rows) {
    // A number: the telephone visits it (return_visits.h).
    if (row.visit != tickets::VisitState::kDue || !row.contact_masked.empty()) continue;
    ZX_ASSIGN_OR_RETURN(tickets::Order order, orders_.Get(row.id));
    // A web chat's: "web" (the conversation's channel, as its complaint action names it) or
    // "chat" (the agent's order form of such a conversation). Not a phone's or the API's.
    if ((order.channel != "web" && order.channel != "chat") || order.conversation_id.empty())
      continue;
    ZX_ASSIGN_OR_RETURN(
        storage::Statement add,
        db_.Prepare("INSERT INTO message_visits (order_id, round, conversation_id, added_ms) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (order_id, round) DO NOTHING"));
    add.Bind(1, order.id)
        .Bind(2, static_cast<int64_t>(order.reopened))
        .Bind(3, order.conversation_id)
        .Bind(4, clock_.NowUnixMillis());
    ZX_RETURN_IF_ERROR(add.Run());
  }
  return Status::Ok();
}

// The questions not posted yet. A crash after the post and before the mark posts it again (the
// citizen reads it twice); the verdict is still taken once.
Status MessageVisits::Post(MessageVisitTick& tick) {
  struct Due {
    std::string order_id;
    int64_t round = 0;
    std::string conversation_id;
  };
  std::vector<Due> due;
  {
    ZX_ASSIGN_OR_RETURN(storage::Statement st,
                        db_.Prepare("SELECT order_id, round, conversation_id FROM message_visits "
                                    "WHERE posted = 0 AND verdict = '' ORDER BY added_ms LIMIT "
                                    "200"));
    for (;;) {
      ZX_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      due.push_back({st.Text(0), st.Int(1), st.Text(2)});
    }
  }
  for (const Due& d : due) {
    ZX_ASSIGN_OR_RETURN(tickets::Order order, orders_.Get(d.order_id));
    std::string reply;
    for (const auto& t : order.tasks)
      if (t.role == tickets::Role::kLead && !t.reply.empty()) reply = t.reply;
    for (const auto& t : order.tasks)
      if (reply.empty() && !t.reply.empty()) reply = t.reply;
    std::string text = words_.ask;
    Replace(text, "{id}", order.id);
    Replace(text, "{reply}", reply);
    if (Status s = poster_(d.conversation_id, text); !s.ok()) {
      log::Warn("message_visit.not_posted order={} conversation={} error=\"{}\"", d.order_id,
                d.conversation_id, s.message());
      if (s.code() != Code::kNotFound) continue;  // again on the next Tick
      // The conversation is gone (retention): a person visits.
      ZX_ASSIGN_OR_RETURN(storage::Statement gone,
                          db_.Prepare("UPDATE message_visits SET verdict = ?, applied = 1 WHERE "
                                      "order_id = ? AND round = ?"));
      ZX_RETURN_IF_ERROR(gone.Bind(1, kForPerson).Bind(2, d.order_id).Bind(3, d.round).Run());
      continue;
    }
    ZX_ASSIGN_OR_RETURN(storage::Statement set,
                        db_.Prepare("UPDATE message_visits SET posted = 1, posted_ms = ? WHERE "
                                    "order_id = ? AND round = ?"));
    ZX_RETURN_IF_ERROR(
        set.Bind(1, clock_.NowUnixMillis()).Bind(2, d.order_id).Bind(3, d.round).Run());
    ++tick.posted;
    log::Info("message_visit.posted order={} round={} conversation={}", d.order_id, d.round,
              d.conversation_id);
  }
  return Status::Ok();
}

Result<std::optional<std::string>> MessageVisits::Reply(const std::string& conversation_id,
                                                        std::string_view text) {
  std::lock_guard lock(mu_);
  std::string order_id;
  int64_t round = 0, asked = 0;
  {
    ZX_ASSIGN_OR_RETURN(storage::Statement st,
                        db_.Prepare("SELECT order_id, round, asked FROM message_visits WHERE "
                                    "conversation_id = ? AND verdict = '' AND posted = 1 ORDER "
                                    "BY posted_ms DESC LIMIT 1"));
    ZX_ASSIGN_OR_RETURN(bool has, st.Bind(1, conversation_id).Step());
    if (!has) return std::optional<std::string>();
    order_id = st.Text(0);
    round = st.Int(1);
    asked = st.Int(2);
  }
  const auto verdict = words_.Verdict(text);
  if (!verdict && asked == 0) {
    ZX_ASSIGN_OR_RETURN(storage::Statement st,
                        db_.Prepare("UPDATE message_visits SET asked = 1 WHERE order_id = ? AND "
                                    "round = ? AND verdict = ''"));
    ZX_RETURN_IF_ERROR(st.Bind(1, order_id).Bind(2, round).Run());
    log::Info("message_visit.reasked order={} round={}", order_id, round);
    return std::optional<std::string>(words_.reask);
  }
  const std::string value = verdict ? std::string(1, KeyOf(*verdict)) : kForPerson;
  ZX_ASSIGN_OR_RETURN(storage::Statement claim,
                      db_.Prepare("UPDATE message_visits SET verdict = ?, answered_ms = ?, "
                                  "applied = ? WHERE order_id = ? AND round = ? AND verdict = '' "
                                  "RETURNING order_id"));
  claim.Bind(1, value)
      .Bind(2, clock_.NowUnixMillis())
      .Bind(3, int64_t{verdict ? 0 : 1})
      .Bind(4, order_id)
      .Bind(5, round);
  ZX_ASSIGN_OR_RETURN(bool claimed, claim.Step());
  claim.Reset();
  if (!claimed) return std::optional<std::string>();
  if (!verdict) {
    log::Info("message_visit.for_person order={} round={}", order_id, round);
    return std::optional<std::string>(words_.left);
  }
  MessageVisitTick tick;
  ZX_RETURN_IF_ERROR(Apply(tick));  // on the order now; a failure is repaired by Tick
  const bool reopened = *verdict == tickets::Satisfaction::kDissatisfied && round == 0;
  return std::optional<std::string>(reopened ? words_.reopened : words_.thanks);
}

void MessageVisits::ScheduleOn(Worker& worker, std::function<bool()> may_run) {
  worker.Every(options_.check_every, [this, may_run = std::move(may_run)] {
    if (may_run && !may_run()) return;  // another node runs them
    if (auto tick = Tick(); !tick.ok())
      log::Warn("tickets.message_visits_failed error=\"{}\"", tick.status().message());
  });
}

}  // namespace zx::campaigns
