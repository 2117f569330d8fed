// Result<T>: a T or an error Status, shaped like std::expected. Not thread-safe to mutate;
// safe to read from several threads once built.
#pragma once

#include <cassert>
#include <optional>
#include <utility>

#include "vsmcp/status.hpp"

namespace vsmcp {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.ok()) status_ = Status::Internal("Result built from an OK status without a value");
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok()
  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  // On a temporary, yields the value itself, so `for (auto& x : *makeResult())` is safe.
  T operator*() && { return std::move(value()); }

  template <typename U>
  T valueOr(U&& fallback) const& { return ok() ? *value_ : static_cast<T>(std::forward<U>(fallback)); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace vsmcp

// Propagate an error Status from an expression returning Status.
#define VSMCP_RETURN_IF_ERROR(expr)          \
  do {                                       \
    ::vsmcp::Status vsmcp_status_ = (expr);  \
    if (!vsmcp_status_.ok()) return vsmcp_status_; \
  } while (0)

#define VSMCP_CONCAT_INNER(a, b) a##b
#define VSMCP_CONCAT(a, b) VSMCP_CONCAT_INNER(a, b)
// VSMCP_ASSIGN_OR_RETURN(auto x, expr): evaluate a Result, return its Status on error.
#define VSMCP_ASSIGN_OR_RETURN(lhs, expr) \
  VSMCP_ASSIGN_OR_RETURN_IMPL(VSMCP_CONCAT(vsmcp_result_, __LINE__), lhs, expr)
#define VSMCP_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
