// The dialogue's own data (internal to the dialogue module): kb/dialogue.toml (words some topics
// require, request types, the greeting, actions to trigger) and kb/districts.tsv.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "dialogue/contact.h"
#include "text/normalizer.h"

namespace zx::dialogue {

// Said when the data names no greeting: neutral, no city or hotline named.
inline constexpr char kNeutralGreeting[] = "您好，这里是政务服务热线智能助手。请问有什么可以帮您？";

// kb/dialogue.toml.
struct Rules {
  std::map<std::string, std::vector<std::string>> require_words;  // topic -> words (normalised)
  std::map<std::string, std::vector<std::string>> request_types;  // 诉求类型 -> words (normalised)
  std::string greeting = kNeutralGreeting;  // `greeting`: the first turn of every conversation
  // [actions]: action names (dialogue/actions.h) by trigger; today "on_handoff".
  std::map<std::string, std::vector<std::string>> actions;
  // [contact]: the words that mark an address (address_markers) and that lead into one
  // (address_leads), for the summary's contact (dialogue/contact.h); empty: no address found.
  AddressWords address;
  // [agent_push]: the knowledge pushed to the agent for each citizen turn while agents have the
  // conversation: at most `suggestions` topics, none below `min_confidence`.
  int push_suggestions = 3;
  double push_min_confidence = 0.05;

  static Result<Rules> Load(const std::string& path, const text::Normalizer& normalizer);

  // True when the topic needs no particular words, or `norm` contains one of them.
  bool Allows(const std::string& topic, const std::string& norm) const;
};

// kb/districts.tsv: (code, name) per line after a header; names as citizens say them. A missing
// file (or "" path) means no districts are known.
using Districts = std::vector<std::pair<std::string, std::string>>;
Result<Districts> LoadDistricts(const std::string& path);

}  // namespace zx::dialogue
