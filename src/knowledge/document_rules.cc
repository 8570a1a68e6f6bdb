#include "knowledge/document_rules.h"

#include "base/file.h"
#include "base/toml_file.h"
#include "text/utf8.h"

namespace zx::knowledge {
namespace {

std::wstring Wide(std::string_view utf8) {
  std::wstring out;
  for (char32_t c : text::utf8::Decode(utf8).cp) out.push_back(static_cast<wchar_t>(c));
  return out;
}

std::string Narrow(const std::wstring& wide) {
  std::string out;
  for (wchar_t c : wide) text::utf8::AppendUtf8(static_cast<char32_t>(c), &out);
  return out;
}

// Reads the tables and keys of the rules file, naming the file and line of what is wrong.
class RulesReader {
 public:
  RulesReader(const toml::table& doc, std::string origin) : doc_(doc), origin_(std::move(origin)) {}

  Status Patterns(std::string_view table, std::string_view key, std::vector<DocumentPattern>* out,
                  bool required = true) {
    const toml::node* n = doc_.at_path(std::string(table) + "." + std::string(key)).node();
    std::string name = std::string(table) + "." + std::string(key);
    if (!n) {
      if (required) return InvalidArgument(origin_ + ": " + name + " is missing");
      return Status::Ok();
    }
    std::vector<const toml::node*> items;
    if (n->is_string()) {
      items.push_back(n);
    } else if (const toml::array* a = n->as_array()) {
      for (const toml::node& item : *a) items.push_back(&item);
    } else {
      return InvalidArgument(Where(*n) + ": " + name + " must be a pattern or a list of patterns");
    }
    out->clear();
    for (const toml::node* item : items) {
      auto s = item->value<std::string>();
      if (!s) return InvalidArgument(Where(*item) + ": " + name + " must hold strings");
      ZX_ASSIGN_OR_RETURN(DocumentPattern p,
                          DocumentPattern::Compile(*s, Where(*item) + ": " + name));
      out->push_back(std::move(p));
    }
    return Status::Ok();
  }

  template <typename N>
  Status Number(std::string_view table, std::string_view key, N min, N max, N* out) {
    const toml::node* n = doc_.at_path(std::string(table) + "." + std::string(key)).node();
    if (!n) return Status::Ok();
    std::string name = std::string(table) + "." + std::string(key);
    std::optional<double> v =
        n->is_integer() ? std::optional<double>(*n->value<int64_t>()) : n->value<double>();
    if (!v || *v < static_cast<double>(min) || *v > static_cast<double>(max)) {
      return InvalidArgument(Where(*n) + ": " + name + " must be a number from " +
                             std::to_string(min) + " to " + std::to_string(max));
    }
    *out = static_cast<N>(*v);
    return Status::Ok();
  }

 private:
  std::string Where(const toml::node& n) const { return TomlWhere(origin_, n.source()); }
  const toml::table& doc_;
  std::string origin_;
};

}  // namespace

Result<DocumentPattern> DocumentPattern::Compile(const std::string& pattern,
                                                 const std::string& where) {
  DocumentPattern p;
  try {
    p.re_ = std::make_shared<const std::wregex>(Wide(pattern), std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return InvalidArgument(where + ": not a valid pattern '" + pattern + "': " + e.what());
  }
  return p;
}

bool DocumentPattern::Search(std::u32string_view text, std::vector<std::string>* groups) const {
  std::wstring wide(text.begin(), text.end());
  std::wsmatch m;
  bool found = false;
  try {
    found = std::regex_search(wide, m, *re_);
  } catch (const std::regex_error&) {
    return false;  // too complex for this text: no match rather than a crash
  }
  if (found && groups) {
    groups->clear();
    for (size_t i = 0; i < m.size(); ++i) groups->push_back(m[i].matched ? Narrow(m[i].str()) : "");
  }
  return found;
}

bool DocumentPattern::Search(std::string_view utf8, std::vector<std::string>* groups) const {
  std::vector<char32_t> cp = text::utf8::Decode(utf8).cp;
  return Search(std::u32string_view(cp.data(), cp.size()), groups);
}

Result<DocumentRules> ParseDocumentRules(std::string_view toml_text, const std::string& origin) {
  ZX_ASSIGN_OR_RETURN(toml::table doc, ParseToml(toml_text, origin));
  RulesReader r(doc, origin);
  DocumentRules rules;
  ZX_RETURN_IF_ERROR(r.Number("split", "min_sections", 1, 100, &rules.min_sections));
  ZX_RETURN_IF_ERROR(r.Patterns("split", "headings", &rules.headings));
  ZX_RETURN_IF_ERROR(r.Patterns("split", "chapters", &rules.chapters, false));
  ZX_RETURN_IF_ERROR(r.Number("split", "max_title", 4, 200, &rules.max_title));
  ZX_RETURN_IF_ERROR(r.Patterns("split", "skip", &rules.skip, false));
  ZX_RETURN_IF_ERROR(r.Patterns("split", "furniture", &rules.furniture, false));
  ZX_RETURN_IF_ERROR(r.Patterns("title", "patterns", &rules.title));
  ZX_RETURN_IF_ERROR(r.Patterns("title", "short", &rules.short_title, false));
  ZX_RETURN_IF_ERROR(r.Patterns("source", "header", &rules.source_header, false));
  ZX_RETURN_IF_ERROR(r.Patterns("source", "signature", &rules.source_signature, false));
  ZX_RETURN_IF_ERROR(r.Patterns("doc_number", "patterns", &rules.doc_number));
  ZX_RETURN_IF_ERROR(r.Patterns("effective", "patterns", &rules.effective));
  ZX_RETURN_IF_ERROR(r.Patterns("effective", "from_issue", &rules.from_issue, false));
  ZX_RETURN_IF_ERROR(r.Patterns("effective", "issue_date", &rules.issue_date, false));
  ZX_RETURN_IF_ERROR(r.Patterns("tail", "patterns", &rules.tail, false));
  ZX_RETURN_IF_ERROR(r.Number("overlaps", "min_confidence", 0.0, 1.0, &rules.min_overlap));
  ZX_RETURN_IF_ERROR(r.Number("overlaps", "max", 0, 20, &rules.max_overlaps));
  return rules;
}

Result<DocumentRules> LoadDocumentRules(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return InvalidArgument(text.status().message());
  return ParseDocumentRules(*text, path);
}

}  // namespace zx::knowledge
