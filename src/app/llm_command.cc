#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "llm/grounding.h"

namespace zx::app {
namespace {

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One input line: {"answer": "...", "sources": ["...", ...]}; the message says what is wrong.
Status ParseCheckLine(const std::string& line, std::string* answer,
                      std::vector<std::string>* sources) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("not JSON");
  if (!j.is_object()) return InvalidArgument("not a JSON object");
  if (!j.contains("answer") || !j["answer"].is_string()) {
    return InvalidArgument("\"answer\" must be a string");
  }
  if (!j.contains("sources") || !j["sources"].is_array()) {
    return InvalidArgument("\"sources\" must be a list of strings");
  }
  *answer = j["answer"].get<std::string>();
  sources->clear();
  for (const auto& s : j["sources"]) {
    if (!s.is_string()) return InvalidArgument("\"sources\" must be a list of strings");
    sources->push_back(s.get<std::string>());
  }
  return Status::Ok();
}

}  // namespace

int RunLlmCheck(const CommonFlags& flags, bool json, std::istream& in, std::ostream& out) {
  auto config = LoadAppConfig(flags);
  if (!config.ok()) {
    std::cerr << "zhixian: " << config.status().message() << "\n";
    return 2;
  }
  // The rules of the knowledge base when it has them, else the built-in lists.
  llm::GroundingRules rules = llm::GroundingRules::Defaults();
  const auto rules_file =
      std::filesystem::path(config->knowledge.kb_dir) / "llm" / "grounding.toml";
  std::error_code ec;
  if (std::filesystem::exists(rules_file, ec)) {
    auto loaded = llm::LoadGroundingRules(rules_file.string());
    if (!loaded.ok()) {
      std::cerr << "zhixian: " << loaded.status().message() << "\n";
      return 2;
    }
    rules = std::move(loaded).value();
  }
  int code = 0;
  std::string line, answer;
  std::vector<std::string> sources;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (Status s = ParseCheckLine(line, &answer, &sources); !s.ok()) {
      code = 2;
      const std::string message = "line " + std::to_string(number) + ": " + s.message();
      if (json) {
        out << Dump({{"ok", false}, {"error", message}}) << "\n";
      } else {
        out << "error: " << message << "\n";
      }
      continue;
    }
    const llm::GroundingResult r = llm::CheckGrounding(answer, sources, rules);
    if (json) {
      nlohmann::json problems = nlohmann::json::array();
      for (const auto& p : r.problems) problems.push_back({{"kind", p.kind}, {"text", p.text}});
      out << Dump({{"ok", r.ok}, {"problems", problems}}) << "\n";
    } else {
      out << (r.ok ? "ok" : "rejected");
      for (size_t i = 0; i < r.problems.size(); ++i) {
        out << (i == 0 ? ": " : "; ") << r.problems[i].kind << " " << r.problems[i].text;
      }
      out << "\n";
    }
  }
  out.flush();
  return code;
}

}  // namespace zx::app
