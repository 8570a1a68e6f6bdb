#include "telephony/speech_text.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "base/log.h"
#include "text/normalizer.h"
#include "text/spoken_numbers.h"
#include "text/utf8.h"

namespace zx::telephony {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool StartsWithAt(std::string_view s, size_t pos, std::string_view prefix) {
  return pos <= s.size() && s.substr(pos, prefix.size()) == prefix;
}
std::string Upper(std::string_view s) {
  std::string u(s);
  for (char& c : u)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return u;
}

// Words after which a number is a code, read digit by digit ("拨打12345", "工单号2025…").
const char* const kCodeWords[] = {"电话",   "热线", "拨打", "拨",   "致电",   "号码",
                                  "手机",   "编号", "单号", "工单", "受理号", "案号",
                                  "身份证", "证号", "卡号", "账号", "尾号",   "查询码",
                                  "验证码", "邮编", "报警", "传真", "分机",   "打"};
// Words after a number that make it a quantity (or a date's part): it is read as a number.
const char* const kUnits[] = {
    "元", "块", "角",   "毛", "个", "人", "次", "天", "日", "月", "年", "岁", "周", "小时", "时",
    "点", "分", "秒",   "倍", "项", "件", "份", "张", "名", "家", "所", "万", "亿", "千",   "百",
    "十", "米", "公里", "里", "平", "斤", "克", "度", "期", "批", "级", "类", "档", "号",   "户",
    "套", "间", "台",   "辆", "条", "篇", "页", "本", "位", "种", "笔", "成", "折", "档",   "倍"};
// Measure words before which a lone 2 is 两 ("2个工作日" -> 两个工作日, but "2月" is 二月).
const char* const kLiangBefore[] = {"个", "次", "天", "人", "小时", "周", "倍", "项", "件",
                                    "份", "张", "名", "家", "所",   "种", "位", "套", "间",
                                    "台", "辆", "条", "本", "笔",   "年", "岁"};
// What "/" means between a unit and these: 每 ("300元/月" -> 三百元每月).
const char* const kPerUnits[] = {"月", "年", "天", "日", "人", "次", "小时", "周", "户", "件"};
// Punctuation after which no separator is added for a line break.
const char* const kPauses[] = {"。", "，", "！", "？", "；", "：", "、"};

template <size_t N>
bool AnyAt(std::string_view s, size_t pos, const char* const (&words)[N]) {
  for (const char* w : words)
    if (StartsWithAt(s, pos, w)) return true;
  return false;
}

bool EndsWithPause(std::string_view out) {
  if (out.empty()) return true;
  for (const char* p : kPauses)
    if (EndsWith(out, p)) return true;
  return false;
}

// Symbols written in full width or as mathematical signs, as the ASCII the scanner reads.
// "−" (U+2212) is always a minus, so it becomes a spaced " - " (a bare "-" is a range or a code).
std::string Prefold(std::string_view in) {
  static const std::pair<std::string_view, std::string_view> kFold[] = {
      {"０", "0"}, {"１", "1"},   {"２", "2"},  {"３", "3"},  {"４", "4"},  {"５", "5"},
      {"６", "6"}, {"７", "7"},   {"８", "8"},  {"９", "9"},  {"％", "%"},  {"＋", "+"},
      {"＝", "="}, {"－", " - "}, {"−", " - "}, {"×", " * "}, {"÷", " / "}, {"～", "~"},
      {"￥", "¥"}, {"＃", "#"},   {"＊", "*"},  {"／", "/"}};
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    bool folded = false;
    if (static_cast<unsigned char>(in[i]) >= 0x80) {
      for (const auto& [from, to] : kFold) {
        if (StartsWithAt(in, i, from)) {
          out += to;
          i += from.size();
          folded = true;
          break;
        }
      }
    }
    if (!folded) out += in[i++];
  }
  return out;
}

