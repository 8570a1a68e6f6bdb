#include "http/campaign_routes.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "campaigns/campaign_text.h"
#include "http/body_json.h"
#include "http/campaign_json.h"
#include "http/errors.h"
#include "http/record_access.h"
#include "http/utf8.h"
#include "text/table_writer.h"

namespace zx::http {
namespace {

using campaigns::Campaign;
using campaigns::Campaigns;
using nlohmann::ordered_json;

constexpr char kManage[] = "campaign.manage";
constexpr char kExport[] = "report.export";
constexpr char kObject[] = "campaign";
constexpr char kXlsxType[] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
constexpr char kUploadPrefix[] = "campaign-upload-";

std::string Dump(const ordered_json& j) {
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

Response JsonResponse(int status, const ordered_json& j) {
  Response r;
  r.status = status;
  r.body = Dump(j);
  return r;
}

Status Param(const std::string& name, const std::string& why) {
  return InvalidArgument("query parameter " + name + " " + why);
}

// A whole number in [min, max] from the query, or `fallback` when absent.
Result<int64_t> IntParam(const Request& req, const char* name, int64_t fallback, int64_t min,
                         int64_t max) {
  auto v = req.Query(name);
  if (!v || v->empty()) return fallback;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size() || n < min || n > max)
    return Param(
        name, "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  return n;
}

// YYYY-MM-DD or absent ("").
Result<std::string> DateParam(const Request& req, const char* name) {
  auto v = req.Query(name);
  if (!v || v->empty()) return std::string();
  bool ok = v->size() == 10 && (*v)[4] == '-' && (*v)[7] == '-';
  for (size_t i = 0; ok && i < v->size(); ++i)
    if (i != 4 && i != 7) ok = (*v)[i] >= '0' && (*v)[i] <= '9';
  if (!ok) return Param(name, "must be a date YYYY-MM-DD");
  return std::string(*v);
}

// A short text parameter: valid UTF-8, no control characters, 1..max bytes (or absent: "").
Result<std::string> TextParam(const Request& req, const char* name, size_t max, bool required) {
  auto v = req.Query(name);
  std::string s = v ? std::string(TrimBlank(*v)) : std::string();
  if (s.empty()) {
    if (required) return Param(name, "is required");
    return s;
  }
  if (FindInvalidUtf8(s)) return Param(name, "is not valid UTF-8");
  if (s.size() > max) return Param(name, "is longer than " + std::to_string(max) + " bytes");
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return Param(name, "must not hold control characters");
  return s;
}

// "30,120": whole numbers, comma-separated; nullopt when not.
std::optional<std::vector<int>> WholeNumbers(std::string_view s) {
  std::vector<int> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) comma = s.size();
    std::string_view part = TrimBlank(s.substr(start, comma - start));
    int n = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), n);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size()) return std::nullopt;
    out.push_back(n);
    start = comma + 1;
  }
  return out;
}

Status RuleField(const char* name, const std::string& why) {
  return InvalidArgument(std::string("field \"") + name + "\" " + why);
}

// A campaign's rules from the query of POST /campaigns (hours, working_days_only, max_attempts,
// retry_after_min, concurrent, pace_per_s); a parameter left out takes the configuration's.
// The engine checks the values against the configuration (CampaignRulesFrom).
Result<campaigns::CampaignRulesInput> RulesFromQuery(const Request& req) {
  campaigns::CampaignRulesInput in;
  ZX_ASSIGN_OR_RETURN(std::string hours, TextParam(req, "hours", 200, false));
  if (!hours.empty()) in.hours = hours;
  if (auto v = req.Query("working_days_only"); v && !v->empty()) {
    if (*v != "true" && *v != "false" && *v != "1" && *v != "0")
      return Param("working_days_only", "must be true or false");
    in.working_days_only = *v == "true" || *v == "1";
  }
  for (auto [name, field] :
       {std::pair{"max_attempts", &in.max_attempts}, std::pair{"concurrent", &in.concurrent}}) {
    if (auto v = req.Query(name); v && !v->empty()) {
      ZX_ASSIGN_OR_RETURN(int64_t n, IntParam(req, name, 0, 0, 1000000));
      *field = static_cast<int>(n);
    }
  }
  if (auto v = req.Query("retry_after_min"); v && !v->empty()) {
    in.retry_after_min = WholeNumbers(*v);
    if (!in.retry_after_min) return Param("retry_after_min", "must be minutes such as 30,120");
  }
  if (auto v = req.Query("pace_per_s"); v && !v->empty()) {
    double pace = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), pace);
    if (ec != std::errc() || end != v->data() + v->size())
      return Param("pace_per_s", "must be a number of calls a second such as 0.5");
    in.pace_per_s = pace;
  }
  return in;
}

