// The sub-commands of the zhixian binary (main.cc registers them; DESIGN.md has the contracts).
// Each returns the process exit code: 0 done, 1 a runtime failure, 2 bad usage or configuration
// (the message says which key or flag). The Add...Commands functions register their commands on
// `cli` (`common` adds --data/--config/--kb bound to `flags`) and return a function that runs
// the one that was parsed, or returns nullopt when none of them was.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include "app/context.h"

namespace CLI {
class App;
}

namespace zx::app {

using CommonOptions = std::function<void(CLI::App*)>;
using ParsedCommand = std::function<std::optional<int>()>;

int RunAsk(const CommonFlags& flags, bool json, const std::string& question);
int RunChat(const CommonFlags& flags, bool json);
int RunServe(const CommonFlags& flags, const std::string& http_addr, const std::string& sip_addr);
// `speech prepare`: each line of `in` a reply, each line of `out` what the synthesiser is given
// (voice::SpokenLine; docs/telephony.md "Replies as speech").
int RunSpeechPrepare(const CommonFlags& flags, std::istream& in, std::ostream& out);
// `llm check`: each line of `in` {"answer", "sources"}, each line of `out` the grounding
// checker's verdict {"ok", "problems": [{"kind", "text"}]} (llm/grounding.h), or with `json`
// false one readable line; the rules of KB_DIR/llm/grounding.toml when it exists. 0 when every
// line parsed, 2 when one did not (its output line says which and why; the others still run).
int RunLlmCheck(const CommonFlags& flags, bool json, std::istream& in, std::ostream& out);
// `doctor`: one line per check, each its module's (base/health_check.h), and what to fix; 0 when
// nothing failed (warnings allowed), 1 when a check failed, 2 for an invalid configuration.
int RunDoctor(const CommonFlags& flags, std::ostream& out);

// user, apikey, recordings, keys, audit, retention (admin/commands.h; security_commands.cc).
ParsedCommand AddSecurityCommands(CLI::App& cli, CommonFlags& flags, const CommonOptions& common);
// `calendar deadline --from "YYYY-MM-DD HH:MM" --tier T` and `calendar day YYYY-MM-DD` over
// KB_DIR/calendar (tickets/calendar.h AnswerDeadline, AnswerDay).
ParsedCommand AddCalendarCommand(CLI::App& cli, CommonFlags& flags, const CommonOptions& common);
// `tickets draft|create [--json]` (one complaint per stdin line: auto-fill, and for create
// intake's 并单 and dispatch) and `tickets learn --history FILE` (tickets/learn.h).
ParsedCommand AddTicketsCommands(CLI::App& cli, CommonFlags& flags, const CommonOptions& common);
// `drain` (the node of --data: no new calls, the current ones finish, then it stops; the
// serve process's id is in DATA_DIR/kServePidFile) and `migrate --to URL` (the node's SQLite
// data copied into a new, empty PostgreSQL database, or a SQLite file, with the schema serve
// makes; refused while the node runs or when the target has rows).
ParsedCommand AddNodeCommands(CLI::App& cli, CommonFlags& flags, const CommonOptions& common);
inline constexpr const char* kServePidFile = "zhixian.pid";
// `demo seed [--days N] [--seed N]`: synthetic activity in a fresh data directory (demo/seed.h).
ParsedCommand AddDemoCommand(CLI::App& cli, CommonFlags& flags, const CommonOptions& common);
// `campaign import|create|start|pause|resume|cancel|status|report` (docs/campaigns.md).
std::function<std::optional<int>(const Config&)> AddCampaignCommand(CLI::App& cli,
                                                                    const CommonOptions& common);

}  // namespace zx::app
