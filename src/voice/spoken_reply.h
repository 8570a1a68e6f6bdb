// The spoken form of a reply: what a caller hears first, and the rest on request. A written
// reply is made for reading (a calculation's working line by line, the policy it rests on); read
// out whole, a calculation runs for nearly two minutes. On the phone the result comes first,
// within about 20 s at the synthesiser's rate; when there is more, the caller is told
// "要听计算过程请按1" (a calculation) or "要听完整内容请按1" (a long answer), and key 1 says the
// full text. The 依据 line is never read in full: the spoken form leaves it out, the full text
// says only whose rule it is ("依据示例市医疗保障局的规定"). An SMS of the full text is offered
// only when the deployment has an SMS gateway (`sms_offer`; none today, so none is promised).
//
//   SpokenForm("住院报销测算：\n起付线…\n甲类：…\n结果：预计可报销14600.00元。\n依据：…（示例市医疗保障局）")
//     .say  == "住院报销测算结果：预计可报销14600.00元。要听计算过程请按1。"
//     .more ==
//     "住院报销测算：\n起付线…\n甲类：…\n结果：预计可报销14600.00元。\n依据示例市医疗保障局的规定。"
//
// Both are text as written: the player prepares them for speech (telephony/speech_text.h). The
// form reads the reply text as the dialogue writes it (dialogue/flow.cc FormatResult: a title
// line ending in "：", the working, "结果：…", "说明：…", "以上按…计算…", "依据：…（source）";
// knowledge answers: the answer, then "（依据：…）"). Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace zx::voice {

struct SpokenOptions {
  double max_seconds = 20;  // the first part's budget
  // The synthesiser's pace in characters of prepared speech per second: espeak-ng's
  // cmn-latn-pinyin voice at 165 words/min (telephony/espeak_synthesizer.h) says about 3.9
  // (measured by spoken_reply_test, which fails when the rate drifts away from it).
  double chars_per_second = 3.9;
  // Said after the offer of key 1 when the deployment has an SMS gateway, e.g.
  // "需要短信发送完整内容请按2。"; empty (the default): no SMS is offered.
  std::string sms_offer;
};

struct SpokenReply {
  std::string say;   // said first: the result, the key-1 offer when there is more
  std::string more;  // the full text for key 1; empty when `say` is all there is
};

SpokenReply SpokenForm(std::string_view reply_text, const SpokenOptions& options = {});

// How long `text` takes to say at `chars_per_second` (prepared for speech first; the count is
// of its characters, punctuation included, which the synthesiser turns into pauses).
double SpeechSeconds(std::string_view text, double chars_per_second);

// A reply written on one line ("\n" written as the two characters \ and n stands for a line
// break, so that a calculation fits on one line) as the voice bridge gives it to the
// synthesiser: its spoken form's `say`, prepared for speech (telephony/speech_text.h). What
// `zhixian speech prepare` prints.
std::string SpokenLine(std::string_view line);

}  // namespace zx::voice
