#include "dialogue/understanding.h"

#include <algorithm>
#include <map>

#include "dialogue/escalation.h"
#include "text/utf8.h"

namespace zx::dialogue {
namespace {

// "sbk." of "sbk.loss"; "" for an id without an area.
std::string AreaOf(const std::string& topic) {
  const size_t dot = topic.find('.');
  return dot == std::string::npos ? "" : topic.substr(0, dot + 1);
}

// Words that make a short utterance a follow-up of the previous question ("那失业金呢？").
bool IsFollowUp(std::string_view s) {
  auto starts = [&](std::string_view p) { return s.substr(0, p.size()) == p; };
  bool ends_ne = s.size() >= 3 && (s.substr(s.size() - 3) == "呢" ||
                                   (s.size() >= 4 && s.substr(s.size() - 4) == "呢?"));
  return s.size() <= 42 &&
         (starts("那") || starts("如果") || starts("要是") || starts("还有") || ends_ne);
}

}  // namespace

int ParseChoice(std::string_view s) {
  static const std::vector<std::pair<std::string, int>> kWords = {{"1", 0}, {"一", 0}, {"第一", 0},
                                                                  {"2", 1}, {"二", 1}, {"第二", 1},
                                                                  {"3", 2}, {"三", 2}, {"第三", 2}};
  std::string t;
  for (char c : std::string(s))
    if (c != ' ' && c != '.' && c != ',' && c != '?') t += c;
  for (const char* tail : {"个", "项", "条", "吧", "的"})
    while (t.size() >= 3 && t.substr(t.size() - 3) == tail) t.resize(t.size() - 3);
  for (const auto& [w, i] : kWords)
    if (t == w) return i;
  return -1;
}

Understanding Understander::Understand(const State& before, const std::string& text) const {
  Understanding u;
  u.text = text;
  u.norm = normalizer_.Normalize(text);
  u.emotion = emotions_.Detect(u.norm, before.emotions);
  u.risks = risks_.Detect(u.norm);
  u.risk_notes = RiskNotes(u.emotion, u.risks);
  for (const auto& [code, d] : districts_)
    if (u.norm.find(d) != std::string::npos &&
        std::find(u.districts.begin(), u.districts.end(), d) == u.districts.end())
      u.districts.push_back(d);
  for (const auto& [type, words] : rules_.request_types)
    for (const auto& w : words)
      if (u.norm.find(w) != std::string::npos) u.request_types.insert(type);
  u.choice = ParseChoice(u.norm);

  // The one ranking of the citizen's text.
  u.answer = assistant_.Ask(text);
  if (before.topic && !before.last_question.empty()) {
    if (IsFollowUp(u.norm))
      u.read_in_context = [this, topic = *before.topic, last = before.last_question, text,
                           alone = u.answer] { return ReadInContext(topic, last, text, alone); };
    else if (!AreaOf(*before.topic).empty() && AreaOf(*before.topic) != "meta." &&
             !NamesOtherArea(u.norm, AreaOf(*before.topic)))
      u.read_in_context = [this, topic = *before.topic, last = before.last_question, text,
                           alone = u.answer] { return ReadWithSubject(topic, last, text, alone); };
  }
  return u;
}

const knowledge::Answer& Understanding::Reading() const {
  if (!reading) reading = read_in_context ? read_in_context() : answer;
  return *reading;
}

// A follow-up may replace the subject ("那失业金呢？") or the aspect ("那怎么申请呢？") of the
// previous question; it asks about something else than the previous topic, so a reading that
// moves on wins over one that stays.
knowledge::Answer Understander::ReadInContext(const std::string& topic,
                                              const std::string& last_question,
                                              const std::string& text,
                                              const knowledge::Answer& alone) const {
  knowledge::Answer best = alone;
  auto [aspect, subject] = SplitPrevious(topic, last_question);
  auto better = [&](const knowledge::Answer& c) {
    if (!c.topic) return false;
    if (!best.topic) return true;
    bool c_moves = *c.topic != topic, a_moves = *best.topic != topic;
    return c_moves != a_moves ? c_moves : c.confidence > best.confidence;
  };
  for (const std::string& q : {aspect + " " + text, subject + " " + text}) {
    knowledge::Answer c = assistant_.Ask(q);
    if (better(c)) best = std::move(c);
  }
  best.question = text;
  return best;
}

// A reading of the text alone in another area at least this sure is a new question, not a
// follow-up ("工地上干完活包工头不给钱怎么办？" after a 二手房 question).
constexpr double kSureElsewhere = 0.6;

// A follow-up that does not name its subject ("补办要多久能拿到？" after a 社保卡 question, "我爸是
// 在上海住的院" after a 医保 one) is about the previous topic's subject: when the text alone is
// unsure, or lands in another area without being sure of it, it is ranked again with that subject
// (or, when the previous question has no stretch of its area's words, with the previous question)
// in front, and that reading wins when it stays in the previous area. A meta reading (thanks, a
// person, goodbye) is never overridden.
knowledge::Answer Understander::ReadWithSubject(const std::string& topic,
                                                const std::string& last_question,
                                                const std::string& text,
                                                const knowledge::Answer& alone) const {
  const std::string area = AreaOf(topic);
  if (alone.topic && (AreaOf(*alone.topic) == area || AreaOf(*alone.topic) == "meta." ||
                      alone.confidence >= kSureElsewhere))
    return alone;
  // Unsure of the text alone: it is a follow-up only when one of the topics it would offer is
  // in the previous area; otherwise the previous subject would answer words that mean nothing
  // there ("叽里咕噜叭叭" after a 社保卡 question).
  if (!alone.topic && std::none_of(alone.alternatives.begin(), alone.alternatives.end(),
                                   [&](const auto& alt) { return AreaOf(alt.topic) == area; }))
    return alone;
  auto [aspect, subject] = SplitPrevious(topic, last_question);
  knowledge::Answer c = assistant_.Ask((subject.empty() ? aspect : subject) + " " + text);
  if (!c.topic || AreaOf(*c.topic) != area) return alone;
  c.question = text;
  return c;
}

bool Understander::NamesOtherArea(const std::string& norm, const std::string& area) const {
  for (const KbTerm& t : terms_)
    if (!t.areas.count(area) && norm.find(t.text) != std::string::npos) return true;
  return false;
}

KbTerms CollectTerms(const knowledge::KnowledgeBase& kb, const text::Normalizer& normalizer) {
  std::map<std::string, std::set<std::string>> by_text;
  for (const auto& e : kb.entries) {
    const std::string area = AreaOf(e.id);
    if (area.empty() || area == "meta.") continue;
    for (const auto* l : {&e.keywords, &e.synonyms, &e.colloquial})
      for (const auto& w : *l) {
        std::string n = normalizer.Normalize(w);
        if (text::utf8::Decode(n).size() >= 2) by_text[n].insert(area);
      }
  }
  KbTerms out;
  out.reserve(by_text.size());
  for (auto& [t, areas] : by_text) out.push_back({t, std::move(areas)});
  return out;
}

// The previous question split into its subject (the longest stretch of it that the topic's
// area also uses: "失业金" of "领失业金需要满足什么条件") and what it asked about (the rest).
std::pair<std::string, std::string> Understander::SplitPrevious(
    const std::string& topic, const std::string& last_question) const {
  const std::string prev_text = normalizer_.Normalize(last_question);
  text::utf8::CodePoints prev = text::utf8::Decode(prev_text);
  std::string area = topic.substr(0, topic.find('.') + 1);
  size_t best_at = 0, best_len = 0;
  for (const auto& e : kb_.entries) {
    if (e.id.rfind(area, 0) != 0) continue;
    for (const auto* l : {&e.keywords, &e.synonyms, &e.colloquial})
      for (const auto& w : *l) {
        text::utf8::CodePoints v = text::utf8::Decode(normalizer_.Normalize(w));
        for (size_t i = 0; i < prev.size(); ++i)
          for (size_t j = 0; j < v.size(); ++j) {
            size_t n = 0;
            while (i + n < prev.size() && j + n < v.size() && prev.cp[i + n] == v.cp[j + n]) ++n;
            if (n > best_len) best_at = i, best_len = n;
          }
      }
  }
  if (best_len < 2) return {prev_text, ""};
  size_t begin = prev.offset[best_at], end = prev.offset[best_at + best_len];
  return {prev_text.substr(0, begin) + prev_text.substr(end), prev_text.substr(begin, end - begin)};
}

bool HeardDanger(std::span<const RiskHit> risks) {
  return std::any_of(risks.begin(), risks.end(), [](const RiskHit& h) {
    return !h.negated && h.category && h.category->handoff;
  });
}

void Remember(const Understanding& u, State& st) {
  st.emotions.push_back(u.emotion.dominant);
  for (const auto& n : u.risk_notes) st.risks.insert(n);
  st.danger = st.danger || HeardDanger(u.risks);
  for (const auto& d : u.districts)
    if (std::find(st.districts.begin(), st.districts.end(), d) == st.districts.end())
      st.districts.push_back(d);
  st.request_types.insert(u.request_types.begin(), u.request_types.end());
}

}  // namespace zx::dialogue
