#include "dialogue/calculators.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <variant>

namespace zx::dialogue {
namespace {

using i128 = __int128;

constexpr int64_t kMicro = 1'000'000;       // fixed point: value × 10^6
constexpr int64_t kPercent = 100 * kMicro;  // a percentage in micro units, as a fraction

// num / den rounded half-up (half away from zero for negative numbers); den > 0.
int64_t RoundDiv(i128 num, i128 den) {
  const bool neg = num < 0;
  if (neg) num = -num;
  const i128 q = (num * 2 + den) / (den * 2);
  return static_cast<int64_t>(neg ? -q : q);
}

int64_t ToMicro(double v) { return std::llround(v * static_cast<double>(kMicro)); }

// 21750000 -> "21.75", 85000000 -> "85".
std::string FormatMicro(int64_t m) {
  const bool neg = m < 0;
  // Negated in unsigned arithmetic: -INT64_MIN does not fit an int64_t (UBSan, fuzz_flow).
  const uint64_t a = neg ? 0 - static_cast<uint64_t>(m) : static_cast<uint64_t>(m);
  std::string s = std::to_string(a / kMicro);
  uint64_t frac = a % kMicro;
  if (frac != 0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%06llu", static_cast<unsigned long long>(frac));
    std::string f = buf;
    while (!f.empty() && f.back() == '0') f.pop_back();
    s += "." + f;
  }
  return neg ? "-" + s : s;
}

std::string Pct(int64_t micro_percent) { return FormatMicro(micro_percent) + "%"; }
std::string Yuan(int64_t cents) { return FormatCents(cents); }       // computed figures
std::string Plain(int64_t cents) { return FormatYuanPlain(cents); }  // figures as said

// "3年7个月", "10个月", "15年".
std::string FormatDuration(int64_t months) {
  if (months < 12) return std::to_string(months) + "个月";
  std::string s = std::to_string(months / 12) + "年";
  if (months % 12) s += std::to_string(months % 12) + "个月";
  return s;
}

std::string FormatYm(int year, int month) {
  return std::to_string(year) + "年" + std::to_string(month) + "月";
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) s += sep;
    s += parts[i];
  }
  return s;
}

// Reads parameters by dotted path; remembers the first problem.
class ParamReader {
 public:
  explicit ParamReader(const Params& root) : root_(root) {}

  const ParamValue* Find(const std::string& path) { return root_.Find(path); }

  // A number, in micro units.
  int64_t Micro(const std::string& path, bool positive = false) {
    const ParamValue* n = Find(path);
    if (!n) return Fail(path, "is missing");
    if (!n->is_number()) return Fail(path, "must be a number");
    const double v = n->number();
    if (v < 0 || (positive && v == 0)) return Fail(path, positive ? "must be > 0" : "must be >= 0");
    return ToMicro(v);
  }
  // A whole number.
  int64_t Int(const std::string& path, bool positive = false) {
    const ParamValue* n = Find(path);
    if (!n) return Fail(path, "is missing");
    if (!n->is_number_integer()) return Fail(path, "must be a whole number");
    const int64_t v = n->integer();
    if (v < 0 || (positive && v == 0)) return Fail(path, positive ? "must be > 0" : "must be >= 0");
    return v;
  }
  // An amount of 元, in cents.
  int64_t Cents(const std::string& path) { return RoundDiv(Micro(path), kMicro / 100); }
  std::string Str(const std::string& path) {
    const ParamValue* n = Find(path);
    if (!n) return Fail(path, "is missing"), "";
    if (!n->is_string()) return Fail(path, "must be a string"), "";
    return n->string();
  }
  // "YYYY-MM" -> months since year 0.
  int64_t YearMonth(const std::string& path) {
    std::string s = Str(path);
    if (problem) return 0;
    int y = 0, m = 0;
    char tail = 0;
    if (s.size() != 7 || std::sscanf(s.c_str(), "%4d-%2d%c", &y, &m, &tail) != 2 || m < 1 || m > 12)
      return Fail(path, "must be a year and month \"YYYY-MM\"");
    return static_cast<int64_t>(y) * 12 + (m - 1);
  }
  size_t ArraySize(const std::string& path) {
    const ParamValue* n = Find(path);
    if (!n) return Fail(path, "is missing"), 0;
    if (!n->is_list() || n->list().empty()) return Fail(path, "must be a non-empty array"), 0;
    return n->list().size();
  }

  int64_t Fail(const std::string& path, const std::string& reason) {
    if (!problem) problem = ParamProblem{path, reason};
    return 0;
  }
  bool ok() const { return !problem.has_value(); }
  Status status() const {
    return InvalidArgument("params." + problem->path + " " + problem->reason);
  }

  std::optional<ParamProblem> problem;

 private:
  const Params& root_;
};

// Reads slot values; remembers the first problem.
class SlotReader {
 public:
  explicit SlotReader(const SlotValues& v) : v_(v) {}

