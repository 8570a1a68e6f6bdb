#include "campaigns/notice_script.h"

namespace zx::campaigns {

Result<CallScript> RenderCallScript(const PlannedCall& call, const ScenarioTable& scenarios,
                                    const ScriptOptions&) {
  CallScript s;
  std::string surname = call.name.substr(0, 3);
  s.salutation = surname + "*" + (call.gender == "男" ? "先生" : call.gender == "女" ? "女士" : "");
  s.identity = "您好，这里是示例市12345政务服务热线。请问您是" + s.salutation +
               "吗？是本人请按1，不是请按2，现在不方便请按3。";
  for (const TargetRecord& r : call.notices) {
    const Scenario* sc = scenarios.Find(r.scenario);
    s.scenarios.push_back(r.scenario);
    s.notice += "您有一项" + (sc ? sc->name : r.scenario) + "。";
  }
  s.notice += "确认收到请按1，重听请按9。";
  s.sms = "【示例市12345】" + s.salutation + "，" + s.notice;
  s.wrong_party = "打扰了，再见。";
  s.later = "好的，我们稍后再联系您，再见。";
  return s;
}

}  // namespace zx::campaigns