// Drops "（依据：...）" and "(依据: ...)": citations are for reading, not for listening.
void DropCitations(std::string& text) {
  for (std::string_view open : {"（依据", "(依据"}) {
    size_t p;
    while ((p = text.find(open)) != std::string::npos) {
      size_t close = text.find("）", p);
      size_t close_ascii = text.find(')', p);
      size_t end = std::string::npos;
      if (close != std::string::npos) end = close + std::string_view("）").size();
      if (close_ascii != std::string::npos && (end == std::string::npos || close_ascii < close))
        end = close_ascii + 1;
      text.erase(p, end == std::string::npos ? std::string::npos : end - p);
    }
  }
}

class Scanner {
 public:
  Scanner(std::string_view s, const SpeechLexicon* lexicon) : s_(s), lexicon_(lexicon) {}

  std::string Run() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (IsDigit(c)) {
        Number();
      } else if (IsAlpha(c)) {
        Word();
      } else if (static_cast<unsigned char>(c) < 0x80) {
        Symbol(c);
      } else if (StartsWithAt(s_, i_, "≤")) {
        Say("小于等于", std::string_view("≤").size());
      } else if (StartsWithAt(s_, i_, "≥")) {
        Say("大于等于", std::string_view("≥").size());
      } else if (StartsWithAt(s_, i_, "¥")) {
        i_ += std::string_view("¥").size();  // the amount after it says 元
        money_sign_ = true;
      } else if (StartsWithAt(s_, i_, "℃")) {
        Say("摄氏度", std::string_view("℃").size());
      } else {
        size_t len = 1;
        text::utf8::DecodeAt(s_, i_, &len);
        out_.append(s_.substr(i_, len));
        i_ += len;
      }
    }
    // No separator at the end.
    for (bool trimmed = true; trimmed;) {
      trimmed = false;
      for (std::string_view p : {"，", "、", "：", "；"}) {
        if (EndsWith(out_, p)) {
          out_.resize(out_.size() - p.size());
          trimmed = true;
        }
      }
    }
    return std::move(out_);
  }

 private:
  void Say(std::string_view words, size_t consumed) {
    out_ += words;
    i_ += consumed;
  }
  char At(size_t k) const { return k < s_.size() ? s_[k] : '\0'; }
  size_t DigitsEnd(size_t k) const {
    while (k < s_.size() && IsDigit(s_[k])) ++k;
    return k;
  }
  // The next byte after `k` that is not an ASCII space.
  size_t SkipSpaces(size_t k) const {
    while (k < s_.size() && s_[k] == ' ') ++k;
    return k;
  }
  // The last byte of the source before `k` that is not a space; '\0' at the start.
  char PrevSource(size_t k) const {
    while (k > 0 && s_[k - 1] == ' ') --k;
    return k > 0 ? s_[k - 1] : '\0';
  }
  bool UnitAt(size_t k) const { return AnyAt(s_, k, kUnits); }

  // The text said so far ends with a word that makes the next number a code.
  bool CodeContext() const {
    std::string_view o = out_;
    for (bool trimmed = true; trimmed;) {
      trimmed = false;
      for (std::string_view p : {"：", "是", "为"}) {
        if (EndsWith(o, p)) {
          o.remove_suffix(p.size());
          trimmed = true;
        }
      }
    }
    for (const char* w : kCodeWords)
      if (EndsWith(o, w)) return true;
    return false;
  }

  void Number() {
    const size_t start = i_;
    size_t j = DigitsEnd(i_);
    std::string digits(s_.substr(i_, j - i_));
    // Thousands separators: "22,400.00" is one number.
    while (At(j) == ',' && DigitsEnd(j + 1) == j + 4 && digits.size() <= 15) {
      digits += s_.substr(j + 1, 3);
      j += 4;
    }
    bool money = money_sign_;
    money_sign_ = false;

    if (Date(digits, j) || Time(digits, j)) return;

    // Digits joined by dashes: a range ("3-5个") or a code ("0571-88886666", "400-123-4567").
    if (At(j) == '-' && IsDigit(At(j + 1))) {
      size_t k = j;
      std::vector<std::string_view> parts = {s_.substr(start, j - start)};
      while (At(k) == '-' && IsDigit(At(k + 1))) {
        size_t e = DigitsEnd(k + 1);
        parts.push_back(s_.substr(k + 1, e - k - 1));
        k = e;
      }
      bool range = parts.size() == 2 && parts[0][0] != '0' && parts[0].size() <= 6 &&
                   parts[1].size() <= 6 && !CodeContext();
      if (range) {
        bool years = parts[0].size() == 4 && parts[1].size() == 4 && StartsWithAt(s_, k, "年");
        out_ += years ? text::ReadDigits(parts[0], false) : text::ReadInteger(parts[0]);
        out_ += "到";
        i_ = j + 1;  // the second number is read on its own (its unit, decimals, %)
        return;
      }
      for (auto p : parts) out_ += text::ReadDigits(p, true);
      i_ = k;
      return;
    }

    // A decimal.
    if (At(j) == '.' && IsDigit(At(j + 1))) {
      size_t e = DigitsEnd(j + 1);
      std::string number = digits + "." + std::string(s_.substr(j + 1, e - j - 1));
      i_ = e;
      if (At(i_) == '%') {
        out_ += "百分之" + text::ReadDecimal(number);
        ++i_;
      } else if (money || StartsWithAt(s_, i_, "元") || StartsWithAt(s_, i_, "块")) {
        out_ += text::ReadAmount(number);
        if (!money) i_ += std::string_view("元").size();  // 元 and 块 are both 3 bytes
      } else {
        out_ += text::ReadDecimal(number);
      }
      return;
    }

    i_ = j;
    if (digits.size() == 17 && (At(j) == 'X' || At(j) == 'x')) {  // an ID number ending in X
      out_ += text::ReadDigits(digits, true) + "叉";
      ++i_;
      return;
    }
    if (At(j) == '%') {
      out_ += "百分之" + text::ReadInteger(digits);
      ++i_;
      return;
    }
    const bool unit = UnitAt(SkipSpaces(j));
    const bool hotline = digits.size() == 5 && !unit &&
                         ((digits[0] == '1' && digits[1] == '2' && digits[2] != '0') ||
                          StartsWithAt(digits, 0, "95") || StartsWithAt(digits, 0, "96")) &&
                         !EndsWith(digits, "00");
    const bool leading_zero = digits.size() > 1 && digits[0] == '0' &&
                              !(digits.size() == 2 && unit);  // "05月" is a month
    // Digits right after letters are the rest of a code ("SQ123", "GD42"): not a quantity.
    const bool after_letters = start > 0 && IsAlpha(s_[start - 1]);
    if (CodeContext() || hotline || leading_zero || after_letters ||
        (digits.size() >= 7 && !unit) || digits.size() > 12) {
      out_ += text::ReadDigits(digits, true);
      return;
    }
    if (money) {
      out_ += text::ReadInteger(digits) + "元";
      return;
    }
    if (digits.size() == 4 && StartsWithAt(s_, j, "年")) {  // a year: 二零二六年
      out_ += text::ReadDigits(digits, false);
      return;
    }
    if (digits == "2" && AnyAt(s_, j, kLiangBefore) && !EndsWith(out_, "第")) {
      out_ += "两";
      return;
    }
    out_ += text::ReadInteger(digits);
  }

  // YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD and YYYY-MM (a year 1900-2099, a month 1-12, a day
  // 1-31): 二零二六年十二月五日.
  bool Date(const std::string& year, size_t j) {
    if (year.size() != 4 || (year[0] != '1' && year[0] != '2')) return false;
    char sep = At(j);
    if (sep != '-' && sep != '/' && sep != '.') return false;
    size_t m_end = DigitsEnd(j + 1);
    size_t m_len = m_end - j - 1;
    if (m_len < 1 || m_len > 2) return false;
    int month = std::stoi(std::string(s_.substr(j + 1, m_len)));
    if (month < 1 || month > 12) return false;
    int day = 0;
    size_t end = m_end;
    if (At(m_end) == sep && IsDigit(At(m_end + 1))) {
      size_t d_end = DigitsEnd(m_end + 1);
      if (d_end - m_end - 1 > 2) return false;
      day = std::stoi(std::string(s_.substr(m_end + 1, d_end - m_end - 1)));
      if (day < 1 || day > 31) return false;
      end = d_end;
    } else if (sep != '-' || m_len != 2) {
      return false;  // a year and month only as YYYY-MM ("2031-05"); "2026.5" is a decimal
    }
    out_ += text::ReadDigits(year, false) + "年" + text::ReadInteger(std::to_string(month)) + "月";
    if (day) out_ += text::ReadInteger(std::to_string(day)) + "日";
    i_ = end;
    return true;
  }

  // H:MM or HH:MM: 十四点三十分, 九点 (a whole hour), 八点零五分.
  bool Time(const std::string& hour, size_t j) {
    if (hour.size() > 2 || At(j) != ':' || DigitsEnd(j + 1) != j + 3) return false;
    int h = std::stoi(hour);
    int m = std::stoi(std::string(s_.substr(j + 1, 2)));
    if (h > 24 || m > 59) return false;
    out_ += text::ReadInteger(std::to_string(h)) + "点";
    if (m > 0) {
      if (m < 10) out_ += "零";
      out_ += text::ReadInteger(std::to_string(m)) + "分";
    }
    i_ = j + 3;
    return true;
  }

  // A run of Latin letters: the lexicon's reading; a code's letters spelt ("GD2026…", "ABC");
  // any other word dropped.
  void Word() {
    size_t j = i_;
    while (j < s_.size() && IsAlpha(s_[j])) ++j;
    std::string_view word = s_.substr(i_, j - i_);
    if (lexicon_) {
      if (At(j) == '.') {
        std::string dotted = std::string(word) + ".";
        if (auto r = lexicon_->Find(dotted)) {
          out_ += *r;
          i_ = j + 1;
          return;
        }
      }
      if (auto r = lexicon_->Find(word)) {
        out_ += *r;
        i_ = j;
        return;
      }
    }
    bool upper = std::all_of(word.begin(), word.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    bool in_code = IsDigit(At(j)) || (i_ > 0 && IsDigit(s_[i_ - 1]));
    if (lexicon_ && (in_code || (upper && word.size() <= 4))) {
      for (char c : word)
        if (auto r = lexicon_->Find(std::string_view(&c, 1))) out_ += *r;
    }
    i_ = j;
  }

  void Symbol(char c) {
    const char prev = PrevSource(i_);
    const char next = At(SkipSpaces(i_ + 1));
    const bool num_before = IsDigit(prev) || prev == ')' || prev == '%';
    const bool num_after = IsDigit(next) || next == '(';
    switch (c) {
      case '=':
        Say("等于", 1);
        return;
      case '+':
        Say("加", 1);
        return;
      case '-':
        if (num_before && num_after) {
          // "10%-20%" is a range; a spaced minus (and every "−") is an operation.
          bool spaced = At(i_ + 1) == ' ' || (i_ > 0 && s_[i_ - 1] == ' ');
          Say(spaced ? "减去" : "到", 1);
        } else if (IsDigit(At(i_ + 1)) && !num_before) {
          Say("负", 1);
        } else {
          ++i_;
        }
        return;
      case '*':
      case '#': {
        bool key = EndsWith(out_, "按") || StartsWithAt(s_, i_ + 1, "键") ||
                   StartsWithAt(s_, i_ + 1, "号");
        if (key) {
          Say(c == '*' ? "星号" : "井号", 1);
        } else if (c == '*' && num_before && num_after) {
          Say("乘以", 1);
        } else {
          ++i_;
        }
        return;
      }
      case '/':
        if (num_before && num_after) {
          Say("除以", 1);
        } else if (AnyAt(s_, i_ + 1, kPerUnits)) {
          Say("每", 1);
        } else if (static_cast<unsigned char>(prev) >= 0x80 &&
                   static_cast<unsigned char>(At(i_ + 1)) >= 0x80) {
          Say("或", 1);
        } else {
          ++i_;
        }
        return;
      case '~':
        Say(num_before && num_after ? "到" : "", 1);
        return;
      case '&':
        Say("和", 1);
        return;
      case ',':
        Say("，", 1);
        return;
      case '.':
        // "1. 社保卡" (a list number) and a sentence's end.
        Say(IsDigit(prev) ? "、" : "。", 1);
        return;
      case ';':
        Say("；", 1);
        return;
      case ':':
        Say("：", 1);
        return;
      case '!':
        Say("！", 1);
        return;
      case '?':
        Say("？", 1);
        return;
      case '\n':
      case '\r':
        if (!EndsWithPause(out_)) out_ += "，";
        ++i_;
        return;
      default:  // spaces, brackets, quotes, %, @, _, |, \, ^, $, `, <, >
        ++i_;
        return;
    }
  }

  std::string_view s_;
  const SpeechLexicon* lexicon_;
  size_t i_ = 0;
  std::string out_;
  bool money_sign_ = false;  // a ¥ was just read: the next number is an amount
};

