// The registry of operations: every operation of every group, checked once when it is built.
// The MCP tools (mcp-server), the REST routes (rest-gateway) and the CLI commands
// (vsphere-cli) are generated from it, so they never drift apart.
//
// Building a registry checks each declaration and refuses a malformed one with a message that
// names the operation and the field: a duplicate or badly formed name, an input or output
// schema that is not a closed object, a property without a description, an unknown schema
// keyword, a list without its item schema or paging, a task without its task member, a
// destructive operation without a dry run. builtinRegistry() stops the program at start-up on
// such a defect instead of serving a half-described tool.
//
// Building also completes what the safety class implies: a destructive operation takes
// `confirm` (boolean) in its input and may answer with a dry run ({dry_run, would, blocked}),
// which its output schema then allows.
//
// Thread safety: a Registry is immutable once built; builtinRegistry() is built once, on first use.
#pragma once

#include <string_view>
#include <vector>

#include "ops/operation.hpp"

namespace vsmcp::ops {

class Registry {
 public:
  // Checks and completes `operations` (in their order, which is the order of every listing).
  static Result<Registry> create(std::vector<Operation> operations);

  const std::vector<Operation>& operations() const { return ops_; }
  const Operation* find(std::string_view name) const;

 private:
  std::vector<Operation> ops_;
};

// Every built-in operation, grouped: inventory, vm, snapshot, host, monitoring, tags, catalog.
const Registry& builtinRegistry();

// Shorthands for builtinRegistry().operations() and .find().
const std::vector<Operation>& builtinOperations();
const Operation* findOperation(std::string_view name);

// The schema problems of one declaration, each naming the field ("vm_list: input property
// 'name' has no description"); empty when it is well formed. Registry::create refuses on any.
std::vector<std::string> checkOperation(const Operation& op);

}  // namespace vsmcp::ops
