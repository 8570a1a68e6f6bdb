#include "tickets/autofill.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "text/normalizer.h"
#include "text/pii.h"
#include "text/pinyin.h"
#include "text/segmenter.h"
#include "text/utf8.h"

namespace zx::tickets {
namespace {

// How much the ranker's confidence weighs against the catalogue's cues (points of cue evidence:
// a cue counts its length in characters, at most 4). A confident ranker (0.9 → 3.6 points) wins
// over one stray word of another matter, not over two clear ones.
constexpr double kRankerWeight = 4.0;
// Least evidence for a matter to be chosen: below it the order is 待人工派单.
constexpr double kMinEvidence = 1.5;
// The ranker alone (no cue of the catalogue heard) chooses a matter only when at least this sure:
// a text about something the catalogue does not cover still gets a ranker's best guess.
constexpr double kRankerAlone = 0.7;
// Points of a strong cue (words that name the matter by themselves: 狗, 停电, 物业).
constexpr double kStrongCue = 4.0;
// A learned category decides the departments when no matter reaches this much evidence.
constexpr double kCategoryOverrides = 3.0;

int DigitOf(char32_t c) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (c >= 0xFF10 && c <= 0xFF19) return static_cast<int>(c - 0xFF10);
  switch (c) {
    case U'零':
    case U'〇':
      return 0;
    case U'一':
    case U'幺':
      return 1;
    case U'二':
    case U'两':
      return 2;
    case U'三':
      return 3;
    case U'四':
      return 4;
    case U'五':
      return 5;
    case U'六':
      return 6;
    case U'七':
      return 7;
    case U'八':
      return 8;
    case U'九':
      return 9;
    default:
      return -1;
  }
}

bool IsMobile(const std::string& d) {
  return d.size() == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
}
bool IsLandline(const std::string& d) {
  return d.size() >= 10 && d.size() <= 12 && d[0] == '0' && d[1] != '0';
}

int Specificity(PlaceKind k) {
  switch (k) {
    case PlaceKind::kCompound:
      return 5;
    case PlaceKind::kRoad:
      return 4;
    case PlaceKind::kCommunity:
    case PlaceKind::kVillage:
      return 3;
    case PlaceKind::kStreet:
    case PlaceKind::kTown:
      return 2;
    case PlaceKind::kDistrict:
      return 0;
  }
  return 0;
}

double Saturate(double evidence) { return std::min(0.99, 1.0 - std::exp(-evidence / 2.5)); }

size_t Chars(std::string_view s) { return text::utf8::CountCodePoints(s); }

}  // namespace

std::string FindPhone(std::string_view text) {
  const auto t = text::utf8::Decode(text);
  const size_t n = t.size();
  std::string found;
  size_t i = 0;
  while (i < n) {
    if (DigitOf(t.cp[i]) < 0) {
      ++i;
      continue;
    }
    // A run of digits, groups joined by single spaces or dashes. A Chinese digit run counts only
    // when it is long (一三八...): 一 and 两 are ordinary words too.
    std::string digits;
    size_t k = i;
    while (k < n) {
      if (DigitOf(t.cp[k]) >= 0) {
        digits += static_cast<char>('0' + DigitOf(t.cp[k]));
        ++k;
      } else if ((t.cp[k] == ' ' || t.cp[k] == '-' || t.cp[k] == 0x3000) && k + 1 < n &&
                 DigitOf(t.cp[k + 1]) >= 0 && !digits.empty()) {
        ++k;
      } else {
        break;
      }
    }
    // 86 / 0086 in front of a mobile number.
    for (std::string_view p : {"0086", "86"})
      if (digits.size() == p.size() + 11 && digits.starts_with(p)) digits = digits.substr(p.size());
    if (IsMobile(digits) || IsLandline(digits)) found = digits;
    i = k;
  }
  return found;
}

std::optional<std::string> Draft::Lead() const {
  for (const Assignment& a : departments.value)
    if (a.role == Role::kLead) return a.code;
  return std::nullopt;
}

std::optional<std::string> Draft::MaskedContact() const {
  if (!contact.value) return std::nullopt;
  return text::MaskPhone(*contact.value);
}

std::string Draft::Describe() const {
  std::string lead;
  for (const Assignment& a : departments.value)
    lead += (lead.empty() ? "" : ", ") + a.code + "(" + std::string(RoleLabel(a.role)) + ")";
  return summary.value + "\n  派单: " + (lead.empty() ? "待人工派单" : lead) +
         "  时限: " + std::string(TierName(tier.value)) +
         "  区县: " + district.value.value_or("-") + "  地点: " + place.value.value_or("-") +
         "  联系电话: " + MaskedContact().value_or("-") + "  [" +
         std::to_string(static_cast<int>(confidence * 100)) + "%]";
}

