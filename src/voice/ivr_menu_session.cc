#include "voice/ivr_menu_session.h"

namespace zx::voice {

MenuSession::MenuSession(const IvrMenu& menu)
    : menu_(menu), level_(menu.menus.empty() ? nullptr : &menu.menus.front()) {}

std::string MenuSession::Greeting() const {
  if (menu_.menus.empty() || menu_.menus.front().pages.empty()) return menu_.greeting;
  return menu_.greeting + menu_.menus.front().pages.front();
}

std::string MenuSession::Prompt() const {
  if (input_ && mode_ != Mode::kMenu) return input_->prompt;
  if (level_ && page_ < static_cast<int>(level_->pages.size())) return level_->pages[page_];
  return menu_.greeting;
}

MenuSession::Step MenuSession::Say(std::string text, std::string log) const {
  Step s;
  s.kind = Step::kSay;
  s.text = std::move(text);
  s.log = std::move(log);
  return s;
}

std::string MenuSession::Path(const IvrItem& item) const {
  std::string path = item.label;
  for (const IvrLevel* l = level_; l && !l->parent.empty(); l = menu_.Level(l->parent))
    path = (l->title.empty() ? l->id : l->title) + " > " + path;
  return "按键：" + path;
}

// The entered value in words the flow reads as this slot's answer (kb/flows/README.md).
std::string MenuSession::Words() const {
  std::string n = digits_;
  if (!n.empty() && n.back() == '.') n.pop_back();
  const std::string& type = input_->type;
  if (type == "money") return n + "元";
  if (type == "months") return n + "个月";
  if (type == "year_month" && n.size() == 6) {
    int month = std::stoi(n.substr(4));
    return n.substr(0, 4) + "年" + std::to_string(month) + "月";
  }
  return n;
}

MenuSession::Step MenuSession::Key(char key) {
  if (mode_ == Mode::kDigits) {
    if (key >= '0' && key <= '9') {
      if (digits_.size() < 12) digits_ += key;
      return {};
    }
    if (key == '#') {
      if (digits_.empty() || digits_ == ".") return Say(input_->prompt, "input_again");
      Step s;
      s.kind = Step::kAnswer;
      s.text = Words();
      s.log = "input:" + input_->slot;
      answered_slot_ = input_->slot;
      digits_.clear();
      return s;
    }
    if (key == '*') {
      if (!digits_.empty() && input_->type == "money" && digits_.find('.') == std::string::npos) {
        digits_ += '.';
        return {};
      }
      return LeaveInput();
    }
    return {};
  }
  if (mode_ == Mode::kChoice) {
    int n = key - '0';
    if (n >= 1 && n <= static_cast<int>(input_->keys.size())) {
      const std::string& value = input_->keys[n - 1];
      Step s;
      s.kind = Step::kAnswer;
      s.text = input_->type == "bool" ? (value == "否" ? "不是" : "是") : value;
      s.log = "input:" + input_->slot;
      answered_slot_ = input_->slot;
      return s;
    }
    if (key == '*') return LeaveInput();
    const IvrKey* global = menu_.Find(key);
    if (global && (global->action == "repeat" || global->action == "agent")) return Global(key);
    return Say(menu_.invalid_key + input_->prompt, "invalid");
  }
  if (level_) {
    if (const IvrItem* item = level_->Find(key)) {
      after_answer_ = false;
      if (!item->menu.empty()) {
        level_ = menu_.Level(item->menu);
        page_ = 0;
        return Say(Prompt(), "menu:" + item->menu);
      }
      Step s;
      s.kind = Step::kChoose;
      s.topic = item->entry.empty() ? item->calc : item->entry;
      s.text = Path(*item);
      s.log = (item->entry.empty() ? "calc:" : "entry:") + s.topic;
      return s;
    }
    if (key == '8' && level_->pages.size() > 1) {
      after_answer_ = false;
      page_ = (page_ + 1) % static_cast<int>(level_->pages.size());
      return Say(Prompt(), "page:" + std::to_string(page_ + 1));
    }
  }
  return Global(key);
}

MenuSession::Step MenuSession::Global(char key) {
  const IvrKey* g = menu_.Find(key);
  if (!g) {
    if (key == '*') return Back();  // * goes back even in a menu that does not say so
    return Say(menu_.invalid_key + Prompt(), "invalid");
  }
  if (g->action == "repeat") {
    Step s;
    s.kind = Step::kRepeat;
    s.log = "repeat";
    return s;
  }
  if (g->action == "back") return Back();
  mode_ = Mode::kMenu;  // a person, the top level or words: the keypad entry is over
  input_ = nullptr;
  digits_.clear();
  if (g->action == "menu") {
    level_ = menu_.menus.empty() ? nullptr : &menu_.menus.front();
    page_ = 0;
    after_answer_ = false;
    return Say(Prompt(), "menu");
  }
  Step s;  // agent, ask: the dialogue's (the hook of key 0)
  s.kind = Step::kKey;
  s.key = g;
  s.log = g->action;
  return s;
}

MenuSession::Step MenuSession::Back() {
  if (mode_ != Mode::kMenu) return LeaveInput();
  if (!after_answer_ && level_ && !level_->parent.empty()) level_ = menu_.Level(level_->parent);
  after_answer_ = false;
  page_ = 0;
  return Say(Prompt(), "back");
}

MenuSession::Step MenuSession::LeaveInput() {
  mode_ = Mode::kMenu;
  input_ = nullptr;
  digits_.clear();
  answered_slot_.clear();
  after_answer_ = false;
  page_ = 0;
  return Say(Prompt(), "leave_input");
}

std::string MenuSession::Reply(const std::string& text, const std::string& topic,
                               const std::string& asking) {
  if (!asking.empty()) {
    if (const IvrInput* in = menu_.Input(topic, asking)) {
      std::string lead;
      if (in == input_ && answered_slot_ == asking)  // asked again: the value was refused
        lead = in->retry.empty() ? menu_.input_retry : in->retry;
      input_ = in;
      mode_ = in->keys.empty() ? Mode::kDigits : Mode::kChoice;
      digits_.clear();
      answered_slot_.clear();
      return lead + in->prompt;
    }
    // A question keys cannot answer (a vague word said, a slot without [[input]]): said as it
    // is, for a caller who can speak; keys go on from the menu.
    mode_ = Mode::kMenu;
    input_ = nullptr;
    return text;
  }
  mode_ = Mode::kMenu;
  input_ = nullptr;
  digits_.clear();
  answered_slot_.clear();
  // An ask-back or "not understood" (no topic) is no answer: nothing to go back from.
  if (!level_ || topic.empty()) return text;
  after_answer_ = true;
  page_ = 0;
  return text + menu_.after_answer;
}

}  // namespace zx::voice
