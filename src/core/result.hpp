// DESIGN: the one error vocabulary of Parley. Core functions and ports return Result<T>:
// a value or an Error with a project-wide code. Adapters translate their own errors
// (SQLSTATE, SQLITE_CONSTRAINT, HTTP statuses) into these codes at their boundary, and the
// HTTP layer maps each code to one status. Exceptions are for start-up failures only.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace parley::core {

enum class ErrorCode {
  InvalidInput,   // 400: the caller sent something we cannot accept
  Unauthorized,   // 401: no or bad credentials / signature
  Forbidden,      // 403: authenticated, but the role or team does not allow it
  NotFound,       // 404: does not exist in this tenant, or not visible to the caller
  Conflict,       // 409: unique key already taken, stale state
  TooLarge,       // 413
  Unsupported,    // 415
  RateLimited,    // 429
  Unavailable,    // 503: a dependency (database, provider) is down; retry later
  Internal,       // 500: a bug; logged with the request id
};

const char* errorCodeName(ErrorCode code) noexcept;

struct Error {
  ErrorCode code = ErrorCode::Internal;
  std::string message;
};

inline Error makeError(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}       // NOLINT(google-explicit-constructor)
  Result(Error error) : data_(std::move(error)) {}   // NOLINT(google-explicit-constructor)

  bool ok() const noexcept { return data_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { return std::get<1>(data_); }
  Error&& error() && { return std::get<1>(std::move(data_)); }

 private:
  std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace parley::core