  const SlotValue* Find(std::string_view name, bool required) {
    auto it = v_.find(name);
    if (it == v_.end()) {
      if (required) Fail(name, "is missing");
      return nullptr;
    }
    return &it->second;
  }
  int64_t MoneyCents(std::string_view name, bool required = true) {
    const SlotValue* n = Find(name, required);
    if (!n) return 0;
    if (!IsNumber(*n)) return Fail(name, "must be a number of 元");
    if (NumberOf(*n) < 0) return Fail(name, "must not be negative");
    return YuanToCents(NumberOf(*n));
  }
  int64_t NumberMicro(std::string_view name, bool required = true) {
    const SlotValue* n = Find(name, required);
    if (!n) return 0;
    if (!IsNumber(*n)) return Fail(name, "must be a number");
    if (NumberOf(*n) < 0) return Fail(name, "must not be negative");
    return ToMicro(NumberOf(*n));
  }
  int64_t Months(std::string_view name) {
    const SlotValue* n = Find(name, true);
    if (!n) return 0;
    const int64_t* months = std::get_if<int64_t>(n);
    if (!months || *months < 0) return Fail(name, "must be a whole number of months");
    return *months;
  }
  bool Bool(std::string_view name, bool required = true) {
    const SlotValue* n = Find(name, required);
    if (!n) return false;
    const bool* b = std::get_if<bool>(n);
    if (!b) return Fail(name, "must be true or false"), false;
    return *b;
  }
  std::string Enum(std::string_view name) {
    const SlotValue* n = Find(name, true);
    if (!n) return "";
    const std::string* s = std::get_if<std::string>(n);
    if (!s) return Fail(name, "must be a string"), "";
    return *s;
  }
  // "YYYY-MM" -> {year, month}.
  std::pair<int, int> YearMonth(std::string_view name) {
    const SlotValue* n = Find(name, true);
    if (!n) return {0, 0};
    int y = 0, m = 0;
    char tail = 0;
    const std::string* s = std::get_if<std::string>(n);
    if (!s || std::sscanf(s->c_str(), "%4d-%2d%c", &y, &m, &tail) != 2 || m < 1 || m > 12) {
      Fail(name, "must be a year and month \"YYYY-MM\"");
      return {0, 0};
    }
    return {y, m};
  }

  int64_t Fail(std::string_view name, const std::string& reason) {
    if (error_.ok()) error_ = InvalidArgument("slot " + std::string(name) + " " + reason);
    return 0;
  }
  bool ok() const { return error_.ok(); }
  const Status& status() const { return error_; }

 private:
  const SlotValues& v_;
  Status error_;
};

// ---------------------------------------------------------------------------------------------
// 住院报销 (yb.inpatient_calc, yb.remote_ratio)

struct InpatientParams {
  int64_t deductible = 0;    // cents
  int64_t ratio_a = 0;       // micro-percent
  int64_t ratio_b = 0;       // micro-percent
  int64_t first_pay = 0;     // micro-percent
  int64_t cap = 0;           // cents
  int64_t deduction = 0;     // micro-percent points for the location
  int64_t em_deduction = 0;  // for emergency_counts_as
  std::string emergency_as;  // location an emergency counts as
};

InpatientParams ReadInpatient(ParamReader& p, const std::string& level,
                              const std::string& location) {
  InpatientParams ip;
  ip.deductible = p.Cents("deductible." + level);
  ip.ratio_a = p.Micro("ratio_a_percent." + level);
  ip.ratio_b = p.Micro("ratio_b_percent." + level);
  ip.first_pay = p.Micro("first_pay_percent");
  ip.cap = p.Cents("annual_cap");
  ip.deduction = p.Micro("remote_deduction_points." + location);
  ip.emergency_as = p.Str("emergency_counts_as");
  if (p.ok()) ip.em_deduction = p.Micro("remote_deduction_points." + ip.emergency_as);
  if (p.ok() && (ip.ratio_a > kPercent || ip.ratio_b > kPercent || ip.first_pay > kPercent))
    p.Fail("ratio_a_percent." + level, "and the other percentages must be at most 100");
  return ip;
}

std::optional<ParamProblem> CheckInpatient(const Params& params, const EnumValueNames& enums) {
  ParamReader p(params);
  auto levels = enums.find("hospital_level");
  auto locations = enums.find("location");
  if (levels == enums.end() || locations == enums.end())
    return ParamProblem{"", "needs enum slots hospital_level and location"};
  for (const auto& level : levels->second)
    for (const auto& loc : locations->second) ReadInpatient(p, level, loc);
  if (p.ok()) {
    const std::string as = p.Str("emergency_counts_as");
    if (std::find(locations->second.begin(), locations->second.end(), as) ==
        locations->second.end())
      p.Fail("emergency_counts_as", "must be one of the location values, got '" + as + "'");
  }
  return p.problem;
}

}  // namespace

