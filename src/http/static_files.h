// Static files: the web pages (web/), served read-only from one directory.
//
//   AddStaticRoutes(router, "/chat", {.dir = "web/chat"}, "chat");
//   // GET /chat, /chat/ -> web/chat/index.html;  GET /chat/chat.js -> web/chat/chat.js
//
// Only the files directly in `dir` are served, by names of [A-Za-z0-9._-] that do not start
// with '.': no sub-directories, no "..", no percent-encoded slashes, no hidden files, no
// symbolic links and nothing but regular files, so no request reaches outside `dir`. Anything
// else answers 404 as a JSON error (http/errors.h) that does not echo the name.
//
// Each answer has the content type of the file's extension (UTF-8 for text), an ETag of the
// file's size and modification time, and `Cache-Control: no-cache` (browsers keep the file and
// revalidate: an unchanged file answers 304 to `If-None-Match`), so a new release shows at the
// next load. HTML pages also get a Content-Security-Policy that allows only this origin (no
// inline script, nothing from the network).
//
// Files are read on each request (they are small); thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/health_check.h"
#include "http/request.h"
#include "http/router.h"

namespace zx::http {

struct StaticOptions {
  std::string dir;                          // e.g. "web/chat", relative to the working directory
  std::string index = "index.html";         // what the prefix itself answers
  size_t max_file_bytes = 8 * 1024 * 1024;  // a larger file answers 500 (a deployment mistake)
};

// GET `prefix`, `prefix`/ and `prefix`/{file}, each with `permission`.
void AddStaticRoutes(Router& router, std::string_view prefix, StaticOptions options,
                     std::string_view permission);

// The answer for the file `name` (already percent-decoded) of `options.dir`: 200, 304 or 404.
Response ServeStaticFile(const StaticOptions& options, std::string_view name,
                         const Request& request);

// "text/html; charset=utf-8", "text/css; charset=utf-8", "text/javascript; charset=utf-8", ...;
// "application/octet-stream" for an unknown extension.
std::string_view ContentTypeFor(std::string_view name);

// The staff console (web/console, built by Vite into DIR/dist; docs/console.md): GET /console
// redirects to /console/ (the build's files are relative to it), /console/ and /console/{file}
// are DIR/dist's, with the same CSP as every page. While DIR/dist/index.html is missing,
// /console/ answers 503 with a page saying how to build it (checked on each request, so a build
// made while the server runs shows at the next load), and this logs that once, at start. The
// files hold no data (every API call checks its own permission): the open "system.health".
void AddConsoleRoutes(Router& router, const std::string& dir = "web/console");

// `zhixian doctor`'s check of the staff console's build under `dir` (run from the repository
// root): ok when DIR/dist/index.html exists; a warning, with the command that builds it, when
// not, or when there is no console at all (the chat page and the API work without it).
HealthCheck CheckConsoleBuild(const std::string& dir = "web/console");

}  // namespace zx::http
