// Danger recognition in ordinary words (issue 11 item 5): recall over the danger sentences and
// the false-positive rate over the harmless ones of a labelled TSV, with kb/risks.toml as
// `zhixian serve` loads it (each sentence normalised as the dialogue does).
//
//   build/bench/dialogue/risk_bench [risks.toml] [sentences.tsv] [--list]
//
// Defaults: kb/risks.toml and tests/dialogue/risk_sentences.tsv (from the repository root).
// The TSV: `danger<TAB>kind<TAB>sentence` or `harmless<TAB>-<TAB>sentence`; `#` lines are
// comments. A sentence counts as flagged when a category that hands over is heard, not negated.
// --list prints every miss and every false alarm. Bars: recall >= 95%, false positives <= 2%;
// the exit status is 1 when a bar is missed.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "dialogue/emotion.h"
#include "text/normalizer.h"

namespace {

struct Sentence {
  bool danger = false;
  std::string kind;
  std::string text;
};

std::vector<Sentence> ReadTsv(const std::string& path) {
  std::vector<Sentence> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t a = line.find('\t'), b = a == std::string::npos ? a : line.find('\t', a + 1);
    if (b == std::string::npos) continue;
    out.push_back(
        {line.substr(0, a) == "danger", line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string risks_path = "kb/risks.toml", tsv = "tests/dialogue/risk_sentences.tsv";
  bool list = false;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--list")
      list = true;
    else
      args.push_back(a);
  }
  if (args.size() > 0) risks_path = args[0];
  if (args.size() > 1) tsv = args[1];
  auto risks = zx::dialogue::RiskDetector::Load(risks_path);
  if (!risks.ok()) {
    std::cerr << risks.status().message() << "\n";
    return 2;
  }
  auto normalizer = zx::text::Normalizer::Create();
  if (!normalizer.ok()) {
    std::cerr << normalizer.status().message() << "\n";
    return 2;
  }
  const std::vector<Sentence> sentences = ReadTsv(tsv);
  if (sentences.empty()) {
    std::cerr << "no sentences in " << tsv << "\n";
    return 2;
  }
  int dangers = 0, caught = 0, harmless = 0, flagged = 0;
  std::map<std::string, std::pair<int, int>> by_kind;  // kind -> caught, total
  for (const Sentence& s : sentences) {
    const std::string norm = (*normalizer)->Normalize(s.text);
    std::string heard;
    for (const auto& h : risks->Detect(norm))
      if (!h.negated && h.category && h.category->handoff)
        heard += (heard.empty() ? "" : " ") + h.category->name + ":" + h.phrase;
    const bool hit = !heard.empty();
    if (s.danger) {
      ++dangers;
      caught += hit;
      auto& k = by_kind[s.kind];
      k.first += hit;
      ++k.second;
      if (!hit && list) std::printf("MISS   %s\t%s\n", s.kind.c_str(), s.text.c_str());
    } else {
      ++harmless;
      flagged += hit;
      if (hit && list) std::printf("FALSE  %s\t%s\n", s.text.c_str(), heard.c_str());
    }
  }
  const double recall = dangers ? 100.0 * caught / dangers : 0;
  const double fp = harmless ? 100.0 * flagged / harmless : 0;
  std::printf("risk_bench %s\n", tsv.c_str());
  for (const auto& [kind, n] : by_kind)
    std::printf("  %-6s %3d/%-3d\n", kind.c_str(), n.first, n.second);
  std::printf("recall          %5.1f%%  (%d of %d danger sentences)   bar >= 95%%\n", recall,
              caught, dangers);
  std::printf("false positives %5.1f%%  (%d of %d harmless sentences) bar <= 2%%\n", fp, flagged,
              harmless);
  return recall >= 95.0 && fp <= 2.0 ? 0 : 1;
}
