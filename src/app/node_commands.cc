// The operator's commands about a node as a whole: `zhixian drain` takes one node out of a
// cluster gently (docs/deployment.md, "Draining a node"); `zhixian migrate` moves a single box's
// SQLite data into PostgreSQL ("Moving a single box to PostgreSQL").
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "app/commands.h"
#include "app/schema.h"
#include "base/pid_file.h"
#include "storage/copy.h"

namespace zx::app {
namespace {

// Asks the node of this data directory to drain (SIGUSR1, base/stop_signal.h): it answers
// OPTIONS and /healthz 503 so that Kamailio and the HTTP balancer send new work elsewhere, gives
// its cluster jobs up, lets its calls finish and then stops. Waits for that, up to `wait_s`
// (0: as long as it takes).
int RunDrain(const CommonFlags& flags, int wait_s) {
  auto config = LoadAppConfig(flags);
  if (!config.ok()) {
    std::cerr << "zhixian drain: " << config.status().message() << "\n";
    return 2;
  }
  const std::string path = (std::filesystem::path(config->data.dir) / kServePidFile).string();
  auto pid = RunningPid(path);
  if (!pid.ok()) {
    std::cerr << "zhixian drain: " << pid.status().message() << "\n";
    return 1;
  }
  if (kill(*pid, SIGUSR1) != 0) {
    std::cerr << "zhixian drain: cannot signal pid " << *pid << ": " << std::strerror(errno)
              << " (run it as the user the node runs as)\n";
    return 1;
  }
  std::cout << "draining zhixian serve (pid " << *pid
            << "): no new calls or requests; waiting for the calls in progress to end\n"
            << std::flush;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
  while (RunningPid(path).ok()) {
    if (wait_s > 0 && std::chrono::steady_clock::now() >= deadline) {
      std::cerr << "zhixian drain: still draining after " << wait_s
                << " s (calls in progress); it stops when they end, or at once with kill -TERM "
                << *pid << "\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::cout << "drained: the node stopped\n";
  return 0;
}

bool IsPostgresUrl(const std::string& where) {
  return where.starts_with("postgresql://") || where.starts_with("postgres://");
}

// Copies the configured SQLite database (DATA_DIR/zhixian.db) into the empty database `to`, a
// PostgreSQL URL or a SQLite file: both brought to this version's schema by the modules' own
// migrations first (as serve does at start), then every row (storage/copy.h).
int RunMigrate(const CommonFlags& flags, const std::string& to) {
  auto config = LoadAppConfig(flags);
  if (!config.ok()) {
    std::cerr << "zhixian migrate: " << config.status().message() << "\n";
    return 2;
  }
  const std::string& configured = config->database.url;
  if (IsPostgresUrl(configured)) {
    std::cerr << "zhixian migrate: the configured database is PostgreSQL already (database.url "
                 "or ZHIXIAN_DATABASE_URL); migrate moves a box's SQLite data\n";
    return 2;
  }
  const std::string from = configured.empty()
                               ? (std::filesystem::path(config->data.dir) / "zhixian.db").string()
                               : configured;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(from, ec)) {
    std::cerr << "zhixian migrate: no database at " << from << " (give the node's --data)\n";
    return 2;
  }
  if (to.find("://") != std::string::npos && !IsPostgresUrl(to)) {
    std::cerr << "zhixian migrate: --to takes a postgresql:// URL or a SQLite file path\n";
    return 2;
  }
  if (!IsPostgresUrl(to) && std::filesystem::equivalent(from, to, ec)) {
    std::cerr << "zhixian migrate: --to names the database being migrated\n";
    return 2;
  }
  // The node must not write while its rows are read, nor after: what it wrote would be lost.
  const std::string pid_path = (std::filesystem::path(config->data.dir) / kServePidFile).string();
  if (auto pid = RunningPid(pid_path); pid.ok()) {
    std::cerr << "zhixian migrate: zhixian serve (pid " << *pid
              << ") runs on this data directory: stop the node first\n";
    return 1;
  }
  const storage::DatabaseOptions options{.busy_timeout_ms = config->database.busy_timeout_ms};
  auto source = storage::OpenDatabase(from, options);
  if (!source.ok()) {
    std::cerr << "zhixian migrate: " << source.status().message() << "\n";
    return 1;
  }
  auto target = storage::OpenDatabase(to, options);
  if (!target.ok()) {
    std::cerr << "zhixian migrate: --to: " << target.status().message() << "\n";
    return target.status().code() == Code::kInvalidArgument ? 2 : 1;
  }
  // The source too: a box last run by an older version, or without voice (no recordings table),
  // gets what this version's serve would make at its next start, so both sides match.
  for (auto [db, which] : {std::pair{source->get(), "source"}, {target->get(), "target"}}) {
    if (Status s = MakeSchema(*db); !s.ok()) {
      std::cerr << "zhixian migrate: the " << which << "'s schema: " << s.message() << "\n";
      return 1;
    }
  }
  const auto start = std::chrono::steady_clock::now();
  auto last_line = start;
  auto report = storage::CopyTables(**source, **target, [&](const storage::CopyProgress& p) {
    const auto now = std::chrono::steady_clock::now();
    if (!p.done && now - last_line < std::chrono::seconds(2)) return;
    last_line = now;
    std::cerr << "  " << p.table << ": " << p.rows;
    if (!p.done) std::cerr << " of " << p.total;
    std::cerr << (p.rows == 1 && p.done ? " row" : " rows") << (p.done ? "" : "...") << "\n";
  });
  if (!report.ok()) {
    std::cerr << "zhixian migrate: " << report.status().message() << "\n";
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char took[32];
  std::snprintf(took, sizeof took, "%.1f", seconds);
  std::cout << "migrated " << report->rows << " rows in " << report->tables.size() << " tables to "
            << to << " (" << took << " s)\n";
  if (IsPostgresUrl(to))
    std::cout << "next: set database.url = \"" << to
              << "\" (or ZHIXIAN_DATABASE_URL) and the same security.key_file on every node, "
                 "then start the nodes; the data directory's files (recordings, uploads) stay "
                 "with this node (docs/deployment.md)\n";
  return 0;
}

}  // namespace

ParsedCommand AddNodeCommands(CLI::App& cli, CommonFlags& flags, const CommonOptions& common) {
  auto wait_s = std::make_shared<int>(0);
  auto* drain = cli.add_subcommand(
      "drain", "stop the node of this data directory gently: no new calls, current ones finish");
  common(drain);
  drain->add_option("--wait", *wait_s, "give up waiting after this many seconds (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  auto to = std::make_shared<std::string>();
  auto* migrate = cli.add_subcommand(
      "migrate", "copy this box's SQLite data into a new, empty PostgreSQL database");
  common(migrate);
  migrate
      ->add_option("--to", *to,
                   "the target: postgresql://user@host:port/db (password in PGPASSWORD or a "
                   "pgpass file), or a SQLite file")
      ->required();
  return [drain, migrate, &flags, wait_s, to]() -> std::optional<int> {
    if (drain->parsed()) return RunDrain(flags, *wait_s);
    if (migrate->parsed()) return RunMigrate(flags, *to);
    return std::nullopt;
  };
}

}  // namespace zx::app