std::mutex& LexiconMutex() {
  static std::mutex mu;
  return mu;
}
std::shared_ptr<const SpeechLexicon>& InstalledLexicon() {
  static std::shared_ptr<const SpeechLexicon> lexicon;
  return lexicon;
}

}  // namespace

Result<SpeechLexicon> SpeechLexicon::Parse(std::string_view tsv, const std::string& origin) {
  SpeechLexicon lexicon;
  int line_no = 0;
  size_t pos = 0;
  while (pos <= tsv.size()) {
    size_t nl = tsv.find('\n', pos);
    std::string_view line = tsv.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    pos = nl == std::string_view::npos ? tsv.size() + 1 : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    auto fail = [&](const std::string& why) {
      return InvalidArgument(origin + ":" + std::to_string(line_no) + ": " + why);
    };
    size_t tab = line.find('\t');
    if (tab == std::string_view::npos || tab == 0) return fail("expected WORD<TAB>READING");
    std::string word = Upper(line.substr(0, tab));
    std::string reading(line.substr(tab + 1));
    if (HasAsciiForSpeech(reading)) return fail("the reading of " + word + " has ASCII in it");
    if (!lexicon.words_.emplace(word, reading).second) return fail(word + " is listed twice");
  }
  return lexicon;
}

Result<SpeechLexicon> SpeechLexicon::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str(), path);
}

