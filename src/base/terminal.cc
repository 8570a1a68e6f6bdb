#include "base/terminal.h"

#include <pwd.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>

namespace zx {
namespace {

std::string StripEol(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

Result<std::string> ReadHidden(const std::string& prompt) {
  std::cerr << prompt << std::flush;
  termios old{};
  bool restore = ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (restore) ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::cerr << "\n";
  if (!got) return InvalidArgument("no password given");
  return StripEol(line);
}

Result<std::string> ReadNewPassword(const std::string& name) {
  if (!StdinIsTerminal()) {
    std::string line;
    if (!std::getline(std::cin, line))
      return InvalidArgument("no password on standard input (give it as the first line)");
    return StripEol(line);
  }
  ZX_ASSIGN_OR_RETURN(std::string first, ReadHidden("Password for " + name + ": "));
  ZX_ASSIGN_OR_RETURN(std::string second, ReadHidden("Repeat the password: "));
  if (first != second) return InvalidArgument("the two passwords differ; nothing was changed");
  return first;
}

bool StdinIsTerminal() { return ::isatty(STDIN_FILENO) != 0; }

std::string OsUserName() {
  if (const passwd* pw = ::getpwuid(::geteuid())) return pw->pw_name;
  return std::to_string(::geteuid());
}

}  // namespace zx