AutoFiller::~AutoFiller() = default;

Result<std::unique_ptr<AutoFiller>> AutoFiller::Load(const AutofillOptions& options) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(options.kb_dir) / "tickets";
  std::set<std::string> codes;
  const fs::path departments = fs::path(options.kb_dir) / "departments.tsv";
  if (fs::exists(departments)) {
    ZX_ASSIGN_OR_RETURN(codes, LoadDepartmentCodes(departments.string()));
  }
  ZX_ASSIGN_OR_RETURN(Catalogue catalogue,
                      Catalogue::Load((dir / "dispatch.toml").string(), codes));
  ZX_ASSIGN_OR_RETURN(Gazetteer gazetteer, Gazetteer::Load((dir / "places.toml").string()));
  ZX_ASSIGN_OR_RETURN(UrgencyCues urgency, UrgencyCues::Load((dir / "urgent.toml").string()));
  std::unique_ptr<AutoFiller> f(
      new AutoFiller(std::move(catalogue), std::move(gazetteer), std::move(urgency)));
  ZX_ASSIGN_OR_RETURN(f->normalizer_, text::Normalizer::Create());
  // Speech recognition writes place names and cue words with the wrong characters of the right
  // sound (望朝路, 井改): correct towards them, never away from a general word.
  std::set<std::string> domain;
  for (const std::string& name : f->gazetteer_.AllNames())
    if (Chars(name) >= 3) domain.insert(name);
  for (const Matter& m : f->catalogue_.matters())
    for (const auto* list : {&m.cues, &m.strong_cues})
      for (const std::string& cue : *list)
        if (Chars(cue) >= 2) domain.insert(cue);
  std::vector<std::string> known;
  if (!options.jieba_dict.empty()) known = text::ReadJiebaWords(options.jieba_dict);
  ZX_ASSIGN_OR_RETURN(f->homophones_,
                      text::HomophoneCorrector::Create(
                          std::vector<std::string>(domain.begin(), domain.end()), known));
  return f;
}

std::string AutoFiller::Normalize(std::string_view text) const {
  return homophones_->Correct(normalizer_->Normalize(text::SanitizeUtf8(text)));
}

