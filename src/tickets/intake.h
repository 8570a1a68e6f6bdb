// Intake: the work order of what a citizen said, the same for every channel (a conversation's
// on_complaint action, `zhixian tickets create`, an agent's or an API client's form that names
// no department): auto-fill (tickets/autofill.h, with a learned router's category when a
// history was learned), then WorkOrders::Create with every machine-filled field kept; and the
// sentence the citizen hears (kb/tickets/messages.toml).
//
// What the dialogue heard adds to the text: the districts the citizen named fill a district
// the text alone leaves open, a danger raises the tier to 2h (never lowers it), and a number
// the citizen gave is the contact when the text has none.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tickets/autofill.h"
#include "tickets/router_model.h"
#include "tickets/work_orders.h"

namespace zx::tickets {

struct IntakeRequest {
  std::string text;  // all the citizen's words about the matter
  std::string channel = "api";
  std::string conversation_id;
  std::optional<TopicGuess> topic;  // the knowledge ranker's complaint topic, when one
  std::string contact;              // a number known besides the text (the caller's)
  std::string name;
  std::string address;
  std::vector<std::string> districts;  // named in the conversation
  bool danger = false;                 // a danger the dialogue heard
};

// The learned router's label for a text, when a history was learned.
using Classifier = std::function<std::optional<CategoryGuess>(std::string_view text)>;

// The router `zhixian tickets learn` left in `data_dir` (RouterModel::PathIn), as a Classifier;
// an empty one when no history was learned. A model file that cannot be read is an error.
Result<Classifier> LearnedRouter(const std::string& data_dir, const RouterTextOptions& options);

class Intake {
 public:
  // Reads KB_DIR/tickets/messages.toml and the department names of KB_DIR/departments.tsv.
  // `filler` and `orders` must outlive it; `classify` may be empty.
  static Result<std::unique_ptr<Intake>> Open(const std::string& kb_dir, const AutoFiller& filler,
                                              WorkOrders& orders, Classifier classify = {});

  // The draft the request would make (not saved).
  Draft MakeDraft(const IntakeRequest& request) const;
  // Drafts and saves it; `actor` as in WorkOrders ("system" for a conversation).
  Result<Order> Create(const IntakeRequest& request, const std::string& actor);
  // What the citizen hears of `order` (its state chooses the sentence).
  std::string CitizenNotice(const Order& order) const;
  // "示例市城市管理局" for "cgj"; the code itself when unknown.
  std::string DepartmentName(const std::string& code) const;
  // Every department of departments.tsv, code → name, in code order.
  const std::map<std::string, std::string>& Departments() const { return departments_; }

 private:
  Intake(const AutoFiller& filler, WorkOrders& orders, Classifier classify)
      : filler_(filler), orders_(orders), classify_(std::move(classify)) {}

  const AutoFiller& filler_;
  WorkOrders& orders_;
  Classifier classify_;
  std::map<std::string, std::string> messages_;  // by order state code
  std::map<std::string, std::string> departments_;
};

// "2小时", "24小时", "7个工作日", "15个工作日".
std::string TierText(Tier tier);

}  // namespace zx::tickets
