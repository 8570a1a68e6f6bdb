// NOTIFY/LISTEN for storage/notifications.h over libpq: one connection of this node's own that
// only listens (a thread polling its socket), and Publish through the database's pool.
#include <libpq-fe.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include "base/log.h"
#include "storage/notifications.h"

namespace zx::storage {
namespace {

// NOTIFY's limit is 8000 bytes; past this a message goes through cluster_messages.
constexpr size_t kInline = 7000;
constexpr int64_t kKeepMs = 60 * 1000;  // long messages are read within a minute or never

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class PgNotifications final : public Notifications {
 public:
  PgNotifications(std::string url, Database& db, std::string prefix)
      : url_(std::move(url)), db_(db), prefix_(std::move(prefix)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~PgNotifications() override {
    stop_ = true;
    thread_.join();
  }

  Status Publish(const std::string& channel, const std::string& payload) override {
    std::string sent = payload;
    if (payload.size() > kInline) {
      ZX_ASSIGN_OR_RETURN(auto put, db_.Prepare("INSERT INTO cluster_messages (payload, at_ms) "
                                                "VALUES (?1, ?2) RETURNING id"));
      const int64_t now = NowMs();
      ZX_ASSIGN_OR_RETURN(bool row, put.Bind(1, payload).Bind(2, now).Step());
      if (!row) return Internal("cluster_messages: no id");
      sent = "#" + put.Text(0);
      put.Reset();
      ZX_ASSIGN_OR_RETURN(auto old, db_.Prepare("DELETE FROM cluster_messages WHERE at_ms < ?1"));
      ZX_RETURN_IF_ERROR(old.Bind(1, now - kKeepMs).Run());
    }
    ZX_ASSIGN_OR_RETURN(auto notify, db_.Prepare("SELECT pg_notify(?1, ?2)"));
    return notify.Bind(1, prefix_ + channel).Bind(2, sent).Run();
  }

  void Listen(const std::string& channel, Handler handler) override {
    std::lock_guard delivering(deliver_mu_);  // a handler replaced is no longer running
    std::lock_guard lock(mu_);
    handlers_[prefix_ + channel] = std::move(handler);
    resubscribe_ = true;
  }

 private:
  void Run() {
    PGconn* conn = nullptr;
    bool warned = false;
    while (!stop_) {
      if (!conn || PQstatus(conn) != CONNECTION_OK) {
        if (conn) PQfinish(conn);
        conn = PQconnectdb(url_.c_str());
        if (PQstatus(conn) != CONNECTION_OK) {
          if (!warned) log::Warn("cluster.listen_failed error=\"{}\"", PQerrorMessage(conn));
          warned = true;
          PQfinish(conn);
          conn = nullptr;
          for (int i = 0; i < 10 && !stop_; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
          continue;
        }
        if (warned) log::Info("cluster.listening_again");
        warned = false;
        resubscribe_ = true;
      }
      if (resubscribe_.exchange(false)) Subscribe(conn);
      pollfd fd{PQsocket(conn), POLLIN, 0};
      if (poll(&fd, 1, 200) > 0 && !PQconsumeInput(conn)) continue;  // lost: reconnect
      while (PGnotify* n = PQnotifies(conn)) {
        Deliver(n->relname, n->extra);
        PQfreemem(n);
      }
    }
    if (conn) PQfinish(conn);
  }

  void Subscribe(PGconn* conn) {
    std::vector<std::string> channels;
    {
      std::lock_guard lock(mu_);
      for (const auto& [channel, handler] : handlers_) channels.push_back(channel);
    }
    for (const std::string& channel : channels) {
      char* quoted = PQescapeIdentifier(conn, channel.c_str(), channel.size());
      if (!quoted) continue;
      PGresult* r = PQexec(conn, ("LISTEN " + std::string(quoted)).c_str());
      PQfreemem(quoted);
      if (PQresultStatus(r) != PGRES_COMMAND_OK)
        log::Warn("cluster.listen_failed channel={} error=\"{}\"", channel, PQerrorMessage(conn));
      PQclear(r);
    }
  }

  void Deliver(const std::string& channel, std::string payload) {
    std::lock_guard delivering(deliver_mu_);
    Handler handler;
    {
      std::lock_guard lock(mu_);
      auto it = handlers_.find(channel);
      if (it == handlers_.end() || !it->second) return;
      handler = it->second;
    }
    if (!payload.empty() && payload[0] == '#') {  // a long one, in cluster_messages
      auto get = db_.Prepare("SELECT payload FROM cluster_messages WHERE id = ?1");
      if (!get.ok()) return;
      auto row =
          get->Bind(1, static_cast<int64_t>(std::strtoll(payload.c_str() + 1, nullptr, 10))).Step();
      if (!row.ok() || !*row) return;
      payload = get->Text(0);
    }
    handler(payload);
  }

  const std::string url_;
  Database& db_;
  const std::string prefix_;  // "<schema>:" so that deployments in one database stay apart
  std::mutex deliver_mu_;     // held while a handler runs
  std::mutex mu_;
  std::map<std::string, Handler> handlers_;  // guarded by mu_
  std::atomic<bool> resubscribe_{false};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<Notifications>> OpenNotifications(const std::string& url, Database& db) {
  if (db.dialect() != Dialect::kPostgres) return std::unique_ptr<Notifications>();
  ZX_RETURN_IF_ERROR(db.Migrate({{"cluster_messages", 1,
                                  "CREATE TABLE cluster_messages (id INTEGER PRIMARY KEY, payload "
                                  "TEXT NOT NULL, at_ms BIGINT NOT NULL)"}}));
  ZX_ASSIGN_OR_RETURN(auto schema, db.Prepare("SELECT current_schema()"));
  ZX_ASSIGN_OR_RETURN(bool row, schema.Step());
  if (!row) return Internal("no current schema");
  return std::unique_ptr<Notifications>(
      std::make_unique<PgNotifications>(url, db, schema.Text(0) + ":"));
}

}  // namespace zx::storage