Result<CalcResult> CalcInpatient(const Params& params, const SlotValues& v) {
  SlotReader s(v);
  const std::string level = s.Enum("hospital_level");
  const std::string location = s.Enum("location");
  const bool designated = s.Bool("designated");
  const bool emergency = s.Bool("emergency", false);
  const int64_t a = s.MoneyCents("class_a");
  const int64_t b = s.MoneyCents("class_b");
  const int64_t c = s.MoneyCents("class_c", false);
  if (!s.ok()) return s.status();
  ParamReader p(params);
  const InpatientParams ip = ReadInpatient(p, level, location);
  if (!p.ok()) return p.status();

  CalcResult r;
  const int64_t total = a + b + c;
  r.figures["total_cents"] = total;
  if (!designated && !emergency) {
    r.steps.push_back("在非定点医疗机构住院，且不属于急诊抢救：统筹基金不予支付");
    r.summary = "非定点医疗机构的住院费用不能报销（急诊抢救除外），可报销0.00元";
    r.amount_cents = 0;
    r.figures["reimbursed_cents"] = 0;
    r.rule = "非定点医疗机构不予报销（急诊抢救除外）";
    return r;
  }
  if (!designated) r.notes.push_back("在非定点医疗机构急诊抢救，可以按规定报销");

  int64_t points = ip.deduction;
  std::string as_location = location;
  if (emergency && ip.deduction > ip.em_deduction) {
    points = ip.em_deduction;
    as_location = ip.emergency_as;
    r.notes.push_back("急诊抢救视同" + ip.emergency_as + "：按" + ip.emergency_as + "的比例计算");
  }
  const int64_t ra = std::max<int64_t>(0, ip.ratio_a - points);
  const int64_t rb = std::max<int64_t>(0, ip.ratio_b - points);

  r.steps.push_back("起付线：" + level + "医院" + Plain(ip.deductible) + "元");
  if (points > 0) {
    r.steps.push_back("报销比例：" + as_location + "降低" + FormatMicro(points) + "个百分点，甲类" +
                      Pct(ip.ratio_a) + " − " + FormatMicro(points) + "% = " + Pct(ra) + "，乙类" +
                      Pct(ip.ratio_b) + " − " + FormatMicro(points) + "% = " + Pct(rb));
  } else {
    r.steps.push_back("报销比例（" + as_location + "）：甲类" + Pct(ra) + "，乙类" + Pct(rb));
  }

  // 甲类 first bears the deductible; what it cannot bear comes out of the 乙类 pool.
  int64_t base_a = 0, rest = 0;
  int64_t pay_a = 0;
  if (a >= ip.deductible) {
    base_a = a - ip.deductible;
    pay_a = RoundDiv(static_cast<i128>(base_a) * ra, kPercent);
    r.steps.push_back("甲类：(" + Plain(a) + " − " + Plain(ip.deductible) + ") × " + Pct(ra) +
                      " = " + Yuan(pay_a) + "元");
  } else {
    rest = ip.deductible - a;
    r.steps.push_back("甲类：" + Plain(a) + "元不足起付线" + Plain(ip.deductible) +
                      "元，不报销；剩余起付线 " + Plain(ip.deductible) + " − " + Plain(a) + " = " +
                      Yuan(rest) + "元从乙类中扣除");
  }
  const int64_t pool_b = RoundDiv(static_cast<i128>(b) * (kPercent - ip.first_pay), kPercent);
  int64_t pay_b = 0;
  if (b > 0 || rest > 0) {
    std::string line = "乙类：先行自付" + Pct(ip.first_pay) + "，" + Plain(b) + " × (1 − " +
                       Pct(ip.first_pay) + ") = " + Yuan(pool_b) + "元；";
    if (rest == 0) {
      pay_b = RoundDiv(static_cast<i128>(pool_b) * rb, kPercent);
      line += Yuan(pool_b) + " × " + Pct(rb) + " = " + Yuan(pay_b) + "元";
    } else if (pool_b > rest) {
      pay_b = RoundDiv(static_cast<i128>(pool_b - rest) * rb, kPercent);
      line += "扣除剩余起付线后 (" + Yuan(pool_b) + " − " + Yuan(rest) + ") × " + Pct(rb) + " = " +
              Yuan(pay_b) + "元";
    } else {
      line += "不足剩余起付线" + Yuan(rest) + "元，不报销";
    }
    r.steps.push_back(line);
  }
  if (c > 0) r.steps.push_back("丙类（自费）" + Plain(c) + "元：不予报销");
  int64_t paid = pay_a + pay_b;
  r.steps.push_back("合计：" + Yuan(pay_a) + " + " + Yuan(pay_b) + " = " + Yuan(paid) + "元");
  if (paid > ip.cap) {
    r.steps.push_back("超过统筹基金年度最高支付限额" + Plain(ip.cap) + "元，按" + Yuan(ip.cap) +
                      "元支付");
    r.notes.push_back("已按年度最高支付限额" + Plain(ip.cap) + "元封顶");
    paid = ip.cap;
  }
  const int64_t own = total - paid;
  r.steps.push_back("个人负担：" + Plain(total) + " − " + Yuan(paid) + " = " + Yuan(own) + "元");
  r.summary = "预计可报销" + Yuan(paid) + "元，个人负担" + Yuan(own) + "元";
  r.amount_cents = paid;
  r.figures["reimbursed_cents"] = paid;
  r.figures["own_cents"] = own;
  r.figures["class_a_cents"] = pay_a;
  r.figures["class_b_cents"] = pay_b;
  r.figures["deductible_cents"] = ip.deductible;
  r.figures["ratio_a_percent"] = static_cast<double>(ra) / kMicro;
  r.figures["ratio_b_percent"] = static_cast<double>(rb) / kMicro;
  r.rule = "职工医保住院：" + level + "医院起付线" + Plain(ip.deductible) + "元，甲类" +
           Pct(ip.ratio_a) + "、乙类" + Pct(ip.ratio_b) + "（乙类先行自付" + Pct(ip.first_pay) +
           "）；" + location + "比例降低" + FormatMicro(ip.deduction) +
           "个百分点；丙类不报销；统筹基金年度最高支付" + Plain(ip.cap) + "元";
  return r;
}