// The body of PUT /campaigns/{id}/rules: {"hours": "09:00-12:00,14:00-18:00" (or a list),
// "working_days_only", "max_attempts", "retry_after_min": [30, 120], "concurrent",
// "pace_per_s"}; a field absent or null takes the configuration's; {} clears the campaign's.
Result<campaigns::CampaignRulesInput> RulesFromBody(std::string_view body) {
  static constexpr std::string_view kExample =
      R"({"hours": "09:00-12:00", "max_attempts": 2, "retry_after_min": [60]})";
  ZX_ASSIGN_OR_RETURN(nlohmann::json j, JsonObject(body, kExample));
  campaigns::CampaignRulesInput in;
  for (const auto& [key, v] : j.items()) {
    if (v.is_null()) continue;
    if (key == "hours") {
      std::string hours;
      if (v.is_string()) {
        hours = v.get<std::string>();
      } else if (v.is_array() && !v.empty()) {
        for (const auto& w : v) {
          if (!w.is_string())
            return RuleField("hours", "must list windows such as \"09:00-12:00\"");
          hours += (hours.empty() ? "" : ",") + w.get<std::string>();
        }
      } else {
        return RuleField("hours", "must be windows such as \"09:00-12:00,14:00-18:00\"");
      }
      if (hours.size() > 200) return RuleField("hours", "is longer than 200 bytes");
      in.hours = hours;
    } else if (key == "working_days_only") {
      if (!v.is_boolean()) return RuleField("working_days_only", "must be true or false");
      in.working_days_only = v.get<bool>();
    } else if (key == "max_attempts" || key == "concurrent") {
      if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > 1000000)
        return RuleField(key == "concurrent" ? "concurrent" : "max_attempts",
                         "must be a whole number");
      (key == "concurrent" ? in.concurrent : in.max_attempts) = v.get<int>();
    } else if (key == "retry_after_min") {
      if (v.is_string()) {
        in.retry_after_min = WholeNumbers(v.get<std::string>());
      } else if (v.is_array()) {
        std::vector<int> waits;
        for (const auto& m : v) {
          if (!m.is_number_integer() || m.get<int64_t>() < 0 || m.get<int64_t>() > 1000000) {
            waits.clear();
            break;
          }
          waits.push_back(m.get<int>());
        }
        if (!waits.empty()) in.retry_after_min = std::move(waits);
      }
      if (!in.retry_after_min)
        return RuleField("retry_after_min", "must be a list of minutes such as [30, 120]");
    } else if (key == "pace_per_s") {
      if (!v.is_number()) return RuleField("pace_per_s", "must be a number of calls a second");
      in.pace_per_s = v.get<double>();
    } else if (key != "own") {  // "own" as GET shows it: ignored
      return InvalidArgument("unknown field \"" + key +
                             "\": send hours, working_days_only, max_attempts, retry_after_min, "
                             "concurrent, pace_per_s");
    }
  }
  return in;
}

