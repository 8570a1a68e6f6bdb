#include "dialogue/callback_store.h"

#include <nlohmann/json.hpp>

#include "security/crypto.h"
#include "security/encoding.h"
#include "text/pii.h"

namespace zx::dialogue {
namespace {

using nlohmann::json;

constexpr char kTable[] = "callbacks";
constexpr char kColumns[] =
    "id, conversation_id, channel, reason, state, phone_masked, phone_enc, summary, departments, "
    "districts, created_ms, done_ms, done_by, note";

std::string ListJson(const std::vector<std::string>& items) {
  return json(items).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<std::string> ListOf(const std::string& stored) {
  std::vector<std::string> out;
  json j = json::parse(stored, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& v : j)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

}  // namespace

Result<std::unique_ptr<CallbackStore>> CallbackStore::Open(
    storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher,
    const Clock& clock) {
  // phone_enc and summary hold FieldCipher output (NULL without a key file); phone_index the
  // blind index of the number's digits.
  ZX_RETURN_IF_ERROR(db.Migrate({{"callbacks", 1, R"sql(
    CREATE TABLE callbacks (
      id TEXT PRIMARY KEY,
      conversation_id TEXT NOT NULL,
      channel TEXT NOT NULL,
      reason TEXT NOT NULL,
      state TEXT NOT NULL,
      phone_masked TEXT NOT NULL DEFAULT '',
      phone_enc TEXT,
      phone_index TEXT,
      summary TEXT,
      departments TEXT NOT NULL DEFAULT '[]',
      districts TEXT NOT NULL DEFAULT '[]',
      created_ms INTEGER NOT NULL,
      done_ms INTEGER NOT NULL DEFAULT 0,
      done_by TEXT NOT NULL DEFAULT '',
      note TEXT NOT NULL DEFAULT '');
    CREATE INDEX callbacks_state ON callbacks(state, created_ms);
    CREATE INDEX callbacks_phone ON callbacks(phone_index);
  )sql"}}));
  return std::unique_ptr<CallbackStore>(new CallbackStore(db, std::move(cipher), clock));
}

std::string CallbackStore::NormalizePhone(std::string_view phone) {
  std::string digits;
  for (char c : phone)
    if (c >= '0' && c <= '9') digits.push_back(c);
  if (digits.size() == 13 && digits.compare(0, 2, "86") == 0) digits.erase(0, 2);
  return digits;
}

Result<std::string> CallbackStore::Add(const NewCallback& cb) {
  if (cb.conversation_id.empty()) return InvalidArgument("a call-back needs its conversation");
  if (cb.reason.empty()) return InvalidArgument("a call-back needs a reason");
  std::string id = "cb" + security::HexEncode(security::RandomBytes(16));
  std::string phone = NormalizePhone(cb.phone);
  ZX_ASSIGN_OR_RETURN(
      storage::Statement st,
      db_.Prepare("INSERT INTO callbacks (id, conversation_id, channel, reason, state, "
                  "phone_masked, phone_enc, phone_index, summary, departments, districts, "
                  "created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st.Bind(1, id)
      .Bind(2, cb.conversation_id)
      .Bind(3, cb.channel)
      .Bind(4, cb.reason)
      .Bind(5, kCallbackOpen)
      .Bind(6, phone.empty() ? std::string() : text::MaskPhone(phone));
  if (cipher_ && !phone.empty()) {
    st.Bind(7, cipher_->Encrypt(phone, security::FieldAad(kTable, "phone_enc", id)));
    st.Bind(8, cipher_->BlindIndex("phone", phone));
  } else {
    st.BindNull(7).BindNull(8);
  }
  if (cipher_ && cb.summary)
    st.Bind(
        9, cipher_->Encrypt(EncodeSummary(*cb.summary), security::FieldAad(kTable, "summary", id)));
  else
    st.BindNull(9);
  st.Bind(10, ListJson(cb.departments))
      .Bind(11, ListJson(cb.districts))
      .Bind(12, clock_.NowUnixMillis());
  ZX_RETURN_IF_ERROR(st.Run());
  return id;
}

Result<Callback> CallbackStore::FromRow(const storage::Statement& row, bool open_phone) const {
  Callback c;
  c.id = row.Text(0);
  c.conversation_id = row.Text(1);
  c.channel = row.Text(2);
  c.reason = row.Text(3);
  c.state = row.Text(4);
  c.phone_masked = row.Text(5);
  if (open_phone && !row.IsNull(6) && cipher_) {
    auto phone = cipher_->Decrypt(row.Text(6), security::FieldAad(kTable, "phone_enc", c.id));
    if (phone.ok()) c.phone = std::move(phone).value();
    // A number sealed under a key that is gone stays masked: the task is still listed.
  }
  if (!row.IsNull(7) && cipher_) {
    auto plain = cipher_->Decrypt(row.Text(7), security::FieldAad(kTable, "summary", c.id));
    if (plain.ok()) c.summary = DecodeSummary(*plain);
  }
  c.departments = ListOf(row.Text(8));
  c.districts = ListOf(row.Text(9));
  c.created_ms = row.Int(10);
  c.done_ms = row.Int(11);
  c.done_by = row.Text(12);
  c.note = row.Text(13);
  return c;
}

Result<std::vector<Callback>> CallbackStore::List(const CallbackQuery& q) const {
  std::string sql = std::string("SELECT ") + kColumns + " FROM callbacks WHERE 1 = 1";
  std::string index;
  if (!q.phone.empty()) {
    if (!cipher_) return FailedPrecondition("looking up call-backs by number needs the key file");
    std::string phone = NormalizePhone(q.phone);
    if (phone.empty()) return InvalidArgument("phone must contain digits");
    index = cipher_->BlindIndex("phone", phone);
    sql += " AND phone_index = ?";
  }
  if (!q.state.empty()) sql += " AND state = ?";
  sql += " ORDER BY created_ms DESC, id LIMIT ?";
  ZX_ASSIGN_OR_RETURN(storage::Statement st, db_.Prepare(sql));
  int n = 0;
  if (!index.empty()) st.Bind(++n, index);
  if (!q.state.empty()) st.Bind(++n, q.state);
  st.Bind(++n, static_cast<int64_t>(q.limit < 1 ? 1 : q.limit));
  std::vector<Callback> out;
  for (;;) {
    ZX_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    ZX_ASSIGN_OR_RETURN(Callback c, FromRow(st, q.open_phone));
    out.push_back(std::move(c));
  }
  return out;
}

Result<Callback> CallbackStore::Get(const std::string& id, bool open_phone) const {
  ZX_ASSIGN_OR_RETURN(storage::Statement st, db_.Prepare(std::string("SELECT ") + kColumns +
                                                         " FROM callbacks WHERE id = ?"));
  st.Bind(1, id);
  ZX_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFound("no such call-back");
  return FromRow(st, open_phone);
}

Status CallbackStore::MarkDone(const std::string& id, const std::string& by,
                               std::string_view note) {
  if (note.size() > 500) return InvalidArgument("note must be at most 500 bytes");
  return db_.Transaction([&]() -> Status {
    ZX_ASSIGN_OR_RETURN(Callback c, Get(id));
    if (c.state == kCallbackDone) return FailedPrecondition("the call-back is already done");
    ZX_ASSIGN_OR_RETURN(
        storage::Statement st,
        db_.Prepare("UPDATE callbacks SET state = ?, done_ms = ?, done_by = ?, note = ? "
                    "WHERE id = ? AND state = ?"));
    st.Bind(1, kCallbackDone)
        .Bind(2, clock_.NowUnixMillis())
        .Bind(3, by)
        .Bind(4, note)
        .Bind(5, id)
        .Bind(6, kCallbackOpen);
    return st.Run();
  });
}

std::vector<security::EncryptedColumn> CallbackEncryptedColumns() {
  return {{kTable, "id", "phone_enc"}, {kTable, "id", "summary"}};
}

}  // namespace zx::dialogue