// ---------------------------------------------------------------------------------------------
// 失业金期限 (sy.duration)

namespace {

struct Tier {
  int64_t from_months;
  int64_t max_months;
};

std::vector<Tier> ReadTiers(ParamReader& p) {
  std::vector<Tier> tiers;
  const size_t n = p.ArraySize("tier");
  for (size_t i = 0; i < n && p.ok(); ++i) {
    const std::string at = "tier." + std::to_string(i);
    Tier t{p.Int(at + ".from_months"), p.Int(at + ".max_months", true)};
    if (p.ok() && !tiers.empty() && t.from_months <= tiers.back().from_months)
      p.Fail(at + ".from_months", "must be larger than the previous tier's");
    tiers.push_back(t);
  }
  return tiers;
}

std::optional<ParamProblem> CheckUnemployment(const Params& params, const EnumValueNames&) {
  ParamReader p(params);
  ReadTiers(p);
  if (p.ok() && p.Find("monthly_benefit")) p.Cents("monthly_benefit");
  return p.problem;
}

// "满1年不满5年", "满10年以上".
std::string TierRange(const std::vector<Tier>& tiers, size_t i) {
  std::string s = "满" + FormatDuration(tiers[i].from_months);
  if (i + 1 < tiers.size()) return s + "不满" + FormatDuration(tiers[i + 1].from_months);
  return s + "及以上";
}

}  // namespace

