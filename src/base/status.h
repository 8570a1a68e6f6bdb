// Status and Result<T>: the one error vocabulary of zhixian.
//
// Expected failures travel as values, never as exceptions across module boundaries. Each code
// maps to one HTTP status at the edge (see http/errors), so callers pick the code that tells
// the user what to do, and the message says which file, line, field or key and why.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace zx {

enum class Code {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong (400)
  kNotFound,            // no such thing (404)
  kAlreadyExists,       // conflicts with what is there (409)
  kPermissionDenied,    // authenticated, but not allowed (403)
  kUnauthenticated,     // who are you? (401)
  kResourceExhausted,   // too big, too many (413/429)
  kFailedPrecondition,  // the system is not in a state to do this (409/422)
  kUnavailable,         // try again later (503)
  kDataLoss,            // stored data is corrupt (500)
  kInternal,            // a bug (500)
  // Stored data sealed under a key this server does not hold (the key file changed or was
  // lost, or an old in-memory key): the record exists but cannot be read (410).
  kKeyMissing,
};

const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid_argument: kb/yl.toml:12: entry 'x' has no answer"
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
inline Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {Code::kFailedPrecondition, std::move(m)};
}
inline Status DataLoss(std::string m) { return {Code::kDataLoss, std::move(m)}; }
inline Status KeyMissing(std::string m) { return {Code::kKeyMissing, std::move(m)}; }
inline Status ResourceExhausted(std::string m) { return {Code::kResourceExhausted, std::move(m)}; }

// Result<T> holds a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(implicit)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(implicit)
    assert(!std::get<Status>(v_).ok() && "Result from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace zx

// Returns early with the status of an expression that yields Status.
#define ZX_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::zx::Status zx_status_ = (expr);        \
    if (!zx_status_.ok()) return zx_status_; \
  } while (0)

// Declares or assigns `lhs` from the value of an expression that yields Result<T>, or returns
// its status early:
//   ZX_ASSIGN_OR_RETURN(auto db, storage::Database::Open(path));   // db is the T, moved out
//   ZX_ASSIGN_OR_RETURN(row, NextRow());                             // assigns an existing one
// The Result lives in a uniquely named temporary, so the macro may appear several times in one
// scope. Works in functions returning Status or any Result<U>.
#define ZX_ASSIGN_OR_RETURN(lhs, expr) \
  ZX_ASSIGN_OR_RETURN_IMPL_(ZX_STATUS_CONCAT_(zx_result_, __LINE__), lhs, expr)
// `lhs` may be a declaration (`auto db`) and `tmp` is a name, so neither can be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define ZX_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
#define ZX_STATUS_CONCAT_(a, b) ZX_STATUS_CONCAT_INNER_(a, b)
#define ZX_STATUS_CONCAT_INNER_(a, b) a##b