ordered_json RulesAudit(const Campaign& c) { return CampaignOwnRulesJson(c.rules, c.own_rules); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A target file sent as the request body, waiting in DATA/tmp while it is imported; removed
// when this goes out of scope.
class Upload {
 public:
  Upload() = default;
  Upload(const Upload&) = delete;
  Upload& operator=(const Upload&) = delete;
  ~Upload() {
    if (!path_.empty()) std::filesystem::remove(path_, ignored_);
  }

  // The file of the request: its type from Content-Type (or the file name), its name as the
  // reports show it from ?file= (default upload.csv / upload.xlsx).
  Status Save(const Request& req, const std::string& data_dir) {
    std::string_view content_type = req.Header("Content-Type");
    std::string type = Lower(TrimBlank(content_type.substr(0, content_type.find(';'))));
    ZX_ASSIGN_OR_RETURN(std::string file, TextParam(req, "file", 128, false));
    if (auto slash = file.find_last_of("/\\"); slash != std::string::npos)
      file = file.substr(slash + 1);
    std::string lower = Lower(file);
    if (type == "text/csv" || type == "application/csv") {
      extension_ = ".csv";
    } else if (type == kXlsxType) {
      extension_ = ".xlsx";
    } else if (type == "application/octet-stream" &&
               (EndsWith(lower, ".csv") || EndsWith(lower, ".xlsx"))) {
      extension_ = EndsWith(lower, ".csv") ? ".csv" : ".xlsx";
    } else {
      unsupported_ = true;
      return InvalidArgument(std::string("send the target file as the body with Content-Type "
                                         "text/csv or ") +
                             kXlsxType);
    }
    if (req.body.empty())
      return InvalidArgument("the request body must be the target file (CSV or XLSX)");
    display_ = file.empty() ? "upload" + extension_ : file;

    std::filesystem::path dir = std::filesystem::path(data_dir) / "tmp";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string name = kUploadPrefix;
    for (uint64_t v = rng(), i = 0; i < 16; ++i, v >>= 4) name += kHex[v & 15];
    std::string path = (dir / (name + extension_)).string();
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      log::Error("campaign.upload_failed dir={} error=\"{}\"", dir.string(), std::strerror(errno));
      return Unavailable("the upload could not be stored in the data directory; try again");
    }
    path_ = path;  // removed from now on, whatever happens
    size_t done = 0;
    while (done < req.body.size()) {
      ssize_t n = ::write(fd, req.body.data() + done, req.body.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    bool closed = ::close(fd) == 0;
    if (done != req.body.size() || !closed) {
      log::Error("campaign.upload_failed dir={} error=\"{}\"", dir.string(), std::strerror(errno));
      return Unavailable("the upload could not be stored in the data directory; try again");
    }
    return Status::Ok();
  }

  campaigns::CampaignFile File(std::string as_of) const {
    return {.path = path_, .display_name = display_, .dnc_path = "", .as_of = std::move(as_of)};
  }

  // An error of the import as the client may read it: the temporary file named as it was sent.
  Status Named(const Status& s) const {
    if (path_.empty() || s.ok()) return s;
    std::string message = s.message();
    for (const std::string& name : {path_, std::filesystem::path(path_).filename().string()}) {
      for (size_t at = message.find(name); at != std::string::npos;
           at = message.find(name, at + display_.size()))
        message.replace(at, name.size(), display_);
    }
    return Status(s.code(), message);
  }

  bool unsupported() const { return unsupported_; }
  const std::string& display() const { return display_; }

 private:
  std::string path_;
  std::string extension_;
  std::string display_;
  bool unsupported_ = false;
  std::error_code ignored_;
};

// Uploads a killed process left behind hold personal data in clear: remove them.
void RemoveLeftUploads(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::path(data_dir) / "tmp";
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (it->path().filename().string().rfind(kUploadPrefix, 0) != 0) continue;
    std::error_code removed;
    std::filesystem::remove(it->path(), removed);
    log::Warn("campaign.upload_removed file={} (left by a stopped process)",
              it->path().filename().string());
  }
}

class CampaignRoutes {
 public:
  CampaignRoutes(Campaigns& campaigns, security::AuditLog& audit, std::string data_dir,
                 CampaignRouteOptions options)
      : campaigns_(campaigns), guard_(&audit), data_dir_(std::move(data_dir)), options_(options) {}

  // Who acts, as the work orders name them: "u:12", "k:<key id>".
  static std::string Actor(const Request& req) { return req.principal.id; }

  // POST /campaigns and POST /campaigns/{id}/files.
  Response Import(const Request& req, bool add) const {
    Upload upload;
    auto result = [&]() -> Result<ordered_json> {
      std::string name;
      campaigns::CampaignRulesInput rules;
      if (!add) {
        ZX_ASSIGN_OR_RETURN(name, TextParam(req, "name", 200, true));
        ZX_ASSIGN_OR_RETURN(rules, RulesFromQuery(req));
      }
      ZX_ASSIGN_OR_RETURN(std::string as_of, DateParam(req, "as_of"));
      std::string id(req.PathParam("id"));
      if (add) {
        ZX_RETURN_IF_ERROR(campaigns_.Get(id).status());
      }
      ZX_RETURN_IF_ERROR(upload.Save(req, data_dir_));
      auto made = add ? campaigns_.AddFile(id, upload.File(as_of), Actor(req))
                      : campaigns_.Create(name, upload.File(as_of), Actor(req), rules);
      if (!made.ok()) return upload.Named(made.status());
      ordered_json details = {{"file", upload.display()},
                              {"bytes", req.body.size()},
                              {"records", made->report.records},
                              {"added", made->added}};
      if (!add && made->campaign.own_rules) details["rules"] = RulesAudit(made->campaign);
      ZX_RETURN_IF_ERROR(guard_.Record(req, add ? "campaign.file" : "campaign.create", kObject,
                                       made->campaign.id, Dump(details)));
      return CampaignCreatedJson(*made);
    }();
    if (!result.ok()) {
      if (upload.unsupported()) return ErrorResponse(result.status(), 415);
      return ErrorResponse(result.status());
    }
    return JsonResponse(add ? 200 : 201, *result);
  }

  // POST /campaigns/{id}/start|pause|resume|cancel: recorded, then done.
  Response Control(const Request& req, const std::string& action) const {
    std::string id(req.PathParam("id"));
    auto result = [&]() -> Result<ordered_json> {
      ZX_ASSIGN_OR_RETURN(Campaign before, campaigns_.Get(id));
      ZX_RETURN_IF_ERROR(
          guard_.Record(req, "campaign." + action, kObject, id,
                        Dump({{"from", campaigns::CampaignStateName(before.state)}})));
      std::string actor = Actor(req);
      Result<Campaign> after = action == "start"    ? campaigns_.Start(id, actor)
                               : action == "pause"  ? campaigns_.Pause(id, actor)
                               : action == "resume" ? campaigns_.Resume(id, actor)
                                                    : campaigns_.Cancel(id, actor);
      if (!after.ok()) return after.status();
      return ordered_json{{"campaign", CampaignJson(*after)}};
    }();
    if (!result.ok()) return ErrorResponse(result.status());
    return JsonResponse(200, *result);
  }

  // PUT /campaigns/{id}/rules: recorded (the rules asked for), then set while draft or paused.
  Response SetRules(const Request& req) const {
    std::string id(req.PathParam("id"));
    auto result = [&]() -> Result<ordered_json> {
      ZX_ASSIGN_OR_RETURN(campaigns::CampaignRulesInput rules, RulesFromBody(req.body));
      ZX_ASSIGN_OR_RETURN(Campaign before, campaigns_.Get(id));
      ZX_RETURN_IF_ERROR(
          guard_.Record(req, "campaign.rules", kObject, id,
                        Dump({{"from", campaigns::CampaignStateName(before.state)},
                              {"before", RulesAudit(before)},
                              {"body", nlohmann::ordered_json::parse(req.body, nullptr, false)}})));
      ZX_ASSIGN_OR_RETURN(Campaign after, campaigns_.SetRules(id, rules, Actor(req)));
      return ordered_json{{"campaign", CampaignJson(after)}};
    }();
    if (!result.ok()) return ErrorResponse(result.status());
    return JsonResponse(200, *result);
  }

  Response List(const Request& req) const {
    auto result = [&]() -> Result<ordered_json> {
      ZX_ASSIGN_OR_RETURN(int64_t limit, IntParam(req, "limit", 100, 1, 1000));
      ZX_ASSIGN_OR_RETURN(std::vector<Campaign> list, campaigns_.List(limit));
      ordered_json rows = ordered_json::array();
      for (const Campaign& c : list) rows.push_back(CampaignJson(c));
      return ordered_json{{"campaigns", std::move(rows)}};
    }();
    if (!result.ok()) return ErrorResponse(result.status());
    return JsonResponse(200, *result);
  }

  Response Rules() const {
    return JsonResponse(200, CampaignRulesJson(campaigns_, campaigns_.NowUnixMillis()));
  }

  Response Get(const Request& req) const {
    std::string id(req.PathParam("id"));
    auto result = [&]() -> Result<ordered_json> {
      ZX_ASSIGN_OR_RETURN(Campaign c, campaigns_.Get(id));
      ZX_ASSIGN_OR_RETURN(campaigns::CampaignFigures f, campaigns_.Figures(id));
      return ordered_json{{"campaign", CampaignJson(c)}, {"figures", CampaignFiguresJson(f)}};
    }();
    if (!result.ok()) return ErrorResponse(result.status());
    return JsonResponse(200, *result);
  }

  Response Targets(const Request& req) const {
    std::string id(req.PathParam("id"));
    auto result = [&]() -> Result<ordered_json> {
      campaigns::TargetQuery q;
      ZX_ASSIGN_OR_RETURN(q.state, TextParam(req, "state", 16, false));
      if (!q.state.empty() && q.state != "waiting" && q.state != "calling" && q.state != "done")
        return Param("state", "must be waiting, calling or done");
      ZX_ASSIGN_OR_RETURN(q.outcome, TextParam(req, "outcome", 32, false));
      for (char c : q.outcome)
        if (!((c >= 'a' && c <= 'z') || c == '_'))
          return Param("outcome", "must be an outcome such as confirmed or no_answer");
      ZX_ASSIGN_OR_RETURN(q.offset, IntParam(req, "offset", 0, 0, INT64_C(1) << 40));
      ZX_ASSIGN_OR_RETURN(q.limit, IntParam(req, "limit", 50, 1, 1000));
      ZX_ASSIGN_OR_RETURN(campaigns::TargetPage page, campaigns_.Targets(id, q));
      ZX_RETURN_IF_ERROR(guard_.Record(req, "campaign.targets", kObject, id,
                                       Dump({{"state", q.state},
                                             {"outcome", q.outcome},
                                             {"offset", q.offset},
                                             {"rows", page.rows.size()}})));
      ordered_json rows = ordered_json::array();
      for (const auto& t : page.rows) rows.push_back(TargetJson(t));
      return ordered_json{
          {"total", page.total}, {"offset", q.offset}, {"limit", q.limit}, {"rows", rows}};
    }();
    if (!result.ok()) return ErrorResponse(result.status());
    return JsonResponse(200, *result);
  }

  // One target by its number in the file: the page of one row at seq - 1 (targets are numbered
  // 1.. in the order of the file, and listed in that order).
  Response Target(const Request& req) const {
    std::string id(req.PathParam("id"));
    std::string_view seq_text = req.PathParam("seq");
    auto result = [&]() -> Result<ordered_json> {
      int64_t seq = 0;
      auto [end, ec] = std::from_chars(seq_text.data(), seq_text.data() + seq_text.size(), seq);
      if (ec != std::errc() || end != seq_text.data() + seq_text.size() || seq < 1)
        return InvalidArgument("path parameter seq must be a whole number from 1");
      campaigns::TargetQuery q;
      q.offset = seq - 1;
      q.limit = 1;
      ZX_ASSIGN_OR_RETURN(campaigns::TargetPage page, campaigns_.Targets(id, q));
      if (page.rows.empty() || page.rows[0].seq != seq)
        return NotFound("campaign " + id + " has no target " + std::to_string(seq));
      ZX_ASSIGN_OR_RETURN(std::vector<campaigns::AttemptView> attempts,
                          campaigns_.Attempts(id, seq));
      ZX_RETURN_IF_ERROR(guard_.Record(req, "campaign.target.read", "campaign_target",
                                       id + ":" + std::to_string(seq),
                                       Dump({{"attempts", attempts.size()}})));
      ordered_json list = ordered_json::array();
      for (const auto& a : attempts) list.push_back(AttemptJson(a));
      return ordered_json{{"target", TargetJson(page.rows[0])}, {"attempts", std::move(list)}};
    }();
    if (!result.ok()) return ErrorResponse(result.status());
    return JsonResponse(200, *result);
  }

  Response Export(const Request& req) const {
    std::string id(req.PathParam("id"));
    auto result = [&]() -> Result<Response> {
      auto format = req.Query("format");
      std::string f = format && !format->empty() ? std::string(*format) : "xlsx";
      if (f != "xlsx" && f != "csv") return Param("format", "must be xlsx or csv");
      ZX_RETURN_IF_ERROR(campaigns_.Get(id).status());
      int64_t total = 0;
      ZX_ASSIGN_OR_RETURN(std::vector<campaigns::TargetView> rows,
                          campaigns::AllTargets(campaigns_, id, options_.max_export_rows, &total));
      ZX_RETURN_IF_ERROR(
          guard_.Record(req, "campaign.export", kObject, id,
                        Dump({{"format", f}, {"rows", rows.size()}, {"total", total}})));
      text::SheetTable table = campaigns::CampaignTargetsTable(rows);
      Response r;
      if (f == "csv") {
        r.body = text::WriteCsv(table);
        r.content_type = "text/csv; charset=utf-8";
      } else {
        ZX_ASSIGN_OR_RETURN(r.body, text::WriteXlsx({table}));
        r.content_type = kXlsxType;
      }
      // The id is [A-Z0-9-] as the engine makes it; anything else is left out of the name.
      std::string stem;
      for (char c : id)
        if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-')
          stem += c;
      r.headers.emplace_back("Content-Disposition",
                             "attachment; filename=\"" + stem + "-targets." + f + "\"");
      return r;
    }();
    if (!result.ok()) return ErrorResponse(result.status());
    return std::move(*result);
  }

 private:
  Campaigns& campaigns_;
  RecordGuard guard_;
  std::string data_dir_;
  CampaignRouteOptions options_;
};

}  // namespace