std::optional<std::string_view> SpeechLexicon::Find(std::string_view word) const {
  auto it = words_.find(Upper(word));
  if (it == words_.end()) return std::nullopt;
  return std::string_view(it->second);
}

void SetSpeechLexicon(std::shared_ptr<const SpeechLexicon> lexicon) {
  std::lock_guard lock(LexiconMutex());
  InstalledLexicon() = std::move(lexicon);
}

std::shared_ptr<const SpeechLexicon> GetSpeechLexicon() {
  std::lock_guard lock(LexiconMutex());
  return InstalledLexicon();
}

std::string PrepareForSpeech(std::string_view text) {
  auto lexicon = GetSpeechLexicon();
  return PrepareForSpeech(text, lexicon.get());
}

std::string PrepareForSpeech(std::string_view input, const SpeechLexicon* lexicon) {
  std::string text = Prefold(text::SanitizeUtf8(input));
  DropCitations(text);
  return Scanner(text, lexicon).Run();
}

bool HasAsciiForSpeech(std::string_view speech) {
  for (char c : speech)
    if (static_cast<unsigned char>(c) < 0x80) return true;
  return false;
}

Status UseSpeechLexiconIn(const std::string& kb_dir) {
  std::string path = (std::filesystem::path(kb_dir) / "speech_words.tsv").string();
  auto lexicon = SpeechLexicon::Load(path);
  if (!lexicon.ok()) {
    if (lexicon.status().code() != Code::kNotFound) return lexicon.status();
    log::Warn(
        "speech.no_lexicon file={} fix=\"add kb/speech_words.tsv: Latin words are dropped "
        "from speech without it\"",
        path);
    return Status::Ok();
  }
  SetSpeechLexicon(std::make_shared<const SpeechLexicon>(std::move(lexicon).value()));
  return Status::Ok();
}

}  // namespace zx::telephony
