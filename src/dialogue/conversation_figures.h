// Figures of conversations for the dashboard (数据看板), from the conversations as stored:
//
//   受理量        conversations started in the period, per channel
//   智能服务占比  conversations ended without a person (never handed over to the agents'
//                 queue) ÷ all conversations started in the period, per channel (DOMAIN.md)
//   by hour       starts per channel and hour of the day (China time, UTC+8)
//   heatmap       starts per weekday (0 Monday) × hour
//   topics        ended conversations per topic they dealt with (the summary's 涉及政策)
//   districts     ended conversations per district named (the summary's 咨询主体)
//   ages          ended conversations per age band (the summary's 咨询主体.age_band: a valid ID
//                 number the citizen gave; age_band.h), in all and per district named
//   satisfaction  the citizens' ratings after the end (满意, 基本满意, 不满意)
//
// The district and department filters read the stored summary (a conversation still going on
// has none: it counts only without those filters). Nothing personal is read: the summary is
// stored without contact or address.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage/database.h"

namespace zx::dialogue {

struct ConversationFigureQuery {
  int64_t from_ms = 0;
  int64_t until_ms = 0;  // exclusive; 0: no end
  std::string channel;   // "" every channel
  std::string district;  // "" every district
  // Keeps only conversations with a topic it accepts (a department's topics); empty: all.
  std::function<bool(const std::string& topic)> topic_filter;
  size_t max_rows = 0;  // keep up to this many conversations in ConversationFigures::rows
};

// One conversation counted (the dashboard workbook's detail sheet): nothing personal.
struct ConversationRow {
  std::string id;
  std::string channel;
  int64_t created_ms = 0;
  std::string state;
  bool handed_over = false;
  std::vector<std::string> topics;
  std::string district;
  std::string rating;
};

struct ChannelFigures {
  int64_t started = 0;
  int64_t without_person = 0;  // ended, never handed over
  std::array<int64_t, 24> by_hour{};
};

struct ConversationFigures {
  std::map<std::string, ChannelFigures> channels;
  std::array<std::array<int64_t, 24>, 7> heatmap{};  // [weekday, Monday 0][hour]
  std::map<std::string, int64_t> topics;
  std::map<std::string, int64_t> districts;
  std::map<std::string, int64_t> ages;  // band -> count
  // band -> district -> count (of those that named a district)
  std::map<std::string, std::map<std::string, int64_t>> age_districts;
  std::map<std::string, int64_t> satisfaction;
  std::vector<ConversationRow> rows;  // the first query.max_rows, oldest first

  int64_t Started() const;
  int64_t WithoutPerson() const;
};

Result<ConversationFigures> ComputeConversationFigures(storage::Database& db,
                                                       const ConversationFigureQuery& query);

// A code <TAB> name file with a header row (kb/channels.tsv, kb/departments.tsv): the name of
// each code; a missing file names none. invalid_argument "FILE:LINE: reason" for a malformed line.
Result<std::map<std::string, std::string>> LoadCodeNames(const std::string& path);

}  // namespace zx::dialogue
