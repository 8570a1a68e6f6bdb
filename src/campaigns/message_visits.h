// MessageVisits: the 回访 of web-chat citizens by message (DOMAIN.md "回访": "or, for chat
// citizens, a message"), beside the telephone's (return_visits.h).
//
// Which orders: 办结 and 待回访, made from a conversation of the web chat (Order::channel "web",
// as the complaint action names it, or "chat", the agent's form; with a conversation_id) and
// without a contact number. An order with a number is called
// (return_visits.h), so no order is visited twice. Within one working day: the question is
// posted on the first Tick after 办结 (as an assistant turn of the conversation, through the
// Poster that app wires to DialogueService::PostNotice), whether or not the conversation ended.
//
// The verdict: the citizen's next message in that conversation (Reply; app wires it as the
// dialogue's late replies, so an ended conversation takes it): 1/2/3, 满意/基本满意/不满意, or the
// words of kb/campaigns/return_visit.toml (解决了, 没解决, ...). Anything else is asked again once;
// a second is left 待回访 for a person. No verdict within message_wait_hours: 未回访.
//
// Exactly once: the table message_visits keys (order, round); the verdict is claimed on the row
// (only while empty) and then put on the order (WorkOrders::RecordVisit, whose history notes
// 消息回访, actor "system"): 不满意 reopens the order once, and the second round gets a new row
// and message. A crash between the claim and the order is repaired by the next Tick, which
// skips an order no longer 待回访 in that round. Everything is in the database and read by the
// injectable clock, so a restart loses nothing. Thread-safe: Reply (the dialogue's late replies,
// under the conversation's lock) and Tick (a timer) share a mutex, which Tick releases before it
// posts (posting takes the conversation's lock).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "base/worker.h"
#include "storage/database.h"
#include "tickets/ticket.h"
#include "tickets/work_orders.h"

namespace zx::campaigns {

// The words of the message visit (kb/campaigns/return_visit.toml): what is said, and the phrases
// heard as a verdict besides 1/2/3 and 满意/基本满意/不满意. Immutable after Load; thread-safe.
struct MessageVisitWords {
  std::string ask;       // "{id}" the order's number, "{reply}" the department's answer
  std::string reask;     // after a message that is no verdict
  std::string thanks;    // after 满意 / 基本满意 (and 不满意 of the second round)
  std::string reopened;  // after 不满意 that reopened the order
  std::string left;      // after the second message that is no verdict: a person follows up
  std::vector<std::string> satisfied, basically, dissatisfied;

  // kInvalidArgument "<path>:<line>: <what>" for a syntax error or a missing text.
  static Result<MessageVisitWords> Load(const std::string& path);
  static Result<MessageVisitWords> Parse(std::string_view toml, const std::string& origin);

  // The verdict a message gives: the key or label exactly, else a phrase it contains: the
  // file's 不满意 ones first (没解决 holds 解决), then the words a return-visit call hears
  // (VerdictKeyOf, notice_calls.h), then the file's 基本满意 and 满意 ones. None: no verdict.
  std::optional<tickets::Satisfaction> Verdict(std::string_view text) const;
};

struct MessageVisitOptions {
  int64_t wait_ms = 48LL * 3600 * 1000;  // no verdict this long after the message: 未回访
  std::chrono::seconds check_every{30};
};

struct MessageVisitTick {
  int posted = 0;      // questions posted
  int answered = 0;    // verdicts put on orders
  int unanswered = 0;  // visits given up (未回访)
};

class MessageVisits {
 public:
  // Posts `text` into conversation `conversation_id` as an assistant turn.
  using Poster = std::function<Status(const std::string& conversation_id, const std::string& text)>;

  static Result<std::unique_ptr<MessageVisits>> Open(storage::Database& db,
                                                     tickets::WorkOrders& orders,
                                                     MessageVisitWords words, Poster poster,
                                                     const Clock& clock,
                                                     MessageVisitOptions options = {});
  // Creates the table only (migration "message_visits"); Open does it too.
  static Status Migrate(storage::Database& db);

  // One pass: verdicts claimed but not yet on their orders, visits given up, questions to post.
  Result<MessageVisitTick> Tick();
  // The citizen's message in `conversation_id`: the answer to say back when a visit waits for
  // its verdict there, none otherwise (the message is not the visit's).
  Result<std::optional<std::string>> Reply(const std::string& conversation_id,
                                           std::string_view text);
  // Runs Tick every check_every on `worker` (a failure is logged); stop the worker first. With
  // `may_run`, only when it says so (this node holds the job).
  void ScheduleOn(Worker& worker, std::function<bool()> may_run = {});

 private:
  MessageVisits(storage::Database& db, tickets::WorkOrders& orders, MessageVisitWords words,
                Poster poster, const Clock& clock, MessageVisitOptions options)
      : db_(db),
        orders_(orders),
        words_(std::move(words)),
        poster_(std::move(poster)),
        clock_(clock),
        options_(options) {}
  Status Apply(MessageVisitTick& tick);
  Status GiveUp();
  Status Post(MessageVisitTick& tick);
  Status AddDue();

  storage::Database& db_;
  tickets::WorkOrders& orders_;
  const MessageVisitWords words_;
  const Poster poster_;
  const Clock& clock_;
  const MessageVisitOptions options_;
  std::mutex mu_;
};

}  // namespace zx::campaigns
