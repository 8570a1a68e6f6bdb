// Numerals: one scanner reads Chinese, Arabic and mixed numbers and the quantity patterns
// around them (money, durations, year-months, percentages); FindQuantities, RewriteNumerals and
// the Parse* functions are views of its matches.
//
// Rules that keep ordinary words intact (see numerals.h for the contract):
//   - a lone Chinese numeral character (一, 三, 十 ...) counts only before a measure word
//     (一个月, 三块, 一级) or inside a larger pattern (三年, 一万); 一下, 一般, 统一 stay words;
//   - spans inside fixed words (万一, 一次性, 一块儿, 三甲, 五险一金, ...) are never numbers;
//   - 百/千/万/亿 cannot start a number (千万别, 万一);
//   - two adjacent digits read as a range (三四千, 两三年, 七八年 without a year context) are
//     left alone; digit-by-digit readings (一九七零, 七零年, 幺三八...) are read as digit strings;
//   - Arabic digits glued to ASCII letters (iphone12, 5g) and runs of more than 10 digits
//     (phone, ID and card numbers) are identifiers, not quantities (RewriteNumerals still
//     spells spoken identifiers in digits).
#include "text/numerals.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "text/utf8.h"

namespace zx::text {
namespace {

using utf8::CodePoints;
using utf8::Decode;

constexpr int kYao = 11;  // 幺: "one" in digit-by-digit readings only

int ChineseDigit(char32_t c) {
  switch (c) {
    case U'零':
    case U'〇':
      return 0;
    case U'一':
    case U'壹':
      return 1;
    case U'二':
    case U'贰':
    case U'两':
      return 2;
    case U'三':
    case U'叁':
      return 3;
    case U'四':
    case U'肆':
      return 4;
    case U'五':
    case U'伍':
      return 5;
    case U'六':
    case U'陆':
      return 6;
    case U'七':
    case U'柒':
      return 7;
    case U'八':
    case U'捌':
      return 8;
    case U'九':
    case U'玖':
      return 9;
    case U'幺':
      return kYao;
    default:
      return -1;
  }
}

int SmallUnit(char32_t c) {
  switch (c) {
    case U'十':
    case U'拾':
      return 10;
    case U'百':
    case U'佰':
      return 100;
    case U'千':
    case U'仟':
      return 1000;
    default:
      return 0;
  }
}

double BigUnit(char32_t c) {
  if (c == U'万') return 1e4;
  if (c == U'亿') return 1e8;
  return 0;
}

int ArabicDigit(char32_t c) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (c >= 0xFF10 && c <= 0xFF19) return static_cast<int>(c - 0xFF10);
  return -1;
}

bool IsNumeralChar(char32_t c) {
  return ChineseDigit(c) >= 0 || SmallUnit(c) > 0 || BigUnit(c) > 0;
}

std::string Fmt(double v) {
  char buf[64];
  const double r = std::round(v);
  if (std::fabs(v - r) < 1e-9 && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", r);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.6f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

bool IsIntegral(double v) { return std::fabs(v - std::round(v)) < 1e-9; }

// Words after which a lone numeral character is a count ("一个", "三块", "一级").
constexpr std::array<std::u32string_view, 59> kMeasures = {
    U"单元", U"小时", U"分钟", U"星期", U"季度", U"平方", U"平米", U"公里", U"公斤", U"周岁",
    U"个",   U"年",   U"月",   U"天",   U"日",   U"号",   U"周",   U"岁",   U"次",   U"级",
    U"元",   U"块",   U"角",   U"毛",   U"钱",   U"人",   U"户",   U"名",   U"位",   U"项",
    U"件",   U"张",   U"份",   U"本",   U"套",   U"间",   U"辆",   U"倍",   U"档",   U"类",
    U"种",   U"秒",   U"斤",   U"米",   U"吨",   U"层",   U"楼",   U"栋",   U"期",   U"批",
    U"笔",   U"页",   U"遍",   U"趟",   U"%",    U"万",   U"千",   U"百",   U"亿"};

// Fixed words that contain numeral characters but are not numbers.
constexpr std::array<std::u32string_view, 63> kFixedWords = {
    U"一年一度", U"万一",   U"一些",   U"一下",     U"一点",     U"一样",     U"一直",
    U"一般",     U"一起",   U"一定",   U"一切",     U"一旦",     U"一致",     U"一律",
    U"一同",     U"一再",   U"一向",   U"一概",     U"一并",     U"一边",     U"一面",
    U"一方面",   U"一时",   U"一会",   U"一块儿",   U"一次性",   U"一体",     U"一站式",
    U"一网通办", U"一件事", U"一次办", U"跑一次",   U"一卡通",   U"一码通",   U"一把手",
    U"一线",     U"一手",   U"一路",   U"一生",     U"一口气",   U"一共",     U"一度",
    U"统一",     U"唯一",   U"同一",   U"单一",     U"之一",     U"逐一",     U"万万",
    U"千万",     U"三甲",   U"二甲",   U"三乙",     U"二乙",     U"五险一金", U"三险一金",
    U"十四五",   U"十三五", U"两会",   U"一老一小", U"一人一档", U"一户一档", U"零钱"};

// After "NN年": the year is a date, not a span of years.
constexpr std::array<std::u32string_view, 20> kYearContextAfter = {
    U"开始", U"起",   U"以来", U"底",   U"初", U"末",   U"的时候", U"以后", U"之后", U"以前",
    U"之前", U"出生", U"生",   U"参加", U"入", U"毕业", U"退休",   U"结婚", U"那年", U"至今"};
// Before "NN年".
constexpr std::u32string_view kYearContextBefore = U"从自于在是到至";
// Before "NN年": the number counts years ("干了60年").
constexpr std::u32string_view kDurationContextBefore = U"了满共近足";

enum class Hint { kNone, kMonths, kYear };

// A number as read at one position.
struct Num {
  size_t begin = 0;
  size_t end = 0;
  double value = 0;
  bool chinese = false;       // Chinese numeral characters were read
  bool arabic = false;        // Arabic digits were read
  bool digit_string = false;  // 一九七零 / 幺三八 / a plain Arabic integer
  std::string digits;         // the digits of a digit string
  bool lone = false;          // exactly one Chinese character
  bool approximate = false;   // 三四千, 两三年: a range, not one number
  bool pair_range = false;    // two consecutive digits (七八): a range unless a date
  bool single_digit = false;  // one digit, no unit
  bool leading_zero = false;  // Arabic "05"
  std::string text;           // how RewriteNumerals writes it, when not just the value
  bool digit_string_chinese() const { return digit_string && chinese; }
};

struct Match {
  QuantityKind kind = QuantityKind::kNumber;
  bool report = true;  // false for identifiers (phone, ID, codes)
  double value = 0;
  YearMonth ym;
  size_t begin = 0;  // code point indices
  size_t end = 0;
  bool chinese = false;  // contains Chinese numerals: RewriteNumerals replaces it
  std::string rewrite;
  std::string digits;  // for digit strings
  bool digit_string = false;
};

struct Attempt {
  std::optional<Match> match;
  size_t skip_to = 0;  // where to resume when there is no match
};

class Scanner {
 public:
  Scanner(std::string_view text, bool whole, Hint hint)
      : t_(Decode(text)), whole_(whole), hint_(hint) {}

  const CodePoints& text() const { return t_; }

  std::vector<Match> Run() {
    std::vector<Match> out;
    ComputeFixedSpans();
    size_t i = 0;
    const size_t n = t_.size();
    while (i < n) {
      Attempt a = MatchAt(i);
      if (a.match) {
        size_t fixed_end = 0;
        if (InsideFixedWord(a.match->begin, a.match->end, &fixed_end)) {
          i = std::max(i + 1, fixed_end);
          continue;
        }
        i = std::max(i + 1, a.match->end);
        out.push_back(std::move(*a.match));
        continue;
      }
      i = std::max(i + 1, a.skip_to);
    }
    return out;
  }

 private:
  char32_t At(size_t i) const { return i < t_.size() ? t_.cp[i] : 0; }

  bool StartsWith(size_t i, std::u32string_view w) const {
    if (i + w.size() > t_.size()) return false;
    for (size_t k = 0; k < w.size(); ++k) {
      if (t_.cp[i + k] != w[k]) return false;
    }
    return true;
  }

  bool FollowedByMeasure(size_t i) const {
    for (auto m : kMeasures) {
      if (StartsWith(i, m)) return true;
    }
    return false;
  }

  void ComputeFixedSpans() {
    for (size_t i = 0; i < t_.size(); ++i) {
      const char32_t c = t_.cp[i];
      if (!IsNumeralChar(c) && c != U'跑' && c != U'统' && c != U'唯' && c != U'同' && c != U'单' &&
          c != U'之' && c != U'逐') {
        continue;
      }
      for (auto w : kFixedWords) {
        if (StartsWith(i, w)) fixed_.emplace_back(i, i + w.size());
      }
    }
  }

  bool InsideFixedWord(size_t b, size_t e, size_t* fixed_end) const {
    for (const auto& [fb, fe] : fixed_) {
      if (fb <= b && e <= fe) {
        *fixed_end = fe;
        return true;
      }
    }
    return false;
  }

  // Arabic literal at i: digits, optional thousands groups, optional decimal part.
  bool ReadArabic(size_t i, size_t* end, double* value, std::string* int_digits, bool* grouped,
                  bool* integral) const {
    size_t j = i;
    std::string num;
    while (ArabicDigit(At(j)) >= 0) num.push_back(static_cast<char>('0' + ArabicDigit(At(j++))));
    if (num.empty()) return false;
    *grouped = false;
    if (num.size() <= 3) {
      // 15,000 / 1,234,567: a comma followed by exactly three digits.
      while (At(j) == ',' && ArabicDigit(At(j + 1)) >= 0 && ArabicDigit(At(j + 2)) >= 0 &&
             ArabicDigit(At(j + 3)) >= 0 && ArabicDigit(At(j + 4)) < 0) {
        for (size_t k = 1; k <= 3; ++k)
          num.push_back(static_cast<char>('0' + ArabicDigit(At(j + k))));
        j += 4;
        *grouped = true;
      }
    }
    *int_digits = num;
    *integral = true;
    if (At(j) == '.' && ArabicDigit(At(j + 1)) >= 0) {
      num.push_back('.');
      ++j;
      while (ArabicDigit(At(j)) >= 0) num.push_back(static_cast<char>('0' + ArabicDigit(At(j++))));
      *integral = false;
    }
    *value = std::strtod(num.c_str(), nullptr);
    *end = j;
    return true;
  }

  std::optional<Num> ReadNumber(size_t i) const {
    if (i >= t_.size()) return std::nullopt;
    Num n;
    n.begin = i;
    const char32_t c = At(i);
    double pending = -1;
    bool pending_single = false;
    bool elide_ok = false;
    size_t j = i;

    if (ArabicDigit(c) >= 0) {
      double v = 0;
      bool grouped = false, integral = true;
      std::string digits;
      ReadArabic(i, &j, &v, &digits, &grouped, &integral);
      n.arabic = true;
      if (SmallUnit(At(j)) == 0 && BigUnit(At(j)) == 0) {
        n.end = j;
        n.value = v;
        n.digit_string = integral && !grouped;
        n.digits = digits;
        n.single_digit = integral && digits.size() == 1;
        n.leading_zero = digits.size() > 1 && digits[0] == '0';
        return n;
      }
      pending = v;
      pending_single = integral && digits.size() == 1;
    } else if (const int d = ChineseDigit(c); d >= 0) {
      const int next = ChineseDigit(At(i + 1));
      if (next >= 0) {
        // Digit-by-digit reading: 一九七零, 七零, 幺三八; or a range: 三四, 两三.
        size_t k = i;
        std::vector<int> ds;
        while (ChineseDigit(At(k)) >= 0) {
          if (At(k) == U'两') n.approximate = true;
          const int dk = ChineseDigit(At(k));
          ds.push_back(dk == kYao ? 1 : dk);
          ++k;
        }
        n.chinese = true;
        n.digit_string = true;
        for (int x : ds) n.digits.push_back(static_cast<char>('0' + x));
        n.value = std::strtod(n.digits.c_str(), nullptr);
        if (ds.size() == 2 && ds[1] == ds[0] + 1) n.pair_range = true;
        if (SmallUnit(At(k)) > 0 || BigUnit(At(k)) > 0) {
          n.approximate = true;  // 三四千, 五六十
          while (SmallUnit(At(k)) > 0 || BigUnit(At(k)) > 0) ++k;
        }
        n.end = k;
        return n;
      }
      if (d == kYao) return std::nullopt;
    } else if (SmallUnit(c) != 10) {
      return std::nullopt;  // 百/千/万/亿 do not start a number
    }

    // General reading with units: 三千五百二十, 两万三, 1.5万, 一点五万, 十五.
    double total = 0, section = 0;
    double last_unit = 0, last_small = 1e4;
    bool after_unit = false, zero_gap = false, chinese = false;
    size_t end = j;
    if (pending >= 0) end = j;
    while (j < t_.size()) {
      const char32_t x = At(j);
      const int d = ChineseDigit(x);
      if (d >= 0 && d != kYao) {
        if (pending >= 0) break;
        chinese = true;
        if (d == 0) {
          if (j == i) {
            pending = 0;
            pending_single = true;
            end = ++j;
            continue;
          }
          zero_gap = true;
          after_unit = false;
          ++j;
          continue;
        }
        pending = d;
        pending_single = true;
        elide_ok = after_unit && !zero_gap;
        after_unit = false;
        end = ++j;
        continue;
      }
      if (ArabicDigit(x) >= 0 && j != i) {
        if (pending >= 0 || last_unit == 0) break;
        double v = 0;
        bool grouped = false, integral = true;
        std::string digits;
        size_t k = j;
        ReadArabic(j, &k, &v, &digits, &grouped, &integral);
        pending = v;
        pending_single = integral && digits.size() == 1;
        elide_ok = after_unit && !zero_gap;
        after_unit = false;
        n.arabic = true;
        end = j = k;
        continue;
      }
      if (x == U'点' && pending >= 0 && IsIntegral(pending)) {
        size_t k = j + 1;
        std::string frac;
        while (true) {
          const int fd = ChineseDigit(At(k));
          if (fd < 0 || fd == kYao || At(k) == U'两') break;
          frac.push_back(static_cast<char>('0' + fd));
          ++k;
        }
        if (frac.empty()) break;
        pending += std::strtod(("0." + frac).c_str(), nullptr);
        pending_single = false;
        elide_ok = false;
        chinese = true;
        end = j = k;
        continue;
      }
      if (const int u = SmallUnit(x); u > 0) {
        if (pending < 0) {
          if (u == 10 && (j == i || zero_gap || (section == 0 && last_unit >= 1e4))) {
            pending = 1;
          } else {
            break;
          }
        }
        if (u >= last_small) break;
        section += pending * u;
        pending = -1;
        last_small = u;
        last_unit = u;
        after_unit = true;
        zero_gap = false;
        elide_ok = false;
        chinese = true;
        end = ++j;
        continue;
      }
      if (const double big = BigUnit(x); big > 0) {
        if (pending < 0 && section == 0) break;
        section += pending >= 0 ? pending : 0;
        pending = -1;
        if (big == 1e8) {
          total = (total + section) * 1e8;
        } else {
          total += section * 1e4;
        }
        section = 0;
        last_small = 1e4;
        last_unit = big;
        after_unit = true;
        zero_gap = false;
        elide_ok = false;
        chinese = true;
        end = ++j;
        continue;
      }
      break;
    }
    if (end == i) return std::nullopt;
    if (pending >= 0 && elide_ok && pending_single && last_unit >= 100) {
      pending *= last_unit / 10;  // 三千五 = 3500, 两万三 = 23000, 一百二 = 120
    }
    n.value = total + section + (pending >= 0 ? pending : 0);
    n.end = end;
    n.chinese = n.chinese || chinese;
    n.lone = chinese && !n.arabic && end - i == 1;
    n.single_digit = n.lone && SmallUnit(c) == 0;
    return n;
  }

  static std::string NumText(const Num& n) { return n.text.empty() ? Fmt(n.value) : n.text; }

  static Match Make(QuantityKind kind, double value, size_t b, size_t e, bool chinese,
                    std::string rewrite) {
    Match m;
    m.kind = kind;
    m.value = value;
    m.begin = b;
    m.end = e;
    m.chinese = chinese;
    m.rewrite = std::move(rewrite);
    return m;
  }

  Attempt MatchAt(size_t i) {
    const char32_t c = At(i);
    // 百分之八十, 千分之五, 百分之百.
    if (StartsWith(i, U"百分之百")) {
      return {Make(QuantityKind::kPercent, 100, i, i + 4, true, "100%"), 0};
    }
    if (StartsWith(i, U"百分之") || StartsWith(i, U"千分之")) {
      auto n = ReadNumber(i + 3);
      if (n && !n->approximate && !n->pair_range) {
        const double v = c == U'千' ? n->value / 10 : n->value;
        return {Make(QuantityKind::kPercent, v, i, n->end, true, Fmt(v) + "%"), 0};
      }
      return {std::nullopt, i + 3};
    }
    // ¥500, ￥1.5万.
    if (c == U'¥' || c == U'￥') {
      auto n = ReadNumber(i + 1);
      if (n && !n->approximate) {
        size_t e = n->end;
        if (At(e) == U'元') ++e;
        return {Make(QuantityKind::kMoney, n->value, i, e, n->chinese, Fmt(n->value) + "元"), 0};
      }
      return {std::nullopt, i + 1};
    }
    if (StartsWith(i, U"半年")) {
      return {Make(QuantityKind::kMonths, 6, i, i + 2, false, ""), 0};
    }
    if (ArabicDigit(c) >= 0) {
      if (auto m = MatchDottedDate(i)) return {std::move(m), 0};
    }
    auto n = ReadNumber(i);
    if (!n) return {std::nullopt, i + 1};
    if (n->approximate) return {std::nullopt, n->end};
    if (At(n->end) == U'多' && BigUnit(At(n->end + 1)) > 0 && !n->digit_string_chinese()) {
      // 一百多万: more than a million.
      n->text = Fmt(n->value) + "多";
      utf8::AppendUtf8(At(n->end + 1), &n->text);
      n->value *= BigUnit(At(n->end + 1));
      n->end += 2;
      n->chinese = true;
    }
    const size_t k = n->end;
    const bool ordinal = i > 0 && At(i - 1) == U'第';
    if (!ordinal) {
      if (At(k) == '%') {
        return {Make(QuantityKind::kPercent, n->value, i, k + 1, n->chinese, Fmt(n->value) + "%"),
                0};
      }
      if (StartsWith(k, U"个百分点")) {
        return {Make(QuantityKind::kPercent, n->value, i, k + 4, n->chinese,
                     Fmt(n->value) + "个百分点"),
                0};
      }
      if (At(k) == U'年' && At(k + 1) != U'级') {
        Attempt a = MatchYear(*n, k);
        if (a.match || a.skip_to > 0) return a;
      }
      if (StartsWith(k, U"个月") && IsIntegral(n->value) && !n->digit_string_chinese()) {
        return {Make(QuantityKind::kMonths, n->value, i, k + 2, n->chinese, NumText(*n) + "个月"),
                0};
      }
      if (StartsWith(k, U"个多月") && IsIntegral(n->value) && !n->digit_string_chinese()) {
        return {Make(QuantityKind::kMonths, n->value, i, k + 3, n->chinese, NumText(*n) + "个多月"),
                0};
      }
      if (auto m = MatchMoney(*n, k)) return {std::move(m), 0};
    }
    return MatchPlainNumber(*n);
  }

  // 1970.5, 1970-05, 2023/05/01.
  std::optional<Match> MatchDottedDate(size_t i) const {
    size_t j = i;
    int year = 0;
    while (ArabicDigit(At(j)) >= 0 && j - i < 5) year = year * 10 + ArabicDigit(At(j++));
    if (j - i != 4 || year < 1900 || year > 2100) return std::nullopt;
    const char32_t sep = At(j);
    if (sep != '.' && sep != '-' && sep != '/') return std::nullopt;
    size_t k = j + 1;
    int month = 0;
    while (ArabicDigit(At(k)) >= 0 && k - j <= 3) month = month * 10 + ArabicDigit(At(k++));
    if (k - (j + 1) < 1 || k - (j + 1) > 2 || ArabicDigit(At(k)) >= 0) return std::nullopt;
    if (month < 1 || month > 12) return std::nullopt;
    size_t e = k;
    if (At(k) == sep && ArabicDigit(At(k + 1)) >= 0) {
      size_t d = k + 1;
      int day = 0;
      while (ArabicDigit(At(d)) >= 0 && d - k <= 3) day = day * 10 + ArabicDigit(At(d++));
      if (d - (k + 1) <= 2 && ArabicDigit(At(d)) < 0 && day >= 1 && day <= 31) e = d;
    }
    if (sep == '.' && e == k) {
      // 1999.5元 and 2000.5万 are amounts, not dates.
      const char32_t a = At(k);
      if (a == '%' || BigUnit(a) > 0 || SmallUnit(a) > 0 || a == U'元' || a == U'块' ||
          a == U'个' || a == U'倍') {
        return std::nullopt;
      }
    }
    Match m = Make(QuantityKind::kYearMonth, 0, i, e, false, "");
    m.ym = {year, month};
    return m;
  }

  // Before "NN年": a span of time ("干了60年", "满15年", "交了20年").
  bool DurationContext(size_t begin) const {
    if (begin == 0) return false;
    return kDurationContextBefore.find(At(begin - 1)) != std::u32string_view::npos;
  }

  bool YearContext(size_t begin, size_t after_nian) const {
    if (begin > 0 && kYearContextBefore.find(At(begin - 1)) != std::u32string_view::npos) {
      return true;
    }
    if (begin > 1 && (StartsWith(begin - 2, U"截至") || StartsWith(begin - 2, U"截止"))) {
      return true;
    }
    for (auto w : kYearContextAfter) {
      if (StartsWith(after_nian, w)) return true;
    }
    return false;
  }

  // n is followed by 年 at k.
  Attempt MatchYear(const Num& n, size_t k) const {
    const size_t i = n.begin;
    const bool chinese_digits = n.digit_string && n.chinese;
    const bool arabic_int = n.digit_string && n.arabic;
    int year = 0;
    bool year_like = false;
    if ((chinese_digits || arabic_int) && (n.digits.size() == 2 || n.digits.size() == 4)) {
      const int v = std::atoi(n.digits.c_str());
      if (n.digits.size() == 4) {
        year_like = v >= 1900 && v <= 2100;
        year = v;
      } else {
        year_like = true;
        year = v < 30 ? 2000 + v : 1900 + v;
      }
    }

    // Month (and day) after 年: 1970年5月, 七零年五月三日.
    size_t mend = 0;
    int month = 0, day = 0;
    bool md_chinese = false;
    char32_t day_char = 0;
    if (auto m = ReadNumber(k + 1); m && !m->approximate && IsIntegral(m->value) && m->value >= 1 &&
                                    m->value <= 12 && At(m->end) == U'月' &&
                                    !(m->digit_string && m->chinese)) {
      month = static_cast<int>(m->value);
      mend = m->end + 1;
      md_chinese = m->chinese;
      if (At(mend) == U'份') ++mend;
      if (auto d = ReadNumber(mend);
          d && !d->approximate && IsIntegral(d->value) && d->value >= 1 && d->value <= 31 &&
          (At(d->end) == U'日' || At(d->end) == U'号') && !(d->digit_string && d->chinese)) {
        day = static_cast<int>(d->value);
        day_char = At(d->end);
        md_chinese = md_chinese || d->chinese;
        mend = d->end + 1;
      }
    }
    if (month > 0) {
      if (year_like) {
        std::string rw = std::to_string(year) + "年" + std::to_string(month) + "月";
        if (day > 0) {
          rw += std::to_string(day);
          utf8::AppendUtf8(day_char, &rw);
        }
        Match m = Make(QuantityKind::kYearMonth, 0, i, mend, n.chinese || md_chinese, rw);
        m.ym = {year, month};
        return {std::move(m), 0};
      }
      if (IsIntegral(n.value) && day == 0 && !n.digit_string_chinese()) {
        // 三年七月: a recogniser dropped 个; a span of years and months.
        return {Make(QuantityKind::kMonths, n.value * 12 + month, i, mend, n.chinese || md_chinese,
                     Fmt(n.value) + "年" + std::to_string(month) + "月"),
                0};
      }
    }

    const bool durable = !chinese_digits && !(arabic_int && n.digits.size() == 4 && year_like) &&
                         !n.leading_zero && n.value > 0 &&
                         n.value < 1000;  // 一百年 is a (wrong) span, refused later by range
    if (durable) {
      // 三年零七个月, 3年7个月, 一年又三个月.
      size_t p = k + 1;
      if (At(p) == U'零' || At(p) == U'又') ++p;
      if (auto m = ReadNumber(p); m && !m->approximate && IsIntegral(m->value) &&
                                  IsIntegral(n.value) && StartsWith(m->end, U"个月")) {
        return {Make(QuantityKind::kMonths, n.value * 12 + m->value, i, m->end + 2,
                     n.chinese || m->chinese || p != k + 1,
                     Fmt(n.value) + "年" + Fmt(m->value) + "个月"),
                0};
      }
      if (At(k + 1) == U'多' && IsIntegral(n.value) && n.value < 60) {  // 两年多
        return {
            Make(QuantityKind::kMonths, n.value * 12, i, k + 2, n.chinese, Fmt(n.value) + "年多"),
            0};
      }
      if (At(k + 1) == U'半' && IsIntegral(n.value)) {  // 两年半
        return {Make(QuantityKind::kMonths, n.value * 12 + 6, i, k + 2, n.chinese,
                     Fmt(n.value) + "年半"),
                0};
      }
    }

    if (year_like) {
      bool is_year = true;
      if (arabic_int && n.digits.size() == 2 && !n.leading_zero) {
        if (hint_ == Hint::kYear) {
          is_year = true;
        } else if (hint_ == Hint::kMonths) {
          is_year = false;
        } else {
          is_year = YearContext(i, k + 1) || (n.value > 50 && !DurationContext(i));
        }
      } else if (chinese_digits && n.pair_range && hint_ != Hint::kYear && !YearContext(i, k + 1)) {
        return {std::nullopt, k + 1};  // 七八年: seven or eight years, not 1978
      }
      if (is_year) {
        Match m =
            Make(QuantityKind::kYearMonth, 0, i, k + 1, n.chinese, std::to_string(year) + "年");
        m.ym = {year, 0};
        return {std::move(m), 0};
      }
    }
    if (durable && IsIntegral(n.value * 12)) {
      return {Make(QuantityKind::kMonths, n.value * 12, i, k + 1, n.chinese, Fmt(n.value) + "年"),
              0};
    }
    return {std::nullopt, 0};
  }

  // Money: 一万五千块, 三块五, 五毛钱, 1.5万元, 三元五角二分.
  std::optional<Match> MatchMoney(const Num& n, size_t k) const {
    struct Unit {
      std::u32string_view word;
      double scale;
      bool yuan;  // may be followed by 角/毛/分 or an elided 角 digit
    };
    static constexpr std::array<Unit, 10> kUnits = {{{U"块钱", 1, false},
                                                     {U"元钱", 1, false},
                                                     {U"分钱", 0.01, false},
                                                     {U"毛钱", 0.1, false},
                                                     {U"角钱", 0.1, false},
                                                     {U"块", 1, true},
                                                     {U"元", 1, true},
                                                     {U"毛", 0.1, true},
                                                     {U"角", 0.1, true},
                                                     {U"钱", 1, false}}};
    if (n.pair_range || (n.digit_string && n.chinese && n.digits.size() == 2)) return std::nullopt;
    const Unit* unit = nullptr;
    const bool more = At(k) == U'多';  // 八百多块: a little over 800
    if (more) ++k;
    for (const auto& u : kUnits) {
      if (StartsWith(k, u.word)) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return std::nullopt;
    double value = n.value * unit->scale;
    bool chinese = n.chinese;
    size_t p = k + unit->word.size();
    auto elided = [&](const Num& m) {
      return m.single_digit && !FollowedByMeasure(m.end) && ChineseDigit(At(m.end)) < 0 &&
             ArabicDigit(At(m.end)) < 0 && At(m.end) != U'点';
    };
    auto fen = [&](size_t q) {  // 分 or an elided 分 digit after 角/毛
      if (auto f = ReadNumber(q); f && !f->approximate && IsIntegral(f->value) && f->value < 10) {
        if (At(f->end) == U'分') {
          value += f->value * 0.01;
          chinese = chinese || f->chinese;
          p = f->end + 1;
        } else if (elided(*f)) {
          value += f->value * 0.01;
          chinese = chinese || f->chinese;
          p = f->end;
        }
      }
    };
    if (more) {
      if (At(p) == U'钱') ++p;
      return Make(QuantityKind::kMoney, value, n.begin, p, chinese,
                  NumText(n) + "多" + (unit->scale == 1 ? "元" : "角"));
    }
    if (unit->yuan && unit->scale == 1) {
      size_t q = p;
      if (At(q) == U'零') ++q;
      if (auto m = ReadNumber(q); m && !m->approximate && IsIntegral(m->value) && m->value < 10) {
        if (At(m->end) == U'角' || At(m->end) == U'毛') {
          value += m->value * 0.1;
          chinese = chinese || m->chinese;
          p = m->end + 1;
          fen(p);
        } else if (At(m->end) == U'分') {
          value += m->value * 0.01;
          chinese = chinese || m->chinese;
          p = m->end + 1;
        } else if (q == p && elided(*m)) {
          value += m->value * 0.1;  // 三块五 = 3.5
          chinese = chinese || m->chinese;
          p = m->end;
        }
      }
      if (At(p) == U'钱') ++p;
    } else if (unit->yuan) {
      fen(p);
      if (At(p) == U'钱') ++p;
    }
    std::string text = value == n.value && !n.text.empty() ? n.text : Fmt(value);
    return Make(QuantityKind::kMoney, value, n.begin, p, chinese, text + "元");
  }

  Attempt MatchPlainNumber(const Num& n) const {
    const size_t b = n.begin, e = n.end;
    if (n.digit_string && n.chinese) {
      if (n.digits.size() == 2 && (!whole_ || n.pair_range)) return {std::nullopt, e};
      Match m = Make(QuantityKind::kNumber, n.value, b, e, true, n.digits);
      m.digit_string = true;
      m.digits = n.digits;
      m.report = n.digits.size() < 5;  // spoken phone or ID numbers: identifiers
      return {std::move(m), 0};
    }
    if (n.arabic && !n.chinese) {
      Match m = Make(QuantityKind::kNumber, n.value, b, e, false, "");
      m.digit_string = n.digit_string;
      m.digits = n.digits;
      const char32_t before = b > 0 ? At(b - 1) : 0;
      const char32_t after = At(e);
      if (utf8::IsAsciiAlpha(before) || utf8::IsAsciiAlpha(after) || before == '_' ||
          after == '_' || before == '.' || n.digits.size() > 10) {
        m.report = false;
      }
      return {std::move(m), 0};
    }
    if (n.lone && !whole_) {
      if (n.value == 0 || !FollowedByMeasure(e)) return {std::nullopt, b + 1};
    }
    return {Make(QuantityKind::kNumber, n.value, b, e, n.chinese, n.chinese ? NumText(n) : ""), 0};
  }

  CodePoints t_;
  bool whole_;
  Hint hint_;
  std::vector<std::pair<size_t, size_t>> fixed_;
};

// Trims spaces and the words allowed around one expression.
std::string_view StripSurroundings(std::string_view s) {
  auto trim = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
  };
  s = trim(s);
  for (std::string_view p : {"大约", "大概", "差不多", "将近", "约"}) {
    if (s.starts_with(p)) {
      s.remove_prefix(p.size());
      break;
    }
  }
  for (std::string_view p : {"左右", "上下", "以上", "以下", "多"}) {
    if (s.ends_with(p)) {
      s.remove_suffix(p.size());
      break;
    }
  }
  return trim(s);
}

std::optional<Match> WholeMatch(std::string_view s, Hint hint) {
  s = StripSurroundings(s);
  if (s.empty()) return std::nullopt;
  Scanner sc(s, /*whole=*/true, hint);
  std::vector<Match> ms = sc.Run();
  if (ms.size() != 1 || ms[0].begin != 0 || ms[0].end != sc.text().size()) return std::nullopt;
  return std::move(ms[0]);
}

}  // namespace

int ChineseDigitValue(char32_t c) {
  int d = ChineseDigit(c);
  return d == kYao ? 1 : d;
}

std::optional<double> ParseNumber(std::string_view s) {
  auto m = WholeMatch(s, Hint::kNone);
  if (!m) return std::nullopt;
  if (m->kind == QuantityKind::kNumber || m->kind == QuantityKind::kMoney ||
      m->kind == QuantityKind::kPercent) {
    return m->value;
  }
  return std::nullopt;
}

std::optional<int> ParseMonths(std::string_view s) {
  auto m = WholeMatch(s, Hint::kMonths);
  if (!m || m->kind != QuantityKind::kMonths || !IsIntegral(m->value)) return std::nullopt;
  return static_cast<int>(std::lround(m->value));
}

std::optional<YearMonth> ParseYearMonth(std::string_view s) {
  auto m = WholeMatch(s, Hint::kYear);
  if (!m || m->kind != QuantityKind::kYearMonth) return std::nullopt;
  return m->ym;
}

std::optional<int> ParseYear(std::string_view s) {
  auto m = WholeMatch(s, Hint::kYear);
  if (!m) return std::nullopt;
  if (m->kind == QuantityKind::kYearMonth) {
    if (m->ym.month != 0) return std::nullopt;
    return m->ym.year;
  }
  if (m->kind == QuantityKind::kNumber && m->digit_string) {
    const int v = std::atoi(m->digits.c_str());
    if (m->digits.size() == 4 && v >= 1900 && v <= 2100) return v;
    if (m->digits.size() == 2) return v < 30 ? 2000 + v : 1900 + v;
  }
  return std::nullopt;
}

std::vector<Quantity> FindQuantities(std::string_view normalized) {
  Scanner sc(normalized, /*whole=*/false, Hint::kNone);
  std::vector<Match> ms = sc.Run();
  const CodePoints& t = sc.text();
  std::vector<Quantity> out;
  out.reserve(ms.size());
  for (const Match& m : ms) {
    if (!m.report) continue;
    Quantity q;
    q.kind = m.kind;
    q.value = m.value;
    q.year_month = m.ym;
    q.begin = t.offset[m.begin];
    q.end = t.offset[m.end];
    q.text = std::string(normalized.substr(q.begin, q.end - q.begin));
    out.push_back(std::move(q));
  }
  return out;
}

std::string RewriteNumerals(std::string_view normalized) {
  Scanner sc(normalized, /*whole=*/false, Hint::kNone);
  std::vector<Match> ms = sc.Run();
  const CodePoints& t = sc.text();
  std::string out;
  out.reserve(normalized.size());
  size_t copied = 0;  // bytes
  for (const Match& m : ms) {
    if (!m.chinese || m.rewrite.empty()) continue;
    const size_t b = t.offset[m.begin], e = t.offset[m.end];
    out.append(normalized.substr(copied, b - copied));
    out.append(m.rewrite);
    copied = e;
  }
  out.append(normalized.substr(copied));
  return out;
}

}  // namespace zx::text
