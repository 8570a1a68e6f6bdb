#include "knowledge/loader.h"

#include "base/china_date.h"
#include "base/file.h"

#include "base/toml_file.h"

#include <toml++/toml.h>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace zx::knowledge {
namespace {

const std::set<std::string> kKinds = {"faq", "calc", "complaint", "query", "meta"};
const std::set<std::string> kSlas = {"2h", "24h", "7d", "-"};

std::string At(const std::string& origin, const toml::source_region& where) {
  return origin + ":" + std::to_string(where.begin.line);
}

bool ValidId(const std::string& id) {
  auto dot = id.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == id.size()) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
  });
}

std::string_view Trimmed(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// Reads one entry table: the types (every field required) here, the rules in CheckEntry, whose
// problem is placed at the line of the field (or of the list item) it names.
Result<Entry> ReadEntry(const toml::table& t, const std::string& origin) {
  Entry e;
  e.origin = At(origin, t.source());
  auto where = [&](const char* field) {
    const toml::node* n = t.get(field);
    return n ? At(origin, n->source()) : e.origin;
  };
  auto name = [&] { return e.id.empty() ? std::string("entry") : "entry '" + e.id + "'"; };
  auto fail = [&](const char* field, const std::string& why) -> Status {
    return InvalidArgument(where(field) + ": " + name() + ": " + field + " " + why);
  };
  auto text = [&](const char* field, std::string& out) -> Status {
    const toml::node* n = t.get(field);
    if (!n) return fail(field, "is missing");
    if (!n->is_string()) return fail(field, "must be a string");
    // Trim surrounding whitespace (multi-line strings start with a newline).
    out = std::string(Trimmed(*n->value<std::string>()));
    return Status::Ok();
  };
  auto list = [&](const char* field, std::vector<std::string>& out) -> Status {
    const toml::node* n = t.get(field);
    if (!n) return fail(field, "is missing");
    const toml::array* a = n->as_array();
    if (!a) return fail(field, "must be an array of strings");
    for (const auto& item : *a) {
      if (!item.is_string())
        return InvalidArgument(At(origin, item.source()) + ": " + name() + ": " + field +
                               " must contain only strings");
      out.push_back(*item.value<std::string>());
    }
    return Status::Ok();
  };

  ZX_RETURN_IF_ERROR(text("id", e.id));
  ZX_RETURN_IF_ERROR(text("kind", e.kind));
  ZX_RETURN_IF_ERROR(text("department", e.department));
  ZX_RETURN_IF_ERROR(text("sla", e.sla));
  ZX_RETURN_IF_ERROR(text("title", e.title));
  const toml::node* v = t.get("version");
  if (!v) return fail("version", "is missing");
  if (!v->is_integer() || *v->value<int64_t>() < 1)
    return fail("version", "must be an integer >= 1");
  e.version = static_cast<int>(*v->value<int64_t>());
  ZX_RETURN_IF_ERROR(text("effective", e.effective));
  ZX_RETURN_IF_ERROR(text("source", e.source));
  ZX_RETURN_IF_ERROR(text("answer", e.answer));
  ZX_RETURN_IF_ERROR(list("keywords", e.keywords));
  ZX_RETURN_IF_ERROR(list("synonyms", e.synonyms));
  ZX_RETURN_IF_ERROR(list("colloquial", e.colloquial));
  ZX_RETURN_IF_ERROR(list("phrasings", e.phrasings));
  for (const auto& [key, node] : t) {
    static const std::set<std::string> kFields = {
        "id",     "kind",   "department", "sla",      "title",      "version",  "effective",
        "source", "answer", "keywords",   "synonyms", "colloquial", "phrasings"};
    if (!kFields.count(std::string(key.str())))
      return InvalidArgument(At(origin, node.source()) + ": " + name() + ": unknown field '" +
                             std::string(key.str()) + "'");
  }
  if (auto problem = CheckEntry(e)) {
    // "phrasings[3]": the line of that item, and the message as the files always said it.
    std::string field = problem->field;
    std::string line = e.origin;
    auto bracket = field.find('[');
    if (bracket != std::string::npos) {
      size_t i = std::stoul(field.substr(bracket + 1));
      field = field.substr(0, bracket);
      const toml::array* a = t.get(field)->as_array();
      line = i < a->size() ? At(origin, a->get(i)->source()) : where(field.c_str());
    } else {
      line = where(field.c_str());
    }
    return InvalidArgument(line + ": " + name() + ": " + field + " " + problem->message);
  }
  return e;
}

// Parses `path` into `out` when the file exists; a missing optional file is no error.
template <typename T, typename Parser>
Status LoadOptional(const std::filesystem::path& path, Parser parse, T& out) {
  if (!std::filesystem::exists(path)) return Status::Ok();
  ZX_ASSIGN_OR_RETURN(auto text, ReadFile(path.string()));
  ZX_ASSIGN_OR_RETURN(out, parse(text, path.string()));
  return Status::Ok();
}

}  // namespace

