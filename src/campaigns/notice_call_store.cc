#include "campaigns/notice_call_store.h"

#include <nlohmann/json.hpp>

#include "campaigns/notice_calls.h"

namespace zx::campaigns {
namespace {

using nlohmann::json;

constexpr const char* kColumns =
    "id, attempt_id, created_at, ended_at, number_masked, options, state, outcome, sip_code, "
    "digits, plays, events, notice_ms, node";

// The options column: what was asked of the call, minus the number and the text.
std::string OptionsToText(const NoticeRequest& r) {
  return json{{"confirm_keys", r.confirm_keys},
              {"repeat_keys", r.repeat_keys},
              {"max_plays", r.max_plays},
              {"key_timeout_s", r.key_timeout_s},
              {"ring_timeout_s", r.ring_timeout_s}}
      .dump();
}

NoticeRequest OptionsFromText(const std::string& text) {
  NoticeRequest r;
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return r;
  r.confirm_keys = j.value("confirm_keys", r.confirm_keys);
  r.repeat_keys = j.value("repeat_keys", r.repeat_keys);
  r.max_plays = j.value("max_plays", r.max_plays);
  r.key_timeout_s = j.value("key_timeout_s", r.key_timeout_s);
  r.ring_timeout_s = j.value("ring_timeout_s", r.ring_timeout_s);
  return r;
}

std::vector<NoticeEvent> EventsFromText(const std::string& text) {
  std::vector<NoticeEvent> out;
  json events = json::parse(text, nullptr, false);
  if (!events.is_array()) return out;
  for (const json& j : events) {
    if (!j.is_object()) continue;
    NoticeEvent e;
    e.type = j.value("event", "");
    e.at_ms = j.value("at_ms", int64_t{0});
    if (j.contains("sip_code")) e.sip_code = j.value("sip_code", 0);
    if (j.contains("play")) e.play = j.value("play", 0);
    e.restart = j.value("restart", false);
    if (j.contains("key")) e.key = j.value("key", "");
    if (j.contains("cause")) e.cause = j.value("cause", "");
    if (j.contains("outcome")) e.outcome = j.value("outcome", "");
    if (j.contains("said")) e.said = j.value("said", "");
    if (j.contains("when_ms")) e.when_ms = j.value("when_ms", int64_t{0});
    out.push_back(std::move(e));
  }
  return out;
}

NoticeState StateFromName(std::string_view name) {
  for (NoticeState s : {NoticeState::kDialing, NoticeState::kRinging, NoticeState::kAnswered})
    if (name == NoticeStateName(s)) return s;
  return NoticeState::kEnded;
}

NoticeOutcome OutcomeFromName(std::string_view name) {
  for (int i = 1; i <= static_cast<int>(NoticeOutcome::kLastOutcome); ++i)
    if (name == NoticeOutcomeName(static_cast<NoticeOutcome>(i)))
      return static_cast<NoticeOutcome>(i);
  return NoticeOutcome::kNone;
}

NoticeCall RowToCall(const storage::Statement& st) {
  NoticeCall c;
  c.id = st.Text(0);
  c.attempt_id = st.Text(1);
  c.created_ms = st.Int(2);
  c.ended_ms = st.IsNull(3) ? 0 : st.Int(3);
  c.number_masked = st.Text(4);
  c.options = OptionsFromText(st.Text(5));
  c.state = StateFromName(st.Text(6));
  c.outcome = OutcomeFromName(st.Text(7));
  c.sip_code = static_cast<int>(st.Int(8));
  c.digits = st.Text(9);
  c.plays = static_cast<int>(st.Int(10));
  c.events = EventsFromText(st.Text(11));
  c.notice_ms = st.Int(12);
  c.node = st.Text(13);
  return c;
}

void BindOptional(storage::Statement& st, int index, const std::optional<std::string>& value) {
  if (value)
    st.Bind(index, *value);
  else
    st.BindNull(index);
}

}  // namespace

std::string NoticeEventsJson(const std::vector<NoticeEvent>& events) {
  json out = json::array();
  for (const NoticeEvent& e : events) {
    json j = {{"event", e.type}, {"at_ms", e.at_ms}};
    if (e.sip_code) j["sip_code"] = *e.sip_code;
    if (e.play) j["play"] = *e.play;
    if (e.restart) j["restart"] = true;
    if (e.key) j["key"] = *e.key;
    if (e.cause) j["cause"] = *e.cause;
    if (e.outcome) j["outcome"] = *e.outcome;
    if (e.said) j["said"] = *e.said;
    if (e.when_ms) j["when_ms"] = *e.when_ms;
    out.push_back(std::move(j));
  }
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

Status NoticeCallStore::Migrate() {
  // number_enc and text_enc hold FieldCipher output (NULL without a key file, and after
  // retention); everything else is not personal.
  return db_.Migrate(
      {{"notice_calls", 1, R"sql(
    CREATE TABLE notice_calls (
      id TEXT PRIMARY KEY,
      attempt_id TEXT NOT NULL UNIQUE,
      created_at INTEGER NOT NULL,
      ended_at INTEGER,
      number_masked TEXT NOT NULL,
      number_enc TEXT,
      text_enc TEXT,
      options TEXT NOT NULL,
      state TEXT NOT NULL,
      outcome TEXT NOT NULL DEFAULT '',
      sip_code INTEGER NOT NULL DEFAULT 0,
      digits TEXT NOT NULL DEFAULT '',
      plays INTEGER NOT NULL DEFAULT 0,
      notice_ms INTEGER NOT NULL DEFAULT 0,
      events TEXT NOT NULL DEFAULT '[]');
    CREATE INDEX notice_calls_created ON notice_calls(created_at);
  )sql"},
       // The node that runs the call (several nodes on one database).
       {"notice_calls", 2, "ALTER TABLE notice_calls ADD COLUMN node TEXT NOT NULL DEFAULT ''"}});
}

Status NoticeCallStore::Insert(const NoticeCall& c, const std::optional<std::string>& number_enc,
                               const std::optional<std::string>& text_enc) {
  ZX_ASSIGN_OR_RETURN(
      auto st, db_.Prepare("INSERT INTO notice_calls (id, attempt_id, created_at, number_masked, "
                           "number_enc, text_enc, options, state, events, notice_ms, node) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st.Bind(1, c.id).Bind(2, c.attempt_id).Bind(3, c.created_ms).Bind(4, c.number_masked);
  BindOptional(st, 5, number_enc);
  BindOptional(st, 6, text_enc);
  return st.Bind(7, OptionsToText(c.options))
      .Bind(8, NoticeStateName(c.state))
      .Bind(9, NoticeEventsJson(c.events))
      .Bind(10, c.notice_ms)
      .Bind(11, c.node)
      .Run();
}

Status NoticeCallStore::Update(const NoticeCall& c) {
  ZX_ASSIGN_OR_RETURN(
      auto st,
      db_.Prepare("UPDATE notice_calls SET state = ?, outcome = ?, sip_code = ?, digits = ?, "
                  "plays = ?, events = ?, ended_at = ? WHERE id = ?"));
  st.Bind(1, NoticeStateName(c.state))
      .Bind(2, NoticeOutcomeName(c.outcome))
      .Bind(3, static_cast<int64_t>(c.sip_code))
      .Bind(4, c.digits)
      .Bind(5, static_cast<int64_t>(c.plays))
      .Bind(6, NoticeEventsJson(c.events));
  if (c.ended_ms)
    st.Bind(7, c.ended_ms);
  else
    st.BindNull(7);
  return st.Bind(8, c.id).Run();
}

Status NoticeCallStore::Delete(const std::string& id) {
  ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare("DELETE FROM notice_calls WHERE id = ?"));
  return st.Bind(1, id).Run();
}

Result<std::optional<NoticeCall>> NoticeCallStore::FindOne(const char* column,
                                                           const std::string& value) {
  ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare(std::string("SELECT ") + kColumns +
                                           " FROM notice_calls WHERE " + column + " = ?"));
  ZX_ASSIGN_OR_RETURN(bool row, st.Bind(1, value).Step());
  if (!row) return std::optional<NoticeCall>();
  return std::optional<NoticeCall>(RowToCall(st));
}

Result<std::optional<NoticeCall>> NoticeCallStore::FindById(const std::string& id) {
  return FindOne("id", id);
}

Result<std::optional<NoticeCall>> NoticeCallStore::FindByAttempt(const std::string& attempt_id) {
  return FindOne("attempt_id", attempt_id);
}

Result<std::vector<NoticeCall>> NoticeCallStore::ListUnfinished() {
  ZX_ASSIGN_OR_RETURN(auto st, db_.Prepare(std::string("SELECT ") + kColumns +
                                           " FROM notice_calls WHERE state <> ?"));
  st.Bind(1, NoticeStateName(NoticeState::kEnded));
  std::vector<NoticeCall> out;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(RowToCall(st));
  }
  return out;
}

std::vector<security::EncryptedColumn> EncryptedColumns() {
  return {{"notice_calls", "id", "number_enc"}, {"notice_calls", "id", "text_enc"}};
}

std::vector<security::RetentionRule> RetentionRules() {
  return {{"notice_calls",
           "created_at",
           security::RetentionCategory::kPersonal,
           "",
           {"number_enc", "text_enc"},
           "the call's outcome, events and masked number"}};
}

}  // namespace zx::campaigns
