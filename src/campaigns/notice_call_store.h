// NoticeCallStore: the notice_calls table, the one place that holds the SQL of notice calls
// (campaigns/notice_calls.h). Portable SQL (`?` placeholders, times as integers from the Clock),
// so a PostgreSQL driver runs it unchanged.
//
// A row is one NoticeCall: the changing part (state, outcome, keys, plays, events, end) is
// written by Update; the sealed number and text only by Insert (FieldCipher output made by the
// caller, or nothing without a key file). The events column holds the call's history as a JSON
// array, the store's own format. Thread-safe as the Database is.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "security/reencrypt.h"
#include "security/retention.h"
#include "storage/database.h"

namespace zx::campaigns {

struct NoticeCall;
struct NoticeEvent;

class NoticeCallStore {
 public:
  // `db` outlives the store.
  explicit NoticeCallStore(storage::Database& db) : db_(db) {}

  // Creates the table (migrations "notice_calls" 1 and 2).
  Status Migrate();

  // A new call, before it is dialled. `number_enc` and `text_enc` are sealed by the caller;
  // nullopt stores NULL. A database error when the id or the attempt id is already stored.
  Status Insert(const NoticeCall& call, const std::optional<std::string>& number_enc,
                const std::optional<std::string>& text_enc);
  // Writes what changes during a call (state, outcome, sip_code, digits, plays, events, end).
  Status Update(const NoticeCall& call);
  // Forgets a call that was never dialled.
  Status Delete(const std::string& id);

  Result<std::optional<NoticeCall>> FindById(const std::string& id);
  Result<std::optional<NoticeCall>> FindByAttempt(const std::string& attempt_id);
  // Calls not ended (left open by a process that stopped).
  Result<std::vector<NoticeCall>> ListUnfinished();

 private:
  Result<std::optional<NoticeCall>> FindOne(const char* column, const std::string& value);

  storage::Database& db_;
};

// A call's events as JSON text, [{"event", "at_ms", and the fields that are set}]: the one
// form of them, stored in the events column and shown by the API (http/notice_call_routes).
std::string NoticeEventsJson(const std::vector<NoticeEvent>& events);

// The personal data of notice calls, for the application's registries
// (app/security_context.cc): the sealed number and text (re-encrypted by `zhixian keys
// reencrypt`), cleared after retention.personal_days, keeping the call's outcome.
std::vector<security::EncryptedColumn> EncryptedColumns();
std::vector<security::RetentionRule> RetentionRules();

}  // namespace zx::campaigns
