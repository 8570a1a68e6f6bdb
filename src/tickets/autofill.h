// Auto-fill of a work order from what the citizen said (DOMAIN.md "Auto-fill"), for every
// channel: the topic or the deployment's category, the department(s) of the dispatch catalogue
// (none: 待人工派单), the district and the place (gazetteer), the SLA tier (the catalogue's,
// raised to 2h on danger, never lowered), the contact number and a one-sentence summary, each
// with a confidence and marked as machine-filled.
//
// The knowledge ranker's guess and a learned router's category come from the caller (tickets may
// not include knowledge or dialogue, src/LAYERS): app passes the ranker's top topic when its
// kind is `complaint`, and the router's label when a history was learned. Thread-safe after
// Load; one Fill takes a few microseconds (bench/tickets/autofill_bench).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "text/normalizer.h"
#include "text/pinyin.h"
#include "tickets/catalogue.h"
#include "tickets/gazetteer.h"
#include "tickets/sla.h"
#include "tickets/urgency.h"

namespace zx::tickets {

// A field as the machine filled it. `machine` stays true until a person confirms or changes the
// value; the order keeps both the machine's value and the person's (the order store's job).
template <typename T>
struct Filled {
  T value{};
  double confidence = 0;  // 0..1; 0 with an empty value means "not stated"
  bool machine = true;
};

// The knowledge ranker's top topic (an intents.tsv id of kind `complaint`) and its confidence.
struct TopicGuess {
  std::string topic;
  double confidence = 0;
};

// A learned router's label for the text (`zhixian tickets learn`) and its confidence.
struct CategoryGuess {
  std::string label;
  double confidence = 0;
};

struct AutofillInput {
  std::string text;                       // all the citizen's turns, joined
  std::optional<TopicGuess> topic;        // from the knowledge ranker, when a complaint
  std::optional<CategoryGuess> category;  // from a learned router, when there is one
  std::string known_contact;              // e.g. the caller's number; "" when unknown
};

struct Draft {
  Filled<std::optional<std::string>> topic;     // intents.tsv id of the matter
  Filled<std::optional<std::string>> category;  // the deployment's own label, when given
  Filled<std::vector<Assignment>> departments;  // 主办 first; empty: 待人工派单
  Filled<std::optional<std::string>>
      district;  // 东城区 ...; only when stated or implied by one place
  Filled<std::optional<std::string>> place;  // most specific road, 街道/镇, 社区/村 or compound
  Filled<Tier> tier;
  // Digits only ("13812345678"). Personal: the caller seals it; show MaskedContact().
  Filled<std::optional<std::string>> contact;
  Filled<std::string> summary;       // one sentence, no personal data
  std::string matter;                // the catalogue matter's name, "" when none
  std::vector<std::string> dangers;  // the urgency cues heard (not negated)
  double confidence = 0;             // of the dispatch as a whole (topic + department)

  // The 主办 department's code, or nullopt for 待人工派单.
  std::optional<std::string> Lead() const;
  // The contact as shown (138****5678), or nullopt.
  std::optional<std::string> MaskedContact() const;
  // The draft as `zhixian tickets draft` shows it to a person: the summary, then on a second
  // line 派单 (code(主办), ... or 待人工派单), 时限, 区县, 地点, 联系电话 (masked) and the
  // confidence in percent.
  std::string Describe() const;
};

struct AutofillOptions {
  std::string kb_dir = "kb";
  // General word list (jieba format, [knowledge] jieba_dict): words that are right as written
  // and never "corrected" towards a place or cue that sounds the same (午夜 is not 物业). May be
  // empty (then fewer words are protected).
  std::string jieba_dict;
};

class AutoFiller {
 public:
  // Reads KB_DIR/tickets/dispatch.toml, places.toml and urgent.toml (department codes checked
  // against KB_DIR/departments.tsv when it exists). Errors: kInvalidArgument "FILE:LINE: reason".
  static Result<std::unique_ptr<AutoFiller>> Load(const AutofillOptions& options);
  ~AutoFiller();

  Draft Fill(const AutofillInput& input) const;

  const Catalogue& catalogue() const { return catalogue_; }
  const Gazetteer& gazetteer() const { return gazetteer_; }

  // The normalised form Fill reads (t2s, width, case, then homophones of place names and cue
  // words corrected): exposed for tests and the benchmark's baseline.
  std::string Normalize(std::string_view text) const;

 private:
  AutoFiller(Catalogue c, Gazetteer g, UrgencyCues u)
      : catalogue_(std::move(c)), gazetteer_(std::move(g)), urgency_(std::move(u)) {}
  Catalogue catalogue_;
  Gazetteer gazetteer_;
  UrgencyCues urgency_;
  std::unique_ptr<text::Normalizer> normalizer_;
  std::unique_ptr<text::HomophoneCorrector> homophones_;
};

// The last phone number in `text` (as normalised): a mobile number (11 digits, 1[3-9]...) or a
// landline with its area code (0xx..., 10 to 12 digits), written in digits, full-width digits or
// said digit by digit in Chinese (幺三八..., 一三九...), with spaces or dashes between groups.
// Digits only; "" when none.
std::string FindPhone(std::string_view text);

}  // namespace zx::tickets
