#include "knowledge/kb_export.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "text/table_writer.h"

namespace zx::knowledge {
namespace {

// A TOML basic string's body: quotes, backslashes and control characters escaped; newlines kept
// as they are when `multiline` (the answer reads as text in the file).
std::string Escape(std::string_view s, bool multiline) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += multiline ? "\n" : "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char u[8];
          std::snprintf(u, sizeof u, "\\u%04x", static_cast<unsigned char>(c));
          out += u;
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string Quoted(std::string_view s) { return "\"" + Escape(s, false) + "\""; }

std::string List(const std::vector<std::string>& items, bool one_per_line) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (one_per_line)
      out += "\n  " + Quoted(items[i]) + ",";
    else
      out += (i ? ", " : "") + Quoted(items[i]);
  }
  return out + (one_per_line && !items.empty() ? "\n]" : "]");
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : "\n") + s;
  return out;
}

Status WriteText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) return Internal("cannot write " + path.string());
  return Status::Ok();
}

}  // namespace

std::string EntriesToml(const std::vector<Entry>& entries, std::string_view area_name) {
  std::string out;
  if (!area_name.empty()) out += "# " + std::string(area_name) + "\n";
  for (const Entry& e : entries) {
    out += "\n[[entry]]\n";
    out += "id = " + Quoted(e.id) + "\n";
    out += "kind = " + Quoted(e.kind) + "\n";
    out += "department = " + Quoted(e.department) + "\n";
    out += "sla = " + Quoted(e.sla) + "\n";
    out += "title = " + Quoted(e.title) + "\n";
    out += "version = " + std::to_string(e.version) + "\n";
    out += "effective = " + Quoted(e.effective) + "\n";
    out += "source = " + Quoted(e.source) + "\n";
    // The newline after the opening quotes is dropped by TOML, the one before the closing
    // quotes by the loader's trim.
    out += "answer = \"\"\"\n" + Escape(e.answer, true) + "\n\"\"\"\n";
    out += "keywords = " + List(e.keywords, false) + "\n";
    out += "synonyms = " + List(e.synonyms, false) + "\n";
    out += "colloquial = " + List(e.colloquial, false) + "\n";
    out += "phrasings = " + List(e.phrasings, true) + "\n";
  }
  return out;
}

Result<std::vector<std::string>> ExportTomlDir(const KnowledgeBase& kb,
                                               const std::map<std::string, std::string>& area_names,
                                               const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "entries", ec);
  if (ec) return Internal("cannot create " + dir + "/entries: " + ec.message());
  std::map<std::string, std::vector<Entry>> by_area;
  for (const Entry& e : kb.entries) by_area[e.id.substr(0, e.id.find('.'))].push_back(e);
  std::vector<std::string> written;
  for (const auto& [area, entries] : by_area) {
    auto name = area_names.find(area);
    fs::path path = fs::path(dir) / "entries" / (area + ".toml");
    ZX_RETURN_IF_ERROR(
        WriteText(path, EntriesToml(entries, name == area_names.end() ? area : name->second)));
    written.push_back(path.string());
  }
  std::string synonyms = "canonical\tvariants\n";
  for (const auto& s : kb.synonyms) {
    std::string variants;
    for (const auto& v : s.variants) variants += (variants.empty() ? "" : "|") + v;
    synonyms += s.canonical + "\t" + variants + "\n";
  }
  std::string departments = "code\tname\n";
  for (const auto& [code, name] : kb.departments) departments += code + "\t" + name + "\n";
  const std::pair<std::string, std::string> tables[] = {{"synonyms.tsv", synonyms},
                                                        {"departments.tsv", departments}};
  for (const auto& [file, text] : tables) {
    ZX_RETURN_IF_ERROR(WriteText(fs::path(dir) / file, text));
    written.push_back((fs::path(dir) / file).string());
  }
  return written;
}

Result<std::string> EntriesXlsx(const KnowledgeBase& kb) {
  text::SheetTable t;
  t.name = "知识库";
  t.header = {"id",     "title",  "kind",     "department", "sla",        "version",  "effective",
              "source", "answer", "keywords", "synonyms",   "colloquial", "phrasings"};
  for (const Entry& e : kb.entries)
    t.rows.push_back({e.id, e.title, e.kind, e.department, e.sla, static_cast<double>(e.version),
                      e.effective, e.source, e.answer, Joined(e.keywords), Joined(e.synonyms),
                      Joined(e.colloquial), Joined(e.phrasings)});
  return text::WriteXlsx({t});
}

}  // namespace zx::knowledge
