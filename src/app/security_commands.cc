#include "app/commands.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>
#include <variant>

#include "admin/command_table.h"
#include "app/security_context.h"
#include "base/terminal.h"

namespace zx::app {
namespace {

using admin::Args;
using admin::CommandSpec;
using admin::Option;

// Opens what the command works on and runs it.
Result<int> Run(const CommonFlags& flags, const CommandSpec& spec, const Args& args) {
  ZX_ASSIGN_OR_RETURN(Config config, LoadAppConfig(flags));
  ZX_ASSIGN_OR_RETURN(auto db, OpenAppDatabase(config));
  const Clock& clock = SystemClock::Instance();
  ZX_ASSIGN_OR_RETURN(auto security, OpenSecurity(*db, config, clock, spec.keys));
  admin::Session session{*db, *security, clock, std::cout, std::cerr};
  session.os_user = OsUserName();
  session.data_dir = config.data.dir;
  session.key_file = config.security.key_file;
  session.kb_dir = config.knowledge.kb_dir;
  session.require_approval = config.security.require_approval != 0;
  session.new_password = ReadNewPassword;
  session.password = [](const std::string& name) {
    return StdinIsTerminal() ? ReadHidden("Password of " + name + ": ") : ReadNewPassword(name);
  };
  session.reopen_with_key_file = [&](const std::string& key_file) -> Status {
    Config keyed = config;
    keyed.security.key_file = key_file;
    ZX_ASSIGN_OR_RETURN(auto reopened, OpenSecurity(*db, keyed, clock, false));
    *security = std::move(*reopened);  // the session holds a reference to *security
    return Status::Ok();
  };
  session.encrypted_columns = EncryptedColumns(*db);
  session.run_retention = [&] { return RunRetentionOnce(*db, *security, config, clock); };
  return spec.run(session, args);
}

}  // namespace

ParsedCommand AddSecurityCommands(CLI::App& cli, CommonFlags& flags, const CommonOptions& common) {
  auto args = std::make_shared<Args>();
  // A parent is made when its first command is added, so that `--help` lists them in the order
  // of admin::CommandTable().
  std::map<std::string, CLI::App*> parents;
  std::function<CLI::App*(const std::string&)> parent = [&](const std::string& path) {
    if (auto it = parents.find(path); it != parents.end()) return it->second;
    auto space = path.rfind(' ');
    CLI::App* up = space == std::string::npos ? &cli : parent(path.substr(0, space));
    CLI::App* made = up->add_subcommand(path.substr(space + 1), admin::CommandParents().at(path));
    made->require_subcommand(1);
    return parents[path] = made;
  };
  std::vector<std::pair<CLI::App*, const CommandSpec*>> added;
  for (const CommandSpec& spec : admin::CommandTable()) {
    CLI::App* sub = parent(spec.parent)->add_subcommand(spec.name, spec.help);
    common(sub);
    for (const Option& o : spec.options) {
      CLI::Option* option = std::visit(
          [&](auto field) { return sub->add_option(o.name, (*args).*field, o.help); }, o.field);
      if (o.required) option->required();
    }
    added.emplace_back(sub, &spec);
  }
  return [added = std::move(added), args, &flags]() -> std::optional<int> {
    for (const auto& [sub, spec] : added) {
      if (!sub->parsed()) continue;
      Result<int> code = Run(flags, *spec, *args);
      if (code.ok()) return *code;
      std::cerr << "zhixian: " << code.status().message() << "\n";
      return code.status().code() == Code::kInvalidArgument ? 2 : 1;
    }
    return std::nullopt;
  };
}

}  // namespace zx::app
