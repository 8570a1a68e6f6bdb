// CallbackStore: the call-back tasks of the hotline (回拨), until the work-order module takes them
// over as work orders of type 回拨. A caller waiting for an agent who presses 1, or who hangs up
// while queued, leaves one: the conversation it belongs to (its transcript stays in the
// conversation), the summary at that moment, why, and the number to call back.
//
// Personal data: the number is stored only sealed (FieldCipher, aad "callbacks.phone_enc:<id>")
// with a blind index for lookups by number (kind "phone", digits only); the summary is sealed the
// same way ("callbacks.summary:<id>"). Without a cipher (no key file) neither the number nor a
// summary is stored, only the masked number: the task still says whom the conversation was with
// and which conversation to read.
//
// Thread-safe (the database is). SQL is portable (storage/database.h): `?` placeholders, times
// are integers from the injectable clock.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "dialogue/summary.h"
#include "security/field_cipher.h"
#include "security/reencrypt.h"
#include "storage/database.h"

namespace zx::dialogue {

inline constexpr char kCallbackOpen[] = "open";
inline constexpr char kCallbackDone[] = "done";
// Why a call-back was left.
inline constexpr char kCallbackAsked[] = "caller_asked";       // pressed 1 while queued
inline constexpr char kCallbackHungUp[] = "hung_up_in_queue";  // hung up while queued

struct NewCallback {
  std::string conversation_id;
  std::string channel = "voice";
  std::string phone;   // the number called from (any form; digits are kept); "" unknown
  std::string reason;  // kCallbackAsked, kCallbackHungUp
  std::optional<Summary> summary;
  // Where the conversation belongs (ConversationView), for the record scope of staff.
  std::vector<std::string> departments;
  std::vector<std::string> districts;
};

struct Callback {
  std::string id;  // "cb" + 32 hex digits
  std::string conversation_id;
  std::string channel;
  std::string reason;
  std::string state;         // kCallbackOpen, kCallbackDone
  std::string phone;         // opened: only when asked for (CallbackQuery::open_phone) and stored
  std::string phone_masked;  // "138****5678"; "" unknown
  std::optional<Summary> summary;
  std::vector<std::string> departments;
  std::vector<std::string> districts;
  int64_t created_ms = 0;
  int64_t done_ms = 0;  // 0 while open
  std::string done_by;  // principal id of who marked it done
  std::string note;     // what they wrote (not personal by convention; at most 500 bytes)
};

struct CallbackQuery {
  std::string state;  // "" any, else kCallbackOpen / kCallbackDone
  std::string phone;  // "" any; else only tasks of this number (by blind index; needs a cipher)
  int limit = 100;    // newest first
  bool open_phone = false;  // fill Callback::phone (the caller audits it)
};

class CallbackStore {
 public:
  // Migrates the table. `cipher` may be null (no key file: see above).
  static Result<std::unique_ptr<CallbackStore>> Open(
      storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher,
      const Clock& clock = SystemClock::Instance());

  // Stores an open task; returns its id. invalid_argument without a conversation id or reason.
  Result<std::string> Add(const NewCallback& callback);
  // Newest first. failed_precondition for a lookup by phone without a cipher.
  Result<std::vector<Callback>> List(const CallbackQuery& query) const;
  // not_found for an unknown id.
  Result<Callback> Get(const std::string& id, bool open_phone = false) const;
  // Marks an open task done by `by` (principal id). not_found; failed_precondition when done.
  Status MarkDone(const std::string& id, const std::string& by, std::string_view note = "");

  // The number's digits as indexed: non-digits dropped, a leading 86 country code of a
  // 13-digit number dropped.
  static std::string NormalizePhone(std::string_view phone);

 private:
  CallbackStore(storage::Database& db, std::shared_ptr<const security::FieldCipher> cipher,
                const Clock& clock)
      : db_(db), cipher_(std::move(cipher)), clock_(clock) {}
  Result<Callback> FromRow(const storage::Statement& row, bool open_phone) const;

  storage::Database& db_;
  std::shared_ptr<const security::FieldCipher> cipher_;
  const Clock& clock_;
};

// The sealed columns of the call-back table, for `zhixian keys reencrypt`.
std::vector<security::EncryptedColumn> CallbackEncryptedColumns();

}  // namespace zx::dialogue