void AddCampaignRoutes(Router& router, Campaigns& campaigns, security::AuditLog& audit,
                       const std::string& data_dir, CampaignRouteOptions options) {
  RemoveLeftUploads(data_dir);
  auto routes = std::make_shared<const CampaignRoutes>(campaigns, audit, data_dir, options);
  const std::string base = "/api/v1/campaigns";
  router.Add("POST", base, kManage,
             [routes](const Request& req) { return routes->Import(req, false); });
  router.AllowBodyUpTo(options.max_upload_bytes);
  router.Add("GET", base, kManage, [routes](const Request& req) { return routes->List(req); });
  router.Add("GET", base + "/rules", kManage, [routes](const Request&) { return routes->Rules(); });
  router.Add("GET", base + "/{id}", kManage,
             [routes](const Request& req) { return routes->Get(req); });
  router.Add("POST", base + "/{id}/files", kManage,
             [routes](const Request& req) { return routes->Import(req, true); });
  router.AllowBodyUpTo(options.max_upload_bytes);
  for (const char* action : {"start", "pause", "resume", "cancel"}) {
    router.Add(
        "POST", base + "/{id}/" + action, kManage,
        [routes, a = std::string(action)](const Request& req) { return routes->Control(req, a); });
  }
  router.Add("PUT", base + "/{id}/rules", kManage,
             [routes](const Request& req) { return routes->SetRules(req); });
  router.Add("GET", base + "/{id}/targets", kManage,
             [routes](const Request& req) { return routes->Targets(req); });
  router.Add("GET", base + "/{id}/targets/{seq}", kManage,
             [routes](const Request& req) { return routes->Target(req); });
  router.Add("GET", base + "/{id}/export", kExport,
             [routes](const Request& req) { return routes->Export(req); });
}

}  // namespace zx::http
