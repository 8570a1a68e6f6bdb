// Figures: one left-to-right scanner over code points. Numbers are read here only as far as
// finding where one starts and ends; their value is the text module's (text::ParseNumber), so
// the checker and the rest of zhixian agree on what 两万三 or 1.5万 means. What follows a number
// decides its unit (the table below, longest word first); what precedes it in its clause decides
// its rate (每月) and its bound (最多, 不超过, 满).
#include "llm/figures.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include "text/numerals.h"
#include "text/utf8.h"

namespace zx::llm {
namespace {

using text::utf8::CodePoints;

// 幺 included: phone and case numbers are read digit by digit.
int ChineseDigit(char32_t c) { return text::ChineseDigitValue(c); }

bool IsChineseUnit(char32_t c) {
  return c == U'十' || c == U'拾' || c == U'百' || c == U'佰' || c == U'千' || c == U'仟' ||
         c == U'万' || c == U'亿';
}

bool IsArabic(char32_t c) { return c >= '0' && c <= '9'; }

std::string Fmt(double v) {
  char buf[64];
  const double r = std::round(v);
  if (std::fabs(v - r) < 1e-7 && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", r);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.6f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// Words with numeral characters that are not figures (text/numerals.cc keeps a similar list
// for its own scanner; these are the ones an answer's prose uses).
constexpr std::array<std::u32string_view, 59> kFixedWords = {
    U"一年一度", U"万一",     U"一些",     U"一下",   U"一点",     U"一样",   U"一直",
    U"一般",     U"一起",     U"一定",     U"一切",   U"一旦",     U"一致",   U"一律",
    U"一同",     U"一再",     U"一并",     U"一边",   U"一方面",   U"一时",   U"一会",
    U"一块儿",   U"一次性",   U"一体",     U"一站式", U"一网通办", U"一件事", U"一次办",
    U"跑一次",   U"一卡通",   U"一码通",   U"一线",   U"一手",     U"一共",   U"统一",
    U"唯一",     U"同一",     U"单一",     U"之一",   U"逐一",     U"千万",   U"三甲",
    U"二甲",     U"五险一金", U"三险一金", U"十四五", U"十三五",   U"两头",   U"一老一小",
    U"一人一档", U"一户一档", U"两会",     U"上一年", U"下一年",   U"前一年", U"后一年",
    U"头一年",   U"这一年",   U"那一年"};

struct UnitWord {
  std::u32string_view word;
  std::string_view unit;
  double scale;
};

// After a number, longest first where one word begins another. Dates, times of day, 年, 月, 日,
// 号, 成 and 折 are read by the scanner itself.
constexpr std::array<UnitWord, 66> kUnits = {{
    {U"个工作日", "工作日", 1}, {U"工作日", "工作日", 1}, {U"个自然日", "日", 1},
    {U"自然日", "日", 1},       {U"天", "日", 1},         {U"个小时", "小时", 1},
    {U"小时", "小时", 1},       {U"分钟", "分钟", 1},     {U"个星期", "周", 1},
    {U"星期", "周", 1},         {U"周岁", "岁", 1},       {U"周", "周", 1},
    {U"岁", "岁", 1},           {U"万元", "元", 1e4},     {U"亿元", "元", 1e8},
    {U"千元", "元", 1e3},       {U"元钱", "元", 1},       {U"块钱", "元", 1},
    {U"元", "元", 1},           {U"块", "元", 1},         {U"角", "元", 0.1},
    {U"个百分点", "百分点", 1}, {U"%", "%", 1},           {U"倍", "倍", 1},
    {U"人次", "人次", 1},       {U"平方米", "平方米", 1}, {U"平米", "平方米", 1},
    {U"㎡", "平方米", 1},       {U"公里", "公里", 1},     {U"千米", "公里", 1},
    {U"公斤", "公斤", 1},       {U"千克", "公斤", 1},     {U"学时", "学时", 1},
    {U"课时", "学时", 1},       {U"次", "次", 1},         {U"人", "人", 1},
    {U"户", "户", 1},           {U"名", "人", 1},         {U"位", "人", 1},
    {U"项", "项", 1},           {U"件", "件", 1},         {U"张", "张", 1},
    {U"份", "份", 1},           {U"本", "本", 1},         {U"套", "套", 1},
    {U"间", "间", 1},           {U"辆", "辆", 1},         {U"台", "台", 1},
    {U"家", "家", 1},           {U"条", "条", 1},         {U"款", "款", 1},
    {U"页", "页", 1},           {U"层", "层", 1},         {U"批", "批", 1},
    {U"笔", "笔", 1},           {U"类", "类", 1},         {U"种", "种", 1},
    {U"级", "级", 1},           {U"档", "档", 1},         {U"斤", "斤", 1},
    {U"遍", "遍", 1},           {U"℃", "度", 1},          {U"摄氏度", "度", 1},
    {U"度", "度", 1},           {U"趟", "趟", 1},         {U"个", "个", 1},
}};

// Bound words: what a figure is a limit of. Before the figure (the nearest in its clause counts)
// and right after it.
struct BoundWord {
  std::u32string_view word;
  int bound;
};
constexpr std::array<BoundWord, 48> kBoundsBefore = {{
    {U"最多", -1},     {U"最高", -1},     {U"最长", -1},     {U"至多", -1},     {U"不超过", -1},
    {U"不能超过", -1}, {U"不得超过", -1}, {U"不可超过", -1}, {U"不应超过", -1}, {U"不高于", -1},
    {U"不能高于", -1}, {U"不得高于", -1}, {U"不多于", -1},   {U"不大于", -1},   {U"不到", -1},
    {U"不满", -1},     {U"未满", -1},     {U"不足", -1},     {U"低于", -1},     {U"少于", -1},
    {U"封顶", -1},     {U"上限", -1},     {U"最晚", -1},     {U"最迟", -1},     {U"最少", 1},
    {U"最低", 1},      {U"至少", 1},      {U"最短", 1},      {U"不少于", 1},    {U"不能少于", 1},
    {U"不得少于", 1},  {U"不低于", 1},    {U"不能低于", 1},  {U"不得低于", 1},  {U"不小于", 1},
    {U"超过", 1},      {U"高于", 1},      {U"多于", 1},      {U"大于", 1},      {U"满", 1},
    {U"起码", 1},      {U"最早", 1},      {U"提前", 1},      {U"以上", 1},      {U"不应低于", 1},
    {U"不应少于", 1},  {U"不可低于", 1},  {U"不应高于", -1},
}};
constexpr std::array<BoundWord, 17> kBoundsAfter = {{
    {U"以内", -1},
    {U"之内", -1},
    {U"内", -1},
    {U"以下", -1},
    {U"之下", -1},
    {U"以前", -1},
    {U"之前", -1},
    {U"前", -1},
    {U"为限", -1},
    {U"以上", 1},
    {U"之上", 1},
    {U"以后", 1},
    {U"之后", 1},
    {U"后", 1},
    {U"起", 1},
    {U"开外", 1},
    {U"及以上", 1},
}};

// Characters that end a clause: a figure's rate, bound and negation are looked for between the
// last of them and the figure.
bool ClauseEnd(char32_t c) {
  return c == U'，' || c == ',' || c == U'。' || c == U'；' || c == ';' || c == U'！' || c == '!' ||
         c == U'？' || c == '?' || c == '\n';
}

struct Num {
  size_t begin = 0;
  size_t end = 0;
  double value = 0;
  bool chinese = false;
  bool arabic = false;
  bool lone = false;          // exactly one Chinese character
  bool digit_string = false;  // read digit by digit (一二三四五, or Arabic without grouping)
  std::string digits;
  bool leading_zero = false;
  bool decimal = false;
  double written = 0;  // the value before a trailing 万, 亿 or 千 (500 in 500万)
  bool digit_string_chinese() const { return digit_string && chinese; }
};

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s), t_(text::utf8::Decode(s)) {
    fixed_.assign(t_.size(), false);
    for (size_t i = 0; i < t_.size(); ++i) {
      for (auto w : kFixedWords) {
        if (StartsWith(i, w)) {
          for (size_t k = i; k < i + w.size(); ++k) fixed_[k] = true;
        }
      }
    }
  }

  std::vector<Figure> Run() {
    size_t i = 0;
    while (i < t_.size()) {
      const size_t next = Step(i);
      i = std::max(i + 1, next);
    }
    JoinRanges();
    for (auto& f : out_) Qualify(&f);
    std::vector<Figure> figures;
    figures.reserve(out_.size());
    for (auto& f : out_) figures.push_back(std::move(f.figure));
    return figures;
  }

 private:
  struct Found {
    Figure figure;
    size_t begin = 0;  // code points
    size_t end = 0;
    double value = 0;  // numeric value (for ranges)
    double scale = 1;
    bool plain = false;
  };

  char32_t At(size_t i) const { return i < t_.size() ? t_.cp[i] : 0; }
  bool StartsWith(size_t i, std::u32string_view w) const {
    if (i + w.size() > t_.size()) return false;
    for (size_t k = 0; k < w.size(); ++k) {
      if (t_.cp[i + k] != w[k]) return false;
    }
    return true;
  }
  std::string Bytes(size_t b, size_t e) const {
    return std::string(s_.substr(t_.offset[b], t_.offset[e] - t_.offset[b]));
  }
  bool NumeralStart(size_t i, bool in_fixed = false) const {
    if (i >= t_.size() || (fixed_[i] && !in_fixed)) return false;
    const char32_t c = At(i);
    return IsArabic(c) || ChineseDigit(c) >= 0 || c == U'十' || c == U'拾';
  }

  void Add(size_t b, size_t e, std::string unit, std::string value, double number,
           double numeric = 0, double scale = 1, bool plain = false) {
    Found f;
    f.figure.unit = std::move(unit);
    f.figure.value = std::move(value);
    f.figure.number = number;
    f.figure.begin = t_.offset[b];
    f.figure.end = t_.offset[e];
    f.figure.text = Bytes(b, e);
    f.begin = b;
    f.end = e;
    f.value = numeric;
    f.scale = scale;
    f.plain = plain;
    out_.push_back(std::move(f));
  }

  // One number at i (no unit), or nullopt.
  // `in_fixed`: also inside a fixed word (三分之一: 之一).
  std::optional<Num> ReadNum(size_t i, bool in_fixed = false) const {
    if (!NumeralStart(i, in_fixed)) return std::nullopt;
    Num n;
    n.begin = i;
    if (IsArabic(At(i))) {
      std::string num;
      size_t j = i;
      while (IsArabic(At(j))) num.push_back(static_cast<char>(At(j++)));
      n.digits = num;
      n.leading_zero = num.size() > 1 && num[0] == '0';
      bool grouped = false;
      if (num.size() <= 3) {
        while (At(j) == ',' && IsArabic(At(j + 1)) && IsArabic(At(j + 2)) && IsArabic(At(j + 3)) &&
               !IsArabic(At(j + 4))) {
          for (size_t k = 1; k <= 3; ++k) num.push_back(static_cast<char>(At(j + k)));
          j += 4;
          grouped = true;
        }
      }
      if (At(j) == '.' && IsArabic(At(j + 1))) {
        num.push_back('.');
        ++j;
        while (IsArabic(At(j))) num.push_back(static_cast<char>(At(j++)));
        n.decimal = true;
      }
      n.arabic = true;
      n.digit_string = !grouped && !n.decimal;
      n.value = std::strtod(num.c_str(), nullptr);
      // 1.5万, 3千, 2亿.
      n.written = n.value;
      if (At(j) == U'万' || At(j) == U'亿' || At(j) == U'千') {
        if (auto v = text::ParseNumber(Bytes(i, j + 1))) {
          n.value = *v;
          n.digit_string = false;
          ++j;
        }
      }
      n.end = j;
      return n;
    }
    // Chinese: the longest run of numeral characters the text module reads as one number.
    size_t j = i;
    bool units = false;
    while (j < t_.size() && (!fixed_[j] || in_fixed)) {
      const char32_t c = At(j);
      if (ChineseDigit(c) >= 0) {
        ++j;
      } else if (IsChineseUnit(c)) {
        units = true;
        ++j;
      } else if (c == U'点' && ChineseDigit(At(j + 1)) >= 0 && j > i && !TimeAfterDian(j)) {
        ++j;
      } else {
        break;
      }
    }
    if (j == i) return std::nullopt;
    n.chinese = true;
    if (!units && j - i >= 2 && !HasDian(i, j)) {
      // Digit by digit: 一二三四五, 幺二三三三; two digits are a range (三四天) unless 八五折.
      for (size_t k = i; k < j; ++k)
        n.digits.push_back(static_cast<char>('0' + ChineseDigit(At(k))));
      n.digit_string = true;
      n.leading_zero = n.digits[0] == '0';
      n.value = n.written = std::strtod(n.digits.c_str(), nullptr);
      n.end = j;
      return n;
    }
    for (size_t e = j; e > i; --e) {
      if (auto v = text::ParseNumber(Bytes(i, e))) {
        n.value = n.written = *v;
        const char32_t last = At(e - 1);
        if (e - i > 1 && (last == U'万' || last == U'亿' || last == U'千')) {
          if (auto w = text::ParseNumber(Bytes(i, e - 1))) n.written = *w;
        }
        n.end = e;
        n.lone = e - i == 1;
        return n;
      }
    }
    return std::nullopt;
  }

  bool HasDian(size_t b, size_t e) const {
    for (size_t k = b; k < e; ++k) {
      if (At(k) == U'点') return true;
    }
    return false;
  }

  // 九点三十分 is a time of day; 三点五万 a decimal.
  bool TimeAfterDian(size_t j) const {
    size_t k = j + 1;
    while (ChineseDigit(At(k)) >= 0 || At(k) == U'十') ++k;
    return At(k) == U'分';
  }

  // Words before i in the clause: 下午 moves a time of day by twelve hours.
  bool Afternoon(size_t i) const {
    for (std::u32string_view w : {U"下午", U"晚上", U"傍晚", U"中午"}) {
      for (size_t back = 0; back <= 3 && back + w.size() <= i; ++back) {
        if (StartsWith(i - back - w.size(), w)) return true;
      }
    }
    return false;
  }

  void AddTime(size_t b, size_t e, int hour, int minute) {
    if (Afternoon(b) && hour < 12) hour += 12;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d:%02d", hour, minute);
    Add(b, e, "时刻", buf, hour);
  }

  // 2026年3月1日 (each part optional after the first), 3月1日, 6月底, 每月15日.
  std::string DateValue(int year, int month, const std::string& day) const {
    std::string v;
    if (year > 0) v += "y" + std::to_string(year);
    if (month > 0) v += (v.empty() ? "m" : " m") + std::to_string(month);
    if (!day.empty()) v += (v.empty() ? "d" : " d") + day;
    return v;
  }

  // The day part at k (after 月): "15日", "15号", "底", "初", "中旬"; sets *end.
  std::string ReadDay(size_t k, size_t* end) const {
    for (std::u32string_view w : {U"上旬", U"中旬", U"下旬", U"底", U"初", U"末"}) {
      if (StartsWith(k, w)) {
        *end = k + w.size();
        std::string d;
        for (char32_t c : w) text::utf8::AppendUtf8(c, &d);
        return d;
      }
    }
    if (auto d = ReadNum(k); d && !d->decimal && d->value >= 1 && d->value <= 31 &&
                             (At(d->end) == U'日' || At(d->end) == U'号')) {
      *end = d->end + 1;
      return Fmt(d->value);
    }
    return "";
  }

  // The month (and day) at k: "3月1日"; returns the month or 0.
  int ReadMonth(size_t k, size_t* end, std::string* day) const {
    auto m = ReadNum(k);
    if (!m || m->decimal || m->value < 1 || m->value > 12 || At(m->end) != U'月') return 0;
    if (m->digit_string && m->chinese) return 0;
    size_t e = m->end + 1;
    if (At(e) == U'份') ++e;
    *day = ReadDay(e, &e);
    *end = e;
    return static_cast<int>(m->value);
  }

  // List numbering: "1." / "1、" / "一、" / "(1)" at the start of a line or an item.
  bool ListNumber(const Num& n) const {
    const char32_t after = At(n.end);
    size_t b = n.begin;
    while (b > 0 && (At(b - 1) == ' ' || At(b - 1) == '\t')) --b;
    const char32_t before = b > 0 ? At(b - 1) : U'\n';
    if ((before == '(' || before == U'（') && (after == ')' || after == U'）')) return true;
    const bool item_start = before == U'\n' || before == U'：' || before == ':' ||
                            before == U'；' || before == ';' || before == U'。';
    if (!item_start) return false;
    return after == U'、' || (after == '.' && !IsArabic(At(n.end + 1))) || after == ')' ||
           after == U'）';
  }

  // A figure at i; returns where to go on.
  size_t Step(size_t i) {
    const char32_t c = At(i);
    if (fixed_[i]) return i + 1;
    // Case numbers: letters with digits (A2026001).
    if (text::utf8::IsAsciiAlpha(c)) {
      size_t j = i;
      bool digit = false;
      while (text::utf8::IsAsciiAlpha(At(j)) || IsArabic(At(j)) || At(j) == '-' || At(j) == '_') {
        digit = digit || IsArabic(At(j));
        ++j;
      }
      if (digit) {
        std::string v;
        for (size_t k = i; k < j; ++k) v.push_back(static_cast<char>(std::tolower(At(k))));
        Add(i, j, "编号", v, 0);
      }
      return j;
    }
    if (StartsWith(i, U"百分之") || StartsWith(i, U"千分之")) {
      if (StartsWith(i, U"百分之百")) {
        Add(i, i + 4, "%", "100", 100, 100);
        return i + 4;
      }
      if (auto n = ReadNum(i + 3)) {
        const double v = c == U'千' ? n->value / 10 : n->value;
        Add(i, n->end, "%", Fmt(v), v, v);
        return n->end;
      }
      return i + 3;
    }
    if (c == U'半' && !(i > 0 && At(i - 1) == U'个')) {
      if (StartsWith(i + 1, U"年")) return Duration(i, i + 2, 6, 0.5), i + 2;
      if (StartsWith(i + 1, U"个月")) return Duration(i, i + 3, 0.5, 0.5), i + 3;
      if (StartsWith(i + 1, U"个小时")) return Add(i, i + 4, "小时", "0.5", 0.5, 0.5), i + 4;
      if (StartsWith(i + 1, U"小时")) return Add(i, i + 3, "小时", "0.5", 0.5, 0.5), i + 3;
      if (StartsWith(i + 1, U"天")) return Add(i, i + 2, "日", "0.5", 0.5, 0.5), i + 2;
      return i + 1;
    }
    if (!NumeralStart(i)) return i + 1;
    if (IsArabic(c)) {
      if (size_t e = ArabicPattern(i)) return e;
    }
    auto n = ReadNum(i);
    if (!n) return i + 1;
    if (i > 0 && IsArabic(c) && (At(i - 1) == '.' || text::utf8::IsAsciiAlpha(At(i - 1)))) {
      return n->end;  // part of a version or code
    }
    if (ListNumber(*n)) return n->end;
    const bool ordinal = i > 0 && At(i - 1) == U'第';
    return Units(*n, ordinal);
  }

  void Duration(size_t b, size_t e, double months, double number) {
    Add(b, e, "月", Fmt(months), number, months);
  }

  // Dates, times and phone numbers written with separators: 2026-03-01, 2026/3/1, 9:30,
  // 0531-12345678, 400-123-4567. Returns the end, or 0.
  size_t ArabicPattern(size_t i) {
    auto digits_at = [&](size_t k, size_t* e) {
      std::string d;
      while (IsArabic(At(k))) d.push_back(static_cast<char>(At(k++)));
      *e = k;
      return d;
    };
    size_t e = 0;
    const std::string first = digits_at(i, &e);
    const char32_t sep = At(e);
    // 9:30, 17:00.
    if (sep == ':' && first.size() <= 2 && IsArabic(At(e + 1)) && IsArabic(At(e + 2)) &&
        !IsArabic(At(e + 3))) {
      const int h = std::atoi(first.c_str());
      const int m = std::atoi(Bytes(e + 1, e + 3).c_str());
      if (h <= 24 && m < 60) {
        AddTime(i, e + 3, h, m);
        return e + 3;
      }
    }
    if (sep != '-' && sep != '/' && sep != '.') return 0;
    // A date: year, month, day.
    const int year = std::atoi(first.c_str());
    if (first.size() == 4 && year >= 1900 && year <= 2100 && IsArabic(At(e + 1))) {
      size_t me = 0;
      const std::string month = digits_at(e + 1, &me);
      const int m = std::atoi(month.c_str());
      if (month.size() <= 2 && m >= 1 && m <= 12 && At(me) == sep && IsArabic(At(me + 1))) {
        size_t de = 0;
        const std::string day = digits_at(me + 1, &de);
        const int d = std::atoi(day.c_str());
        if (day.size() <= 2 && d >= 1 && d <= 31) {
          Add(i, de, "日期", DateValue(year, m, std::to_string(d)), year);
          return de;
        }
      }
    }
    if (sep != '-') return 0;
    // Phone numbers: groups of digits joined by '-', seven digits or more in all.
    std::string all = first;
    size_t k = e;
    while (At(k) == '-' && IsArabic(At(k + 1))) {
      size_t ge = 0;
      all += digits_at(k + 1, &ge);
      k = ge;
    }
    if (k == e || all.size() < 7 || first.size() < 3) return 0;
    Add(i, k, "号码", all, 0);
    return k;
  }

  // The unit after number n; adds the figure; returns where to go on.
  size_t Units(const Num& n, bool ordinal) {
    const size_t b = ordinal ? n.begin - 1 : n.begin;
    size_t k = n.end;
    const std::string ord = ordinal ? "第" : "";
    // 三分之二.
    if (StartsWith(k, U"分之")) {
      if (auto d = ReadNum(k + 2, /*in_fixed=*/true)) {
        Add(b, d->end, "分数", Fmt(d->value) + "/" + Fmt(n.value), d->value,
            n.value > 0 ? d->value / n.value : 0);
        return d->end;
      }
    }
    if (!ordinal) {
      // Years: 2026年 (a date, with its month and day when said) or a span (2年 = 24 月).
      if (At(k) == U'年' && At(k + 1) != U'级') {
        const bool year_like =
            n.digit_string && n.digits.size() == 4 && n.value >= 1900 && n.value <= 2100;
        if (year_like) {
          size_t e = k + 1;
          if (At(e) == U'度') ++e;
          std::string day;
          const int month = ReadMonth(e, &e, &day);
          Add(b, e, "日期", DateValue(static_cast<int>(n.value), month, day), n.value);
          return e;
        }
        if (n.digit_string && n.chinese) return k + 1;
        if (StartsWith(k + 1, U"半")) {
          Duration(b, k + 2, n.value * 12 + 6, n.value + 0.5);
          return k + 2;
        }
        size_t p = k + 1;
        if (At(p) == U'零' || At(p) == U'又') ++p;
        if (auto m = ReadNum(p); m && StartsWith(m->end, U"个月")) {
          Duration(b, m->end + 2, n.value * 12 + m->value, n.value);
          return m->end + 2;
        }
        Duration(b, k + 1, n.value * 12, n.value);
        return k + 1;
      }
      if (StartsWith(k, U"个半月")) {
        Duration(b, k + 3, n.value + 0.5, n.value + 0.5);
        return k + 3;
      }
      if (StartsWith(k, U"个月") || StartsWith(k, U"个多月")) {
        const size_t e = k + (At(k + 1) == U'多' ? 3 : 2);
        Duration(b, e, n.value, n.value);
        return e;
      }
      if (At(k) == U'月' && !n.decimal && n.value >= 1 && n.value <= 12 &&
          !n.digit_string_chinese()) {
        size_t e = k + 1;
        if (At(e) == U'份') ++e;
        const std::string day = ReadDay(e, &e);
        Add(b, e, "日期", DateValue(0, static_cast<int>(n.value), day), n.value, n.value);
        return e;
      }
      if ((At(k) == U'日' || At(k) == U'号') && !n.decimal && n.value >= 1 && n.value <= 31 &&
          (At(k) == U'号' || (n.begin > 0 && At(n.begin - 1) == U'月'))) {
        Add(b, k + 1, "日期", DateValue(0, 0, Fmt(n.value)), n.value, n.value);
        return k + 1;
      }
      if (At(k) == U'日' && !StartsWith(k, U"日期")) {
        Add(b, k + 1, "日", Fmt(n.value), n.value, n.value);
        return k + 1;
      }
      // Times of day: 9点, 9点半, 9点30分, 9时30分.
      if ((At(k) == U'点' || (At(k) == U'时' && !StartsWith(k, U"时间"))) && !n.decimal &&
          n.value <= 24 && !IsArabic(At(k + 1))) {
        int minute = 0;
        size_t e = k + 1;
        if (At(e) == U'半') {
          minute = 30;
          ++e;
        } else if (auto m = ReadNum(e); m && m->value < 60 && At(m->end) == U'分') {
          minute = static_cast<int>(m->value);
          e = m->end + 1;
        }
        AddTime(b, e, static_cast<int>(n.value), minute);
        return e;
      }
      // 七成 = 70%; 八折 = 80% (the share paid); 八五折 = 85%.
      if (At(k) == U'成' && n.value >= 1 && n.value <= 10 && !n.decimal &&
          std::u32string_view(U"立为功本年人员果绩交熟品长都就").find(At(k + 1)) ==
              std::u32string_view::npos) {
        Add(b, k + 1, "%", Fmt(n.value * 10), n.value, n.value * 10);
        return k + 1;
      }
      if (At(k) == U'折' &&
          std::u32string_view(U"算合扣旧叠").find(At(k + 1)) == std::u32string_view::npos) {
        double v = n.value;
        if (n.digit_string && n.digits.size() == 2) {
          v = n.value / 10;
        }
        if (v > 0 && v < 10) {
          Add(b, k + 1, "%", Fmt(v * 10), n.value, v * 10);
          return k + 1;
        }
      }
    }
    if (n.digit_string && n.chinese && n.digits.size() == 2) return n.end;  // 三四天: a range
    size_t u = k;
    if (At(u) == U'多' || At(u) == U'余') ++u;  // 20多天: about
    for (const auto& w : kUnits) {
      if (!StartsWith(u, w.word)) continue;
      if (w.word == U"个" && n.chinese && n.value == 1) return u + 1;  // 一个: an article
      if (w.word == U"周" && (At(u + 1) == U'一' || At(u + 1) == U'末')) break;
      const double v = n.value * w.scale;
      Add(b, u + w.word.size(), ord + std::string(w.unit), Fmt(v), n.written, v, w.scale);
      return u + w.word.size();
    }
    if (ordinal) return n.end;  // 第一, 第二: sequence words
    if (n.lone) return n.end;   // 一, 三 alone: words, not figures
    if (n.digit_string && (n.leading_zero || n.digits.size() >= 5)) {
      Add(b, n.end, "号码", n.digits, n.value);
      return n.end;
    }
    Add(b, n.end, "", Fmt(n.value), n.value, n.value, 1, /*plain=*/true);
    // In a calculation ((8000 − 800) × 88%) a number carries no unit of its own.
    auto op = [](char32_t c) {
      return std::u32string_view(U"×*÷+=−-()（）").find(c) != std::u32string_view::npos;
    };
    size_t before = b, after = n.end;
    while (before > 0 && At(before - 1) == ' ') --before;
    while (At(after) == ' ') ++after;
    out_.back().figure.calculation = (before > 0 && op(At(before - 1))) || op(At(after));
    return n.end;
  }

  // "3-5个工作日", "16到25周岁", "5至6月": the first number takes the second's unit.
  void JoinRanges() {
    // From the end, so that a list takes the unit of its last member: 200、300、500元.
    for (size_t i = out_.size() - std::min<size_t>(out_.size(), 1); i-- > 0;) {
      Found& a = out_[i];
      const Found& z = out_[i + 1];
      if (!a.plain || z.plain || z.figure.unit == "号码" || z.figure.unit == "编号") continue;
      const size_t gap = z.begin - a.end;
      const bool joined = (gap == 1 && std::u32string_view(U"-~～—至到、").find(At(a.end)) !=
                                           std::u32string_view::npos) ||
                          (gap == 2 && (StartsWith(a.end, U"——") || StartsWith(a.end, U"……")));
      if (!joined) continue;
      if (z.figure.unit == "日期") {
        if (z.figure.value.starts_with("m") && z.figure.value.find(' ') == std::string::npos) {
          a.figure.value = "m" + Fmt(a.value);
        } else {
          continue;
        }
      } else if (z.figure.unit == "月" && z.figure.number > 0) {
        a.figure.value = Fmt(a.value * z.value / z.figure.number);
      } else {
        a.figure.value = Fmt(a.value * z.scale);
      }
      a.figure.unit = z.figure.unit;
      a.plain = false;
    }
  }

  // The rate (每月), the bound (最多, 以内) and the figure's clause.
  void Qualify(Found* f) {
    size_t start = f->begin;
    while (start > 0 && !ClauseEnd(At(start - 1))) --start;
    // Rate: 每 + (个/一) + unit before it in the clause, or /月 right after it.
    std::vector<std::string> per;
    auto rate_at = [&](size_t k) -> std::string {
      static constexpr std::array<std::pair<std::u32string_view, std::string_view>, 12> kRates = {
          {{U"季度", "季度"},
           {U"小时", "小时"},
           {U"星期", "周"},
           {U"月", "月"},
           {U"年", "年"},
           {U"季", "季度"},
           {U"周", "周"},
           {U"天", "日"},
           {U"日", "日"},
           {U"人", "人"},
           {U"户", "户"},
           {U"次", "次"}}};
      for (const auto& [w, r] : kRates) {
        if (StartsWith(k, w)) return std::string(r);
      }
      return "";
    };
    for (size_t k = start; k < f->begin; ++k) {
      if (At(k) != U'每') continue;
      size_t p = k + 1;
      if (At(p) == U'个' || At(p) == U'一') ++p;
      if (std::string r = rate_at(p); !r.empty()) per.push_back(r);
    }
    for (size_t k = f->end; k < t_.size() && (At(k) == '/' || At(k) == U'每');) {
      size_t p = k + 1;
      if (At(p) == U'个') ++p;
      std::string r = rate_at(p);
      if (r.empty()) break;
      per.push_back(r);
      k = p + 1;
    }
    std::sort(per.begin(), per.end());
    per.erase(std::unique(per.begin(), per.end()), per.end());
    for (const auto& r : per) f->figure.per += (f->figure.per.empty() ? "" : "/") + r;
    // Bound: the word right after the figure, else the nearest one before it in the clause.
    for (const auto& w : kBoundsAfter) {
      if (StartsWith(f->end, w.word)) {
        f->figure.bound = w.bound;
        break;
      }
    }
    if (f->figure.bound != 0) return;
    f->figure.bound = NearestBound(start, f->begin);
    if (f->figure.bound != 0 || start == 0 || (At(start - 1) != U'，' && At(start - 1) != ',')) {
      return;
    }
    bool apposition = false;
    for (std::u32string_view w : {U"也就是", U"就是", U"即", U"也即"}) {
      apposition = apposition || StartsWith(start, w);
    }
    if (!apposition) return;
    // A condition in the clause before: "收入低于标准，也就是每月900元".
    size_t prev = start - 1;
    while (prev > 0 && !ClauseEnd(At(prev - 1))) --prev;
    f->figure.bound = NearestBound(prev, start - 1);
  }

  // The bound word nearest to `end` in [start, end).
  int NearestBound(size_t start, size_t end) const {
    int found = 0;
    for (size_t k = start; k < end;) {
      size_t best = 0;
      int bound = 0;
      for (const auto& w : kBoundsBefore) {
        if (w.word.size() > best && k + w.word.size() <= end && StartsWith(k, w.word)) {
          best = w.word.size();
          bound = w.bound;
        }
      }
      if (best > 0) {
        found = bound;
        k += best;
      } else {
        ++k;
      }
    }
    return found;
  }

  std::string_view s_;
  CodePoints t_;
  std::vector<bool> fixed_;
  std::vector<Found> out_;
};

}  // namespace

std::vector<Figure> ExtractFigures(std::string_view text) { return Scanner(text).Run(); }

bool SameFigure(const Figure& answer, const Figure& source) {
  if (answer.unit == "日期" && source.unit == "日期") {
    // Every part the answer says must be the source's: "3月1日" is "2026年3月1日".
    auto parts = [](const std::string& v) {
      std::vector<std::string> p;
      size_t b = 0;
      while (b < v.size()) {
        size_t e = v.find(' ', b);
        if (e == std::string::npos) e = v.size();
        p.push_back(v.substr(b, e - b));
        b = e + 1;
      }
      return p;
    };
    const auto src = parts(source.value);
    for (const auto& p : parts(answer.value)) {
      if (std::find(src.begin(), src.end(), p) == src.end()) return false;
    }
    return true;
  }
  // A plain number states a value only; digits of a phone number compare as written.
  if (answer.unit.empty()) {
    return answer.value == source.value && source.unit != "时刻";
  }
  if (answer.unit == "号码" && source.unit.empty()) return answer.value == source.value;
  if (source.unit.empty() && source.calculation && answer.unit != "日期" && answer.unit != "时刻") {
    return answer.value == source.value;
  }
  return answer.unit == source.unit && answer.value == source.value;
}

}  // namespace zx::llm
