// The calculator-flow loader (kb/flows/*.toml) and, for flows it accepts, a few turns of the
// slot-filling engine, which must then never crash whatever the flow says.
#include <cstdint>
#include <string>

#include "dialogue/flow.h"
#include "dialogue/flow_json_internal.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto flow = zx::dialogue::ParseFlow(text, "fuzz.toml");
  if (!flow.ok()) return 0;
  zx::dialogue::FlowState state;
  for (const char* said :
       {"我在公司干了三年零七个月", "月工资八千五", "是", "不是", "2020年3月", "12", ""}) {
    auto r = zx::dialogue::Step(*flow, state, said);
    (void)r;
  }
  (void)zx::dialogue::ToJson(state);
  return 0;
}