Draft AutoFiller::Fill(const AutofillInput& input) const {
  Draft d;
  const std::string norm = Normalize(input.text);

  // ---- Matter: the catalogue's cues, with the ranker's guess as evidence for its topic. ----
  // Evidence is in points: a cue counts its length in characters (at most 4), a strong cue 4,
  // the ranker kRankerWeight x its confidence.
  const auto& matters = catalogue_.matters();
  std::vector<double> cue_points(matters.size(), 0);
  for (size_t i = 0; i < matters.size(); ++i) {
    for (const std::string& cue : matters[i].cues)
      if (norm.find(cue) != std::string::npos)
        cue_points[i] += static_cast<double>(std::min<size_t>(Chars(cue), 4));
    for (const std::string& cue : matters[i].strong_cues)
      if (norm.find(cue) != std::string::npos) cue_points[i] += kStrongCue;
  }
  // The matters of one topic pool their evidence (the noise is a noise complaint whatever made
  // it); within the topic a variant whose cue is heard wins over the topic's default (施工 makes
  // it 施工噪声), the default otherwise.
  std::vector<double> pooled(matters.size(), 0);
  std::vector<int> chosen(matters.size(), -1);
  for (size_t i = 0; i < matters.size(); ++i) {
    if (matters[i].topic.empty()) {  // the ranker knows no such topic: its cues alone
      pooled[i] = cue_points[i];
      chosen[i] = static_cast<int>(i);
      continue;
    }
    size_t first = i;
    for (size_t k = 0; k < i && first == i; ++k)
      if (matters[k].topic == matters[i].topic) first = k;
    if (first != i) continue;  // pooled into the topic's first matter
    double pool = input.topic && input.topic->topic == matters[i].topic
                      ? kRankerWeight * input.topic->confidence
                      : 0;
    int variant = static_cast<int>(i);
    double variant_points = 0, heard = 0;
    for (size_t k = i; k < matters.size(); ++k) {
      if (matters[k].topic != matters[i].topic) continue;
      pool += cue_points[k];
      heard += cue_points[k];
      if (k != i && cue_points[k] > variant_points) {
        variant = static_cast<int>(k);
        variant_points = cue_points[k];
      }
    }
    // A guess with no cue behind it must be confident.
    if (heard == 0 && (!input.topic || input.topic->confidence < kRankerAlone)) pool = 0;
    pooled[i] = pool;
    chosen[i] = variant;
  }
  int best = -1;
  for (size_t i = 0; i < matters.size(); ++i)
    if (chosen[i] >= 0 && (best < 0 || pooled[i] > pooled[best] + 1e-9)) best = static_cast<int>(i);
  if (best >= 0 && pooled[best] < kMinEvidence) best = -1;
  const double best_evidence = best >= 0 ? pooled[best] : 0;
  if (best >= 0) best = chosen[best];

  const CategoryRoute* category = nullptr;
  if (input.category) {
    d.category = {input.category->label, input.category->confidence, true};
    category = catalogue_.FindCategory(input.category->label);
  }
  Tier tier = catalogue_.default_tier();
  double dispatch_confidence = 0;
  const bool category_decides =
      category && (best < 0 || (best_evidence < kCategoryOverrides &&
                                input.category->confidence >= Saturate(best_evidence)));
  if (category_decides) {
    d.departments = {category->departments, input.category->confidence, true};
    tier = category->tier;
    dispatch_confidence = input.category->confidence;
  } else if (best >= 0) {
    const Matter& m = matters[best];
    dispatch_confidence = Saturate(best_evidence);
    if (!m.topic.empty()) d.topic = {m.topic, dispatch_confidence, true};
    d.departments = {m.departments, dispatch_confidence, true};
    d.matter = m.name;
    tier = m.tier;
  } else {
    // 待人工派单: nobody is forced to take it. The confidence says how sure we are that the
    // catalogue has no owner: high when nothing pointed anywhere.
    double strongest = 0;
    for (double e : pooled) strongest = std::max(strongest, e);
    dispatch_confidence = 1.0 - Saturate(strongest);
    d.departments = {{}, dispatch_confidence, true};
  }

  // ---- District and place (gazetteer). ----
  const std::vector<PlaceMention> mentions = gazetteer_.Find(norm);
  const Place* named_district = nullptr;
  const Place* place = nullptr;
  for (const PlaceMention& m : mentions) {
    if (m.place->kind == PlaceKind::kDistrict) {
      if (!named_district) named_district = m.place;
      continue;
    }
    if (!place || Specificity(m.place->kind) > Specificity(place->kind)) place = m.place;
  }
  if (place) d.place = {place->name, 0.9, true};
  if (named_district) {
    d.district = {named_district->name, 0.95, true};
  } else {
    // Only an address that belongs to exactly one district names it: the districts every
    // mentioned place shares.
    std::vector<std::string> common;
    bool first = true;
    for (const PlaceMention& m : mentions) {
      if (m.place->kind == PlaceKind::kDistrict) continue;
      if (first) {
        common = m.place->districts;
        first = false;
        continue;
      }
      std::vector<std::string> keep;
      for (const std::string& x : common)
        if (std::find(m.place->districts.begin(), m.place->districts.end(), x) !=
            m.place->districts.end())
          keep.push_back(x);
      // Places of different districts contradict each other: trust the most specific alone.
      common = keep.empty() ? (place ? place->districts : keep) : keep;
    }
    if (common.size() == 1) d.district = {common.front(), 0.85, true};
  }

  // ---- Tier: the default, raised to 2h on danger, never lowered. ----
  d.dangers = urgency_.Raising(norm);
  if (!d.dangers.empty()) {
    d.tier = {MoreUrgent(tier, Tier::k2h), 0.9, true};
  } else {
    d.tier = {tier, std::max(0.5, dispatch_confidence), true};
  }

  // ---- Contact: a number the citizen said wins over the one the channel knows. ----
  std::string phone = FindPhone(norm);
  if (!phone.empty()) {
    d.contact = {phone, 0.95, true};
  } else if (!input.known_contact.empty()) {
    std::string known = FindPhone(input.known_contact);
    d.contact = {known.empty() ? input.known_contact : known, 0.8, true};
  }

  // ---- Summary: one sentence from catalogue and gazetteer names only (no personal data). ----
  std::string where;
  if (d.district.value) where += *d.district.value;
  if (d.place.value) where += *d.place.value;
  std::string summary = "市民反映" + where;
  if (!d.matter.empty()) {
    summary += d.matter + "问题";
  } else if (category_decides) {
    summary += input.category->label + "类事项";
  } else {
    summary += where.empty() ? "的事项不在派单目录中" : "有事项不在派单目录中";
  }
  if (!d.dangers.empty()) {
    summary += "，涉及";
    for (size_t i = 0; i < d.dangers.size(); ++i) summary += (i ? "、" : "") + d.dangers[i];
    summary += "，按紧急件处置";
  }
  if (d.departments.value.empty()) summary += "，待人工派单";
  summary += "。";
  d.summary = {summary, dispatch_confidence, true};
  d.confidence = dispatch_confidence;
  return d;
}

}  // namespace zx::tickets
