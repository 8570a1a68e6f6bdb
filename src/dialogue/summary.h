// The seven-element after-call summary (话后小结), made from what the conversation recorded,
// without a language model: 咨询主体, 诉求类型, 涉及政策, 处理建议, 待办事项, 风险提示,
// 满意度预测. It names no person in full: the subject carries a masked name at most.
// Pure function; fast (well under a millisecond).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dialogue/emotion.h"
#include "dialogue/reply.h"
#include "knowledge/entry.h"

namespace zx::dialogue {

// 咨询主体.
struct SummarySubject {
  std::string type = "个人";            // 个人 | 企业
  std::optional<std::string> name;      // masked, when known
  std::optional<std::string> district;  // the first district named
  // The age band (kb/age_bands.tsv) of the ID number the citizen gave, not the number: the
  // dashboard's portraits read it from the stored summary.
  std::optional<std::string> age_band;
  // What the citizen gave to be reached (issue 11 #6): the phone number (digits) and the
  // address, as said. Kept sealed with the conversation's state, never in the stored summary
  // column (EncodeSummary with_contact = false); masked wherever shown.
  std::optional<std::string> contact;
  std::optional<std::string> address;
  bool operator==(const SummarySubject&) const = default;
};

// One entry of 涉及政策: the policy an answer rested on, at the version given.
struct PolicyRef {
  std::string topic;
  std::string title;
  int version = 1;
  bool operator==(const PolicyRef&) const = default;
};

struct Summary {
  SummarySubject subject;           // 咨询主体
  std::string request_type;         // 诉求类型: 咨询 求助 投诉 建议 举报 表扬
  std::vector<PolicyRef> policies;  // 涉及政策
  std::string advice;               // 处理建议
  std::vector<std::string> todo;    // 待办事项
  std::vector<std::string> risks;   // 风险提示
  std::string satisfaction;         // 满意度预测: 满意 基本满意 不满意
  // 小结: the same facts in a few sentences, when a language model wrote them and the grounding
  // checker passed them (llm, wired by app); added after the end, "" until then or without one.
  std::string narrative;
  std::string narrative_by;  // the engine
  bool operator==(const Summary&) const = default;
};

struct SummaryInput {
  std::vector<std::string> topics;     // topics dealt with, in order, unique
  std::vector<std::string> results;    // calculator results given ("预计可报销14600.00元")
  std::vector<std::string> risks;      // 风险提示 labels heard
  std::vector<EmotionLabel> emotions;  // per citizen turn
  std::vector<std::string> districts;  // districts named
  std::vector<std::string> request_types;  // 举报, 表扬 ... said in so many words
  std::string contact;                     // phone number given ("" none)
  std::string address;                     // address given ("" none)
  std::string age_band;                    // age band of an ID number given ("" none)
  bool handed_over = false;
  std::string handoff_reason;
  bool danger = false;  // a danger was heard: the time limit of a work order is 2h
  int unresolved_turns = 0;
  std::optional<TicketRef> ticket;  // the work order the conversation made
  // topic -> the version the conversation was answered from (the last answer's); a topic not
  // here is cited at the knowledge base's version.
  std::map<std::string, int> versions;
};

Summary MakeSevenElementSummary(const SummaryInput& in, const knowledge::KnowledgeBase& kb);

// The summary as the dialogue stores it (the `summary` column): the JSON object of the chat
// contract, with the seven elements as keys. Decode fails (nullopt) on text that is not one.
// `with_contact` false leaves the subject's contact and address out (the stored column is not
// sealed; they live in the sealed state).
std::string EncodeSummary(const Summary& summary, bool with_contact = true);
// The facts of `summary` as sentences, one per element, without contact or address: what a
// language model may write its 小结 from (each sentence a numbered source).
std::vector<std::string> SummaryFacts(const Summary& summary);
std::optional<Summary> DecodeSummary(const std::string& stored);

}  // namespace zx::dialogue