std::optional<EntryProblem> CheckEntry(const Entry& e,
                                       const std::map<std::string, std::string>& departments,
                                       bool draft) {
  auto problem = [](std::string field, std::string why) {
    return std::optional<EntryProblem>(EntryProblem{std::move(field), std::move(why)});
  };
  auto blank = [](const std::string& s) { return Trimmed(s).empty(); };
  if (blank(e.id)) return problem("id", "must not be empty");
  if (!ValidId(e.id))
    return problem("id", "must look like area.name in lower case, got '" + e.id + "'");
  if (blank(e.kind)) return problem("kind", "must not be empty");
  if (!kKinds.count(e.kind)) return problem("kind", "must be faq, calc, complaint, query or meta");
  if (blank(e.department)) return problem("department", "must not be empty");
  if (!departments.empty() && e.department != "-" && !departments.count(e.department))
    return problem("department", "'" + e.department + "' is not in departments.tsv");
  if (blank(e.sla)) return problem("sla", "must not be empty");
  if (!kSlas.count(e.sla)) return problem("sla", "must be 2h, 24h, 7d or -");
  if (e.kind == "complaint" && e.sla == "-") return problem("sla", "is required for a complaint");
  if (blank(e.title)) return problem("title", "must not be empty");
  if (e.version < 1) return problem("version", "must be an integer >= 1");
  if (blank(e.effective)) return problem("effective", "must not be empty");
  if (!IsDate(e.effective)) return problem("effective", "must be a date YYYY-MM-DD");
  if (blank(e.source)) return problem("source", "must not be empty");
  if (blank(e.answer)) return problem("answer", "must not be empty");
  const std::pair<const char*, const std::vector<std::string>*> lists[] = {
      {"keywords", &e.keywords},
      {"synonyms", &e.synonyms},
      {"colloquial", &e.colloquial},
      {"phrasings", &e.phrasings}};
  for (const auto& [field, items] : lists) {
    std::set<std::string> seen;
    for (size_t i = 0; i < items->size(); ++i) {
      const std::string& s = (*items)[i];
      std::string at = std::string(field) + "[" + std::to_string(i) + "]";
      if (s.empty()) return problem(at, "has an empty string");
      if (!seen.insert(s).second) return problem(at, "repeats \"" + s + "\"");
    }
  }
  if (!draft && e.phrasings.size() < static_cast<size_t>(kMinPhrasings))
    return problem("phrasings", "has " + std::to_string(e.phrasings.size()) +
                                    " items, needs at least " + std::to_string(kMinPhrasings));
  return std::nullopt;
}

