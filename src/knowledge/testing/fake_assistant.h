// A fake Assistant for tests of the layers above knowledge: answers every question with a fixed
// topic, and asks back on empty text.
#pragma once

#include "knowledge/answer.h"

namespace zx::knowledge::testing {

class FakeAssistant final : public Assistant {
 public:
  Answer Ask(std::string_view question) const override {
    Answer a;
    a.question = std::string(question);
    if (question.empty()) {
      a.text = "请问您想咨询什么问题？";
      return a;
    }
    a.topic = "sbk.apply";
    a.confidence = 0.9;
    a.text = "社保卡可到合作银行网点申领。";
    a.citations.push_back({"sbk.apply", "社保卡申领", 1});
    a.alternatives.push_back({"sbk.loss", 0.05});
    return a;
  }
};

}  // namespace zx::knowledge::testing
