// Notifications: short messages from any node to every node on one database (docs/deployment.md,
// "Live events"), for what a page waits for live (a chat's frames) when the page is connected
// to another node than the one where it happened. On PostgreSQL they are NOTIFY/LISTEN: every
// node listens on a connection of its own and gets every message published on a channel it
// listens to, its own included (tell them apart by content). Channels are per schema, so two
// deployments in one database (tests) do not hear each other. A message longer than NOTIFY
// carries (8000 bytes) goes through the table cluster_messages, the notification carrying its
// row. Delivery is at most once and live only: a node that is disconnected at the time misses
// it (it reconnects by itself), so a page must still be able to reload what it shows.
//
// On SQLite there is one node: OpenNotifications gives null, and nothing needs to leave it.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "storage/database.h"

namespace zx::storage {

class Notifications {
 public:
  using Handler = std::function<void(const std::string& payload)>;
  virtual ~Notifications() = default;  // stops listening; no handler runs after

  // Sends `payload` to every node listening on `channel` (a short lowercase name).
  virtual Status Publish(const std::string& channel, const std::string& payload) = 0;
  // Calls `handler` for each payload on `channel`, on the listening thread (return quickly;
  // never call Listen from it). One handler per channel: a new one replaces the last, and once
  // Listen returns the last runs no more (an empty handler stops listening to it).
  virtual void Listen(const std::string& channel, Handler handler) = 0;
};

// For the database at `url` (database.url; `db` opened from it, for the long messages): the
// PostgreSQL listener, or null for SQLite (an empty url or a file path).
Result<std::unique_ptr<Notifications>> OpenNotifications(const std::string& url, Database& db);

}  // namespace zx::storage