Result<std::vector<Entry>> ParseEntries(const std::string& toml_text, const std::string& origin) {
  ZX_ASSIGN_OR_RETURN(toml::table doc, ParseToml(toml_text, origin));
  for (const auto& [key, node] : doc) {
    if (key.str() != "entry")
      return InvalidArgument(At(origin, node.source()) + ": unknown top-level key '" +
                             std::string(key.str()) + "' (expected [[entry]] tables)");
  }
  const toml::array* arr = doc["entry"].as_array();
  if (!arr) return InvalidArgument(origin + ":1: no [[entry]] tables");
  std::vector<Entry> out;
  for (const auto& node : *arr) {
    const toml::table* t = node.as_table();
    if (!t) return InvalidArgument(At(origin, node.source()) + ": entry must be a table");
    ZX_ASSIGN_OR_RETURN(auto e, ReadEntry(*t, origin));
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<Synonym>> ParseSynonyms(const std::string& tsv, const std::string& origin) {
  std::vector<Synonym> out;
  std::set<std::string> canonicals;
  std::istringstream in(tsv);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (n == 1 || line.empty() || line[0] == '#') continue;  // header, blanks, comments
    auto tab = line.find('\t');
    std::string where = origin + ":" + std::to_string(n);
    if (tab == std::string::npos || tab == 0)
      return InvalidArgument(where + ": expected canonical<TAB>variant|variant");
    Synonym s;
    s.canonical = line.substr(0, tab);
    if (!canonicals.insert(s.canonical).second)
      return InvalidArgument(where + ": canonical word '" + s.canonical + "' appears twice");
    std::istringstream vs(line.substr(tab + 1));
    std::string v;
    while (std::getline(vs, v, '|'))
      if (!v.empty() && v != s.canonical) s.variants.push_back(v);
    if (s.variants.empty())
      return InvalidArgument(where + ": '" + s.canonical + "' has no variants");
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::map<std::string, std::string>> ParseDepartments(const std::string& tsv,
                                                            const std::string& origin) {
  std::map<std::string, std::string> out;
  std::istringstream in(tsv);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (n == 1 || line.empty() || line[0] == '#') continue;
    auto tab = line.find('\t');
    std::string where = origin + ":" + std::to_string(n);
    if (tab == std::string::npos || tab == 0 || tab + 1 == line.size())
      return InvalidArgument(where + ": expected code<TAB>name");
    if (!out.emplace(line.substr(0, tab), line.substr(tab + 1)).second)
      return InvalidArgument(where + ": department '" + line.substr(0, tab) + "' appears twice");
  }
  return out;
}

Result<KnowledgeBase> LoadKnowledgeBase(const std::string& kb_dir) {
  namespace fs = std::filesystem;
  KnowledgeBase kb;
  fs::path entries_dir = fs::path(kb_dir) / "entries";
  std::error_code ec;
  if (!fs::is_directory(entries_dir, ec))
    return InvalidArgument("knowledge base directory " + entries_dir.string() +
                           " not found (set knowledge.kb_dir or --kb)");
  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(entries_dir))
    if (f.path().extension() == ".toml") files.push_back(f.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) return InvalidArgument("no *.toml entry files in " + entries_dir.string());
  std::set<std::string> ids;
  for (const auto& f : files) {
    ZX_ASSIGN_OR_RETURN(auto text, ReadFile(f.string()));
    ZX_ASSIGN_OR_RETURN(auto entries, ParseEntries(text, f.string()));
    for (auto& e : entries) {
      if (!ids.insert(e.id).second)
        return InvalidArgument(e.origin + ": entry id '" + e.id + "' is defined twice");
      kb.entries.push_back(std::move(e));
    }
  }
  ZX_RETURN_IF_ERROR(LoadOptional(fs::path(kb_dir) / "synonyms.tsv", ParseSynonyms, kb.synonyms));
  ZX_RETURN_IF_ERROR(
      LoadOptional(fs::path(kb_dir) / "departments.tsv", ParseDepartments, kb.departments));
  for (const auto& e : kb.entries)
    if (!kb.departments.empty() && e.department != "-" && !kb.departments.count(e.department))
      return InvalidArgument(e.origin + ": entry '" + e.id + "': department '" + e.department +
                             "' is not in departments.tsv");
  return kb;
}

Result<std::map<std::string, std::string>> LoadAreaNames(const std::string& kb_dir) {
  namespace fs = std::filesystem;
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(fs::path(kb_dir) / "entries", ec)) {
    if (f.path().extension() != ".toml") continue;
    ZX_ASSIGN_OR_RETURN(std::string text, ReadFile(f.path().string()));
    std::string line = text.substr(0, text.find('\n'));
    if (line.empty() || line[0] != '#') continue;
    std::string name = line.substr(1);
    for (const char* bracket : {"（", "(", "["}) name = name.substr(0, name.find(bracket));
    name = std::string(Trimmed(name));
    if (!name.empty()) out[f.path().stem().string()] = name;
  }
  return out;
}

HealthCheck CheckKnowledgeBase(const std::string& kb_dir) {
  auto kb = LoadKnowledgeBase(kb_dir);
  if (!kb.ok())
    return HealthCheck::Fail(
        kb.status().message(),
        "fix the file and line named, or point knowledge.kb_dir (--kb) at the knowledge base");
  return HealthCheck::Ok(kb_dir + " (" + std::to_string(kb->entries.size()) + " entries)");
}

}  // namespace zx::knowledge
