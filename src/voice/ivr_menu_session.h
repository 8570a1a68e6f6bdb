// MenuSession: one caller's place in the menu tree of kb/ivr.toml (voice/ivr_menu.h), and the
// keypad entry of a calculator's slots. Pure: keys in, what to do out; the voice bridge says
// the prompts and runs the dialogue turns. Not thread-safe (one call's worker drives it).
//
//   MenuSession s(menu);
//   say(s.Greeting());
//   MenuSession::Step step = s.Key('2');    // kSay: the 医保 menu's prompt
//   step = s.Key('1');                      // kChoose: topic "yb.remote_filing"
//   say(s.Reply(reply.text, topic, reply.asking));   // the answer, then "重听请按9…"
//
// At a menu: an item's key opens its sub-menu, or chooses its entry or calculator; 8 says the
// next page; the [[key]]s work everywhere (9 repeat, 0 a person, * back: from an answer to the
// menu it was chosen from, from a menu to its parent). While a calculator asks a slot that has
// an [[input]]: digits then # (* is the decimal point once digits have been entered, before that
// it leaves the calculator), or the numbered keys of an enumeration; the value goes to the
// dialogue as words its flow understands ("12000元", "三级", "1965年5月").
#pragma once

#include <string>

#include "voice/ivr_menu.h"

namespace zx::voice {

class MenuSession {
 public:
  struct Step {
    enum Kind {
      kNone,    // nothing to do yet (a digit of a number)
      kSay,     // say `text`
      kRepeat,  // say the last prompt again
      kKey,     // a [[key]] for the dialogue (agent, ask): `key`
      kChoose,  // choose `topic` (entry or calculator id); `text` is the path for the transcript
      kAnswer,  // `text` answers the calculator's question
    };
    Kind kind = kNone;
    std::string text;
    std::string topic;
    const IvrKey* key = nullptr;
    std::string log;  // what the key did, for the call's log (no digits of values)
  };

  // `menu` must outlive the session.
  explicit MenuSession(const IvrMenu& menu);

  // The greeting and the top level's first page.
  std::string Greeting() const;
  // What tells the caller what to press now: the page of the current menu, or the input prompt.
  std::string Prompt() const;
  Step Key(char key);
  // The dialogue's reply to a turn (choice, value or words), not a hand-over or goodbye: what to
  // say. A calculator's question with an [[input]] is replaced by the keypad prompt (a refused
  // value first gets its message); an answer (a reply with a topic) is followed by
  // after_answer.
  std::string Reply(const std::string& text, const std::string& topic, const std::string& asking);

  // For tests and logs.
  const IvrLevel* level() const { return level_; }
  bool entering() const { return mode_ == Mode::kDigits || mode_ == Mode::kChoice; }

 private:
  enum class Mode { kMenu, kDigits, kChoice };
  Step Say(std::string text, std::string log) const;
  Step Back();
  Step LeaveInput();
  Step Global(char key);
  std::string Path(const IvrItem& item) const;
  std::string Words() const;

  const IvrMenu& menu_;
  const IvrLevel* level_ = nullptr;  // null: a menu without [[menu]] (keys only)
  int page_ = 0;
  bool after_answer_ = false;  // an answer was said: * goes back to its menu
  Mode mode_ = Mode::kMenu;
  std::string calc_;                 // the calculator whose slot is being entered
  const IvrInput* input_ = nullptr;  // the slot being entered
  std::string digits_;               // digits entered so far ('.' for *)
  std::string answered_slot_;        // the slot last sent: asked again means refused
};

}  // namespace zx::voice
