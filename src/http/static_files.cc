#include "http/static_files.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "base/log.h"
#include "http/errors.h"

namespace zx::http {
namespace {

namespace fs = std::filesystem;

constexpr char kHtmlPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

bool SafeName(std::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

Response NotFoundResponse() { return ErrorResponse(NotFound("no such page or file")); }

// Whether `if_none_match` (a list of entity tags, or "*") has `etag`.
bool Matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.find('*') != std::string_view::npos) return true;
  auto strip_weak = [](std::string_view t) { return t.substr(0, 2) == "W/" ? t.substr(2) : t; };
  std::string_view want = strip_weak(etag);
  while (!if_none_match.empty()) {
    size_t comma = if_none_match.find(',');
    std::string_view tag = if_none_match.substr(0, comma);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (strip_weak(tag) == want) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::string_view ContentTypeFor(std::string_view name) {
  size_t dot = name.rfind('.');
  std::string ext(dot == std::string_view::npos ? "" : name.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; });
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"json", "application/json"},
      {"webmanifest", "application/manifest+json"},
      {"txt", "text/plain; charset=utf-8"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"woff2", "font/woff2"},
      {"woff", "font/woff"},
      {"wav", "audio/wav"},
      {"mp3", "audio/mpeg"},
  };
  for (const auto& [e, type] : kTypes)
    if (e == ext) return type;
  return "application/octet-stream";
}

Response ServeStaticFile(const StaticOptions& options, std::string_view name,
                         const Request& request) {
  if (!SafeName(name) || options.dir.empty()) return NotFoundResponse();
  fs::path path = fs::path(options.dir) / std::string(name);
  std::error_code ec;
  // symlink_status: a symbolic link is not followed, so it cannot lead out of the directory.
  fs::file_status st = fs::symlink_status(path, ec);
  if (ec || !fs::is_regular_file(st)) return NotFoundResponse();
  uintmax_t size = fs::file_size(path, ec);
  if (ec) return NotFoundResponse();
  auto mtime = fs::last_write_time(path, ec);
  if (ec) return NotFoundResponse();
  if (size > options.max_file_bytes) {
    log::Error("static_file_too_large file={} bytes={} limit={}", path.string(), size,
               options.max_file_bytes);
    return ErrorResponse(Internal("the file is too large to serve"));
  }
  auto ticks = std::chrono::duration_cast<std::chrono::nanoseconds>(mtime.time_since_epoch());
  std::ostringstream etag_text;
  etag_text << "W/\"" << std::hex << size << "-" << ticks.count() << "\"";
  std::string etag = etag_text.str();

  Response res;
  res.headers.emplace_back("ETag", etag);
  res.headers.emplace_back("Cache-Control", "no-cache");
  std::string_view type = ContentTypeFor(name);
  if (type.rfind("text/html", 0) == 0)
    res.headers.emplace_back("Content-Security-Policy", kHtmlPolicy);
  if (Matches(request.Header("If-None-Match"), etag)) {
    res.status = 304;
    res.content_type.clear();
    return res;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundResponse();
  std::string body(static_cast<size_t>(size), '\0');
  in.read(body.data(), static_cast<std::streamsize>(size));
  body.resize(static_cast<size_t>(in.gcount()));
  res.status = 200;
  res.content_type = std::string(type);
  res.body = std::move(body);
  return res;
}

void AddStaticRoutes(Router& router, std::string_view prefix, StaticOptions options,
                     std::string_view permission) {
  std::string base(prefix);
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::error_code ec;
  if (!fs::is_directory(options.dir, ec))
    log::Warn("static_dir_missing dir={} prefix={} (run from the repository root)", options.dir,
              base);
  auto index = [options](const Request& req) {
    return ServeStaticFile(options, options.index, req);
  };
  router.Add("GET", base.empty() ? "/" : base, permission, index);
  if (!base.empty()) router.Add("GET", base + "/", permission, index);
  router.Add("GET", base + "/{file}", permission, [options](const Request& req) {
    return ServeStaticFile(options, req.PathParam("file"), req);
  });
}

void AddConsoleRoutes(Router& router, const std::string& dir) {
  StaticOptions options{.dir = (fs::path(dir) / "dist").string()};
  std::error_code ec;
  if (!fs::exists(fs::path(options.dir) / options.index, ec))
    log::Warn("console_not_built dir={} (cd {} && npm ci && npm run build; scripts/run.sh does)",
              options.dir, dir);
  constexpr std::string_view kPermission = "system.health";
  router.Add("GET", "/console", kPermission, [](const Request&) {
    Response res;
    res.status = 301;
    res.headers.emplace_back("Location", "/console/");
    return res;
  });
  auto page = [options, dir](const Request& req) {
    std::error_code missing;
    if (fs::exists(fs::path(options.dir) / options.index, missing))
      return ServeStaticFile(options, options.index, req);
    Response res;
    res.status = 503;
    res.content_type = "text/html; charset=utf-8";
    res.headers.emplace_back("Content-Security-Policy", kHtmlPolicy);
    res.headers.emplace_back("Cache-Control", "no-store");
    res.body =
        "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>工作台尚未构建"
        "</title><h1>工作台尚未构建 (the staff console is not built)</h1><p>在仓库根目录运行"
        " / run from the repository root: <code>(cd " +
        dir +
        " &amp;&amp; npm ci &amp;&amp; npm run build)</code>，或 / or "
        "<code>scripts/run.sh</code>，然后刷新本页 / then reload this page.</p></html>";
    return res;
  };
  router.Add("GET", "/console/", kPermission, page);
  router.Add("GET", "/console/index.html", kPermission, page);
  router.Add("GET", "/console/{file}", kPermission, [options](const Request& req) {
    return ServeStaticFile(options, req.PathParam("file"), req);
  });
}

HealthCheck CheckConsoleBuild(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(fs::path(dir) / "dist" / "index.html", ec))
    return HealthCheck::Ok(dir + "/dist is built");
  if (fs::exists(dir, ec))
    return HealthCheck::Warn(dir + "/dist is not built",
                             "(cd " + dir + " && npm ci && npm run build)");
  return HealthCheck::Warn(
      "no staff console here (" + dir + "); the chat page and the API work without it",
      "run zhixian from the repository root to serve web/");
}

}  // namespace zx::http
