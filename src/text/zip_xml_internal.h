// Zip archives of XML parts (XLSX workbooks, DOCX documents): one entry of the zip read in
// chunks, and expat fed piece by piece into a handler object. Shared by text/table_stream.cc and
// text/document_text.cc; private to the text module. Each object is used by one thread at a time.
#pragma once

#include <expat.h>
#include <minizip/unzip.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace zx::text::internal {

struct UnzipCloser {
  void operator()(void* z) const { unzClose(z); }
};

inline std::string_view LocalName(const char* qname) {
  std::string_view s(qname);
  size_t colon = s.rfind(':');
  return colon == std::string_view::npos ? s : s.substr(colon + 1);
}

inline const char* Attr(const char** attrs, std::string_view key) {
  for (size_t i = 0; attrs[i]; i += 2) {
    if (LocalName(attrs[i]) == key) return attrs[i + 1];
  }
  return nullptr;
}

// An expat parser fed piece by piece, calling a handler object's Start(name, attrs),
// End(name), Text(s).
template <typename Handler>
class XmlParser {
 public:
  XmlParser(Handler& h, std::string where)
      : p_(XML_ParserCreate("UTF-8"), &XML_ParserFree), where_(std::move(where)) {
    XML_SetUserData(p_.get(), &h);
    XML_SetElementHandler(
        p_.get(),
        [](void* u, const XML_Char* name, const XML_Char** attrs) {
          static_cast<Handler*>(u)->Start(LocalName(name), attrs);
        },
        [](void* u, const XML_Char* name) { static_cast<Handler*>(u)->End(LocalName(name)); });
    XML_SetCharacterDataHandler(p_.get(), [](void* u, const XML_Char* s, int len) {
      static_cast<Handler*>(u)->Text(std::string_view(s, static_cast<size_t>(len)));
    });
  }
  Status Feed(std::string_view xml, bool last) {
    if (XML_Parse(p_.get(), xml.data(), static_cast<int>(xml.size()), last) == XML_STATUS_ERROR) {
      return InvalidArgument(where_ + ": malformed XML at line " +
                             std::to_string(XML_GetCurrentLineNumber(p_.get())) + ": " +
                             XML_ErrorString(XML_GetErrorCode(p_.get())));
    }
    return Status::Ok();
  }

 private:
  std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> p_;
  std::string where_;
};

// One entry of the zip, read in chunks.
class ZipEntryReader {
 public:
  // kNotFound when the workbook has no such entry.
  static Result<std::unique_ptr<ZipEntryReader>> Open(unzFile zip, const std::string& entry,
                                                      const std::string& name) {
    if (unzLocateFile(zip, entry.c_str(), 0) != UNZ_OK) {
      return NotFound(name + ": no " + entry + " inside (not an XLSX workbook?)");
    }
    if (unzOpenCurrentFile(zip) != UNZ_OK) {
      return InvalidArgument(name + ": cannot read " + entry + " inside the workbook");
    }
    auto r = std::unique_ptr<ZipEntryReader>(new ZipEntryReader());
    r->zip_ = zip;
    r->what_ = name + ": " + entry;
    return r;
  }
  ~ZipEntryReader() {
    if (open_) unzCloseCurrentFile(zip_);
  }
  // The next chunk; empty at the end.
  Result<std::string_view> Read() {
    if (!open_) return std::string_view();
    int got = unzReadCurrentFile(zip_, buf_, sizeof buf_);
    if (got < 0) return InvalidArgument(what_ + " inside the workbook is damaged");
    if (got == 0) {
      open_ = false;
      if (unzCloseCurrentFile(zip_) != UNZ_OK) {
        return InvalidArgument(what_ + " inside the workbook is damaged");
      }
    }
    read_ += static_cast<uint64_t>(got);
    return std::string_view(buf_, static_cast<size_t>(got));
  }
  uint64_t read() const { return read_; }

 private:
  ZipEntryReader() = default;
  unzFile zip_ = nullptr;
  bool open_ = true;
  std::string what_;
  uint64_t read_ = 0;
  char buf_[65536];
};

// A whole entry through `handler`; kNotFound when there is no such entry.
template <typename Handler>
Status ParseEntry(unzFile zip, const std::string& entry, const std::string& name, Handler& h) {
  ZX_ASSIGN_OR_RETURN(auto reader, ZipEntryReader::Open(zip, entry, name));
  XmlParser<Handler> parser(h, name + " (" + entry + ")");
  for (;;) {
    ZX_ASSIGN_OR_RETURN(std::string_view chunk, reader->Read());
    ZX_RETURN_IF_ERROR(parser.Feed(chunk, chunk.empty()));
    if (chunk.empty()) return Status::Ok();
  }
}

}  // namespace zx::text::internal
