// The dispatch catalogue (派单目录, DOMAIN.md "Work orders"): which department(s) handle which kind
// of matter, with their role and the default SLA tier. Data that a deployment edits
// (kb/tickets/dispatch.toml, format in its header), never code. Immutable after Load;
// thread-safe.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tickets/sla.h"
#include "tickets/ticket.h"

namespace zx::tickets {

// One kind of matter: a complaint topic of intents.tsv (or none) and how it is dispatched.
struct Matter {
  std::string topic;                    // intents.tsv id, "" for a matter the ranker does not know
  std::string name;                     // "施工噪声": said in the order's summary
  std::vector<Assignment> departments;  // exactly one 主办 first, then the 协办s
  Tier tier = Tier::k24h;
  std::vector<std::string> cues;  // normalised words that point to this matter
  // Words that name the matter by themselves (狗, 停电, 物业): they weigh like a long cue.
  std::vector<std::string> strong_cues;
};

// A label of a deployment's own history, mapped to departments where the city has one; an empty
// list means on purpose that nobody does (待人工派单).
struct CategoryRoute {
  std::string label;
  std::vector<Assignment> departments;
  Tier tier = Tier::k24h;
};

class Catalogue {
 public:
  // Reads kb/tickets/dispatch.toml. `known_departments`, when not empty, is every valid code
  // (kb/departments.tsv): another code is an error. Errors: kInvalidArgument "FILE:LINE: reason"
  // (syntax, a missing or mistyped key, an unknown tier, role or department, no or two 主办,
  // a department twice in one entry, a category twice).
  static Result<Catalogue> Load(const std::string& path,
                                const std::set<std::string>& known_departments = {});

  const std::vector<Matter>& matters() const { return matters_; }
  // The route of a learned category label, or nullptr when the catalogue does not know it.
  const CategoryRoute* FindCategory(std::string_view label) const;
  // The tier of an order that neither a matter nor a category decides.
  Tier default_tier() const { return default_tier_; }

 private:
  std::vector<Matter> matters_;
  std::vector<CategoryRoute> categories_;
  Tier default_tier_ = Tier::k24h;
};

// The codes of kb/departments.tsv (`code<TAB>name`, `#` comments, a header row `code name`).
Result<std::set<std::string>> LoadDepartmentCodes(const std::string& path);

}  // namespace zx::tickets