Result<CalcResult> CalcUnemploymentDuration(const Params& params, const SlotValues& v) {
  SlotReader s(v);
  const int64_t months = s.Months("months");
  if (!s.ok()) return s.status();
  ParamReader p(params);
  const std::vector<Tier> tiers = ReadTiers(p);
  const int64_t benefit = p.ok() && p.Find("monthly_benefit") ? p.Cents("monthly_benefit") : 0;
  if (!p.ok()) return p.status();

  CalcResult r;
  std::string rule;
  for (size_t i = 0; i < tiers.size(); ++i) {
    if (i) rule += "；";
    rule += TierRange(tiers, i) + "最长" + std::to_string(tiers[i].max_months) + "个月";
  }
  r.rule = "失业保险金领取期限：" + rule;
  r.figures["contribution_months"] = months;
  int found = -1;
  for (size_t i = 0; i < tiers.size(); ++i)
    if (months >= tiers[i].from_months) found = static_cast<int>(i);
  if (found < 0) {
    r.steps.push_back("累计缴费" + FormatDuration(months) + "：不满" +
                      FormatDuration(tiers[0].from_months));
    r.summary = "累计缴费不满" + FormatDuration(tiers[0].from_months) + "，不能领取失业保险金";
    r.figures["eligible"] = false;
    r.figures["max_months"] = 0;
    return r;
  }
  const Tier& t = tiers[static_cast<size_t>(found)];
  r.steps.push_back("累计缴费" + FormatDuration(months) + "：" +
                    TierRange(tiers, static_cast<size_t>(found)) + "，最长可领取" +
                    std::to_string(t.max_months) + "个月");
  r.figures["eligible"] = true;
  r.figures["max_months"] = t.max_months;
  r.summary = "最长可领取" + std::to_string(t.max_months) + "个月失业保险金";
  if (benefit > 0) {
    const int64_t all = benefit * t.max_months;
    r.steps.push_back("失业保险金每月" + Plain(benefit) + "元，领满" +
                      std::to_string(t.max_months) + "个月合计 " + std::to_string(t.max_months) +
                      " × " + Plain(benefit) + " = " + Yuan(all) + "元");
    r.figures["monthly_benefit_cents"] = benefit;
    r.figures["max_total_cents"] = all;
    r.summary += "，每月" + Plain(benefit) + "元";
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// 经济补偿 (ld.severance)

namespace {

struct SeveranceParams {
  int64_t average_wage;  // cents
  int64_t cap_multiple;  // micro
  int64_t cap_years;
  int64_t full_year_months;   // remaining months that count as a full year
  int64_t unlawful_multiple;  // micro
};

SeveranceParams ReadSeverance(ParamReader& p) {
  SeveranceParams sp{};
  sp.average_wage = p.Cents("average_wage");
  sp.cap_multiple = p.Micro("wage_cap_multiple", true);
  sp.cap_years = p.Int("cap_years", true);
  sp.full_year_months = p.Int("full_year_months", true);
  sp.unlawful_multiple = p.Micro("unlawful_multiple", true);
  if (p.ok() && sp.full_year_months > 12) p.Fail("full_year_months", "must be at most 12");
  return sp;
}

std::optional<ParamProblem> CheckSeverance(const Params& params, const EnumValueNames&) {
  ParamReader p(params);
  ReadSeverance(p);
  return p.problem;
}

std::string Halves(int64_t halves) { return std::to_string(halves / 2) + (halves % 2 ? ".5" : ""); }

}  // namespace

Result<CalcResult> CalcSeverance(const Params& params, const SlotValues& v) {
  SlotReader s(v);
  const int64_t months = s.Months("months");
  const int64_t wage = s.MoneyCents("wage");
  const bool unlawful = s.Bool("unlawful", false);
  if (!s.ok()) return s.status();
  ParamReader p(params);
  const SeveranceParams sp = ReadSeverance(p);
  if (!p.ok()) return p.status();

  CalcResult r;
  const int64_t years = months / 12, rest = months % 12;
  int64_t halves = years * 2;
  std::string line = "工作年限" + FormatDuration(months) + "：";
  if (years > 0) line += "满" + std::to_string(years) + "年计" + std::to_string(years) + "个月工资";
  if (rest >= sp.full_year_months) {
    halves += 2;
    line += std::string(years > 0 ? "，剩余" : "") + std::to_string(rest) + "个月满" +
            std::to_string(sp.full_year_months) + "个月，按1年计";
  } else if (rest > 0) {
    halves += 1;
    line += std::string(years > 0 ? "，剩余" : "") + std::to_string(rest) + "个月不满" +
            std::to_string(sp.full_year_months) + "个月，按半个月工资计";
  }
  line += "，N = " + Halves(halves);
  r.steps.push_back(line);

  const int64_t cap_wage = RoundDiv(static_cast<i128>(sp.average_wage) * sp.cap_multiple, kMicro);
  int64_t used_wage = wage;
  if (wage > cap_wage) {
    used_wage = cap_wage;
    std::string capped = "月工资" + Plain(wage) + "元高于上年度职工月平均工资的" +
                         FormatMicro(sp.cap_multiple) + "倍（" + Plain(sp.average_wage) + " × " +
                         FormatMicro(sp.cap_multiple) + " = " + Plain(cap_wage) + "元），按" +
                         Plain(cap_wage) + "元计算，年限最多计" + std::to_string(sp.cap_years) +
                         "年";
    if (halves > sp.cap_years * 2) {
      halves = sp.cap_years * 2;
      capped += "，N = " + Halves(halves);
    }
    r.steps.push_back(capped);
    r.notes.push_back("月工资超过当地上年度职工月平均工资" + FormatMicro(sp.cap_multiple) +
                      "倍，按封顶工资和最多" + std::to_string(sp.cap_years) + "年计算");
  } else {
    r.steps.push_back("月工资" + Plain(wage) + "元，未超过上年度职工月平均工资的" +
                      FormatMicro(sp.cap_multiple) + "倍（" + Plain(cap_wage) +
                      "元），按实际工资计算");
  }
  const int64_t comp = RoundDiv(static_cast<i128>(halves) * used_wage, 2);
  r.steps.push_back("经济补偿：" + Halves(halves) + " × " + Plain(used_wage) + " = " + Yuan(comp) +
                    "元");
  r.figures["n"] = static_cast<double>(halves) / 2;
  r.figures["wage_used_cents"] = used_wage;
  r.figures["compensation_cents"] = comp;
  if (unlawful) {
    const int64_t damages = RoundDiv(static_cast<i128>(comp) * sp.unlawful_multiple, kMicro);
    r.steps.push_back("违法解除赔偿金：" + Yuan(comp) + " × " + FormatMicro(sp.unlawful_multiple) +
                      " = " + Yuan(damages) + "元");
    r.figures["damages_cents"] = damages;
    r.amount_cents = damages;
    r.summary = "违法解除劳动合同，单位应支付赔偿金" + Yuan(damages) + "元（经济补偿" + Yuan(comp) +
                "元的" + FormatMicro(sp.unlawful_multiple) + "倍）";
  } else {
    r.amount_cents = comp;
    r.summary = "经济补偿为" + Yuan(comp) + "元（" + Halves(halves) + "个月工资）";
  }
  r.rule = "经济补偿每满1年支付1个月工资，剩余满" + std::to_string(sp.full_year_months) +
           "个月按1年、不满的按半个月；月工资高于上年度职工月平均工资" + Plain(sp.average_wage) +
           "元的" + FormatMicro(sp.cap_multiple) + "倍按" + FormatMicro(sp.cap_multiple) +
           "倍计且最多" + std::to_string(sp.cap_years) + "年；违法解除支付" +
           FormatMicro(sp.unlawful_multiple) + "倍赔偿金";
  return r;
}

// ---------------------------------------------------------------------------------------------
// 加班费 (ld.overtime)

namespace {

struct OvertimeKind {
  const char* slot;
  const char* param;
  const char* label;
  const char* figure;
};
constexpr OvertimeKind kOvertimeKinds[] = {
    {"weekday_hours", "rate_percent.weekday", "工作日延时加班", "weekday_cents"},
    {"rest_day_hours", "rate_percent.rest_day", "休息日加班", "rest_day_cents"},
    {"holiday_hours", "rate_percent.holiday", "法定节假日加班", "holiday_cents"},
};

std::optional<ParamProblem> CheckOvertime(const Params& params, const EnumValueNames&) {
  ParamReader p(params);
  p.Micro("workdays_per_month", true);
  p.Micro("hours_per_day", true);
  for (const auto& k : kOvertimeKinds) p.Micro(k.param);
  return p.problem;
}

}  // namespace

Result<CalcResult> CalcOvertime(const Params& params, const SlotValues& v) {
  SlotReader s(v);
  const int64_t wage = s.MoneyCents("wage");
  int64_t hours[3];
  for (int i = 0; i < 3; ++i) hours[i] = s.NumberMicro(kOvertimeKinds[i].slot, false);
  if (!s.ok()) return s.status();
  ParamReader p(params);
  const int64_t days = p.Micro("workdays_per_month", true);
  const int64_t per_day = p.Micro("hours_per_day", true);
  int64_t rates[3];
  for (int i = 0; i < 3; ++i) rates[i] = p.Micro(kOvertimeKinds[i].param);
  if (!p.ok()) return p.status();

  CalcResult r;
  // Hourly wage, rounded to the cent as shown, then each kind from the shown hourly wage.
  const int64_t hourly =
      RoundDiv(static_cast<i128>(wage) * kMicro * kMicro, static_cast<i128>(days) * per_day);
  r.steps.push_back("小时工资：" + Plain(wage) + " ÷ " + FormatMicro(days) + " ÷ " +
                    FormatMicro(per_day) + " = " + Yuan(hourly) + "元");
  r.figures["hourly_cents"] = hourly;
  int64_t total = 0;
  std::vector<std::string> parts, said;
  for (int i = 0; i < 3; ++i) {
    const auto& k = kOvertimeKinds[i];
    const int64_t pay = RoundDiv(static_cast<i128>(hourly) * rates[i] * hours[i],
                                 static_cast<i128>(kPercent) * kMicro);
    r.figures[k.figure] = pay;
    if (hours[i] == 0) continue;
    r.steps.push_back(std::string(k.label) + "：" + Yuan(hourly) + " × " + Pct(rates[i]) + " × " +
                      FormatMicro(hours[i]) + "小时 = " + Yuan(pay) + "元");
    total += pay;
    parts.push_back(Yuan(pay));
    said.push_back(std::string(k.label) + FormatMicro(hours[i]) + "小时");
  }
  if (parts.size() > 1)
    r.steps.push_back("合计：" + Join(parts, " + ") + " = " + Yuan(total) + "元");
  r.figures["total_cents"] = total;
  r.amount_cents = total;
  if (said.empty()) {
    r.summary = "小时工资为" + Yuan(hourly) + "元；没有加班时数，加班费为0.00元";
  } else {
    r.summary = Join(said, "、") + "，加班费不低于" + Yuan(total) + "元";
  }
  if (hours[1] > 0) r.notes.push_back("休息日加班应先安排补休，不能安排补休的才支付加班费");
  r.rule = "小时工资 = 月工资 ÷ " + FormatMicro(days) + " ÷ " + FormatMicro(per_day) +
           "；工作日延时不低于" + Pct(rates[0]) + "，休息日不低于" + Pct(rates[1]) +
           "，法定节假日不低于" + Pct(rates[2]);
  return r;
}

// ---------------------------------------------------------------------------------------------
// 灵活就业养老缴费 (yl.flex_contribution)

namespace {

struct FlexParams {
  int64_t floor, ceiling;       // cents
  int64_t rate, personal_rate;  // micro-percent
};

FlexParams ReadFlex(ParamReader& p) {
  FlexParams f{};
  f.floor = p.Cents("base_floor");
  f.ceiling = p.Cents("base_ceiling");
  f.rate = p.Micro("rate_percent");
  f.personal_rate = p.Micro("personal_account_percent");
  if (p.ok() && f.floor > f.ceiling) p.Fail("base_floor", "must not exceed base_ceiling");
  if (p.ok() && f.personal_rate > f.rate)
    p.Fail("personal_account_percent", "must not exceed rate_percent");
  return f;
}

std::optional<ParamProblem> CheckFlex(const Params& params, const EnumValueNames&) {
  ParamReader p(params);
  ReadFlex(p);
  return p.problem;
}

}  // namespace

Result<CalcResult> CalcFlexContribution(const Params& params, const SlotValues& v) {
  SlotReader s(v);
  const int64_t said = s.MoneyCents("base");
  if (!s.ok()) return s.status();
  ParamReader p(params);
  const FlexParams f = ReadFlex(p);
  if (!p.ok()) return p.status();

  CalcResult r;
  int64_t base = said;
  if (said < f.floor) {
    base = f.floor;
    r.notes.push_back("您说的基数" + Plain(said) + "元低于下限" + Plain(f.floor) + "元，按下限" +
                      Plain(f.floor) + "元计算");
  } else if (said > f.ceiling) {
    base = f.ceiling;
    r.notes.push_back("您说的基数" + Plain(said) + "元高于上限" + Plain(f.ceiling) + "元，按上限" +
                      Plain(f.ceiling) + "元计算");
  }
  const int64_t pay = RoundDiv(static_cast<i128>(base) * f.rate, kPercent);
  const int64_t personal = RoundDiv(static_cast<i128>(base) * f.personal_rate, kPercent);
  r.steps.push_back("缴费基数：" + Plain(base) + "元（可在" + Plain(f.floor) + "元至" +
                    Plain(f.ceiling) + "元之间自选）");
  r.steps.push_back("每月缴费：" + Plain(base) + " × " + Pct(f.rate) + " = " + Yuan(pay) + "元");
  r.steps.push_back("其中记入个人账户：" + Plain(base) + " × " + Pct(f.personal_rate) + " = " +
                    Yuan(personal) + "元");
  r.summary = "按基数" + Plain(base) + "元，每月缴费" + Yuan(pay) + "元，其中" + Yuan(personal) +
              "元记入个人账户";
  r.amount_cents = pay;
  r.figures["base_cents"] = base;
  r.figures["monthly_cents"] = pay;
  r.figures["personal_account_cents"] = personal;
  r.rule = "灵活就业人员养老保险：缴费基数" + Plain(f.floor) + "元至" + Plain(f.ceiling) +
           "元自选，缴费比例" + Pct(f.rate) + "，其中" + Pct(f.personal_rate) + "记入个人账户";
  return r;
}

// ---------------------------------------------------------------------------------------------
// 退休年龄 (yl.retirement_age)

namespace {

struct RetirementParams {
  int64_t first;  // months since year 0 of the first affected birth month
  int64_t old_age_years;
  int64_t months_per_step;
  int64_t max_delay;
};

RetirementParams ReadRetirement(ParamReader& p, const std::string& category) {
  const std::string at = "category." + category;
  RetirementParams rp{};
  rp.first = p.YearMonth(at + ".first_affected");
  rp.old_age_years = p.Int(at + ".old_age_years", true);
  rp.months_per_step = p.Int(at + ".months_per_step", true);
  rp.max_delay = p.Int(at + ".max_delay_months");
  return rp;
}

std::optional<ParamProblem> CheckRetirement(const Params& params, const EnumValueNames& enums) {
  ParamReader p(params);
  auto cats = enums.find("category");
  if (cats == enums.end()) return ParamProblem{"", "needs an enum slot category"};
  for (const auto& c : cats->second) ReadRetirement(p, c);
  return p.problem;
}

std::string Ym(int64_t months_since_0) {
  return FormatYm(static_cast<int>(months_since_0 / 12), static_cast<int>(months_since_0 % 12) + 1);
}

std::string Age(int64_t months) {
  std::string s = std::to_string(months / 12) + "岁";
  if (months % 12) s += std::to_string(months % 12) + "个月";
  return s;
}

}  // namespace

Result<CalcResult> CalcRetirementAge(const Params& params, const SlotValues& v) {
  SlotReader s(v);
  const auto [year, month] = s.YearMonth("birth");
  const std::string category = s.Enum("category");
  if (!s.ok()) return s.status();
  ParamReader p(params);
  const RetirementParams rp = ReadRetirement(p, category);
  if (!p.ok()) return p.status();

  CalcResult r;
  const int64_t birth = static_cast<int64_t>(year) * 12 + (month - 1);
  const int64_t k = birth - rp.first;
  int64_t delay = 0;
  if (k < 0) {
    r.steps.push_back(category + "，出生于" + Ym(birth) + "，早于" + Ym(rp.first) +
                      "，不延迟，按原退休年龄" + std::to_string(rp.old_age_years) + "岁");
  } else {
    const int64_t raw = k / rp.months_per_step + 1;
    delay = std::min(raw, rp.max_delay);
    r.steps.push_back(category + "：从" + Ym(rp.first) + "到" + Ym(birth) +
                      "，k = " + std::to_string(k) + "个月");
    std::string line = "延迟月数：⌊" + std::to_string(k) + " ÷ " +
                       std::to_string(rp.months_per_step) + "⌋ + 1 = " + std::to_string(raw) +
                       "个月";
    if (raw > rp.max_delay)
      line += "，超过最多延迟的" + std::to_string(rp.max_delay) + "个月，按" +
              std::to_string(rp.max_delay) + "个月计";
    r.steps.push_back(line);
  }
  const int64_t age = rp.old_age_years * 12 + delay;
  const int64_t retire = birth + age;
  if (delay > 0)
    r.steps.push_back("法定退休年龄：" + std::to_string(rp.old_age_years) + "岁 + " +
                      std::to_string(delay) + "个月 = " + Age(age));
  r.steps.push_back("退休时间：" + Ym(birth) + " + " + Age(age) + " = " + Ym(retire));
  r.summary = "法定退休年龄为" + Age(age) + "，" + Ym(retire) + "退休";
  r.figures["delay_months"] = delay;
  r.figures["age_years"] = age / 12;
  r.figures["age_months"] = age % 12;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", static_cast<int>(retire / 12),
                static_cast<int>(retire % 12) + 1);
  r.figures["retire"] = std::string(buf);
  r.rule = category + "：原退休年龄" + std::to_string(rp.old_age_years) + "岁，" + Ym(rp.first) +
           "及以后出生的每" + std::to_string(rp.months_per_step) + "个月延迟1个月，最多延迟" +
           std::to_string(rp.max_delay) + "个月";
  return r;
}

// ---------------------------------------------------------------------------------------------
// 工伤一次性伤残补助金 (gs.benefits)

namespace {

std::optional<ParamProblem> CheckInjury(const Params& params, const EnumValueNames&) {
  ParamReader p(params);
  const size_t n = p.ArraySize("months_by_grade");
  for (size_t i = 0; i < n && p.ok(); ++i) p.Int("months_by_grade." + std::to_string(i), true);
  return p.problem;
}

}  // namespace

Result<CalcResult> CalcInjuryBenefit(const Params& params, const SlotValues& v) {
  SlotReader s(v);
  const int64_t grade_micro = s.NumberMicro("grade");
  const int64_t wage = s.MoneyCents("wage");
  if (!s.ok()) return s.status();
  ParamReader p(params);
  const size_t grades = p.ArraySize("months_by_grade");
  if (!p.ok()) return p.status();

  CalcResult r;
  const bool whole = grade_micro % kMicro == 0;
  const int64_t grade = grade_micro / kMicro;
  r.rule = "一次性伤残补助金按本人工资计发：";
  for (size_t i = 0; i < grades; ++i) {
    const int64_t m = p.Int("months_by_grade." + std::to_string(i), true);
    r.rule += (i ? "、" : "") + ChineseOrdinal(static_cast<int>(i) + 1) + "级" + std::to_string(m) +
              "个月";
  }
  if (!p.ok()) return p.status();
  if (!whole || grade < 1 || static_cast<size_t>(grade) > grades) {
    r.summary =
        "伤残等级分为一级至" + ChineseOrdinal(static_cast<int>(grades)) + "级，请确认您的伤残等级";
    r.notes.push_back("您说的等级" + FormatMicro(grade_micro) + "不在一级至" +
                      ChineseOrdinal(static_cast<int>(grades)) + "级之内");
    return r;
  }
  const int64_t months = p.Int("months_by_grade." + std::to_string(grade - 1), true);
  const int64_t amount = months * wage;
  const std::string g = ChineseOrdinal(static_cast<int>(grade)) + "级伤残";
  r.steps.push_back(g + "：一次性伤残补助金为" + std::to_string(months) + "个月本人工资");
  r.steps.push_back(std::to_string(months) + " × " + Plain(wage) + " = " + Yuan(amount) + "元");
  r.summary = g + "的一次性伤残补助金为" + Yuan(amount) + "元（" + std::to_string(months) +
              "个月本人工资）";
  r.amount_cents = amount;
  r.figures["months"] = months;
  r.figures["amount_cents"] = amount;
  return r;
}

// ---------------------------------------------------------------------------------------------
// Registry and helpers

namespace {

const std::vector<Calculator>& All() {
  static const std::vector<Calculator> kAll = [] {
    using T = SlotType;
    std::vector<Calculator> v;
    v.push_back({"inpatient",
                 {{"hospital_level", T::kEnum},
                  {"designated", T::kBool},
                  {"emergency", T::kBool, false},
                  {"location", T::kEnum},
                  {"class_a", T::kMoney},
                  {"class_b", T::kMoney},
                  {"class_c", T::kMoney, false}},
                 CheckInpatient,
                 CalcInpatient});
    v.push_back({"unemployment_duration",
                 {{"months", T::kMonths}},
                 CheckUnemployment,
                 CalcUnemploymentDuration});
    v.push_back({"severance",
                 {{"months", T::kMonths}, {"wage", T::kMoney}, {"unlawful", T::kBool, false}},
                 CheckSeverance,
                 CalcSeverance});
    v.push_back({"overtime",
                 {{"wage", T::kMoney},
                  {"weekday_hours", T::kNumber, false},
                  {"rest_day_hours", T::kNumber, false},
                  {"holiday_hours", T::kNumber, false}},
                 CheckOvertime,
                 CalcOvertime});
    v.push_back({"flex_contribution", {{"base", T::kMoney}}, CheckFlex, CalcFlexContribution});
    v.push_back({"retirement_age",
                 {{"birth", T::kYearMonth}, {"category", T::kEnum}},
                 CheckRetirement,
                 CalcRetirementAge});
    v.push_back({"injury_benefit",
                 {{"grade", T::kNumber}, {"wage", T::kMoney}},
                 CheckInjury,
                 CalcInjuryBenefit});
    return v;
  }();
  return kAll;
}

}  // namespace

const Calculator* FindCalculator(std::string_view name) {
  for (const auto& c : All())
    if (c.name == name) return &c;
  return nullptr;
}

std::vector<std::string> CalculatorNames() {
  std::vector<std::string> names;
  for (const auto& c : All()) names.push_back(c.name);
  return names;
}

// Through micro units first, so that 0.295 (0.29499999... in binary) rounds to 0.30.
int64_t YuanToCents(double yuan) { return RoundDiv(ToMicro(yuan), kMicro / 100); }

std::string FormatCents(int64_t cents) {
  const bool neg = cents < 0;
  const uint64_t a = neg ? static_cast<uint64_t>(-cents) : static_cast<uint64_t>(cents);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%llu.%02llu", neg ? "-" : "",
                static_cast<unsigned long long>(a / 100), static_cast<unsigned long long>(a % 100));
  return buf;
}

std::string FormatYuanPlain(int64_t cents) {
  std::string s = FormatCents(cents);
  if (s.ends_with(".00")) return s.substr(0, s.size() - 3);
  if (s.back() == '0') s.pop_back();
  return s;
}

std::string FormatNumber(double v) { return FormatMicro(ToMicro(v)); }

std::string ChineseOrdinal(int n) {
  static const char* kDigits[] = {"", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};
  if (n >= 1 && n <= 10) return kDigits[n];
  if (n > 10 && n < 20) return std::string("十") + kDigits[n - 10];
  return std::to_string(n);
}

}  // namespace zx::dialogue
