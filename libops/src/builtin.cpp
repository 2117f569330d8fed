// The built-in registry: every group's operations, in a stable order.
#include <cstdio>
#include <cstdlib>

#include "ops/registry.hpp"

namespace vsmcp::ops {

// group_*.cpp
void addInventoryOperations(std::vector<Operation>& ops);
void addVmOperations(std::vector<Operation>& ops);
void addSnapshotOperations(std::vector<Operation>& ops);
void addHostOperations(std::vector<Operation>& ops);
void addMonitorOperations(std::vector<Operation>& ops);
void addAlarmOperations(std::vector<Operation>& ops);
void addTagOperations(std::vector<Operation>& ops);
void addCatalogOperations(std::vector<Operation>& ops);

namespace {

Registry makeBuiltin() {
  std::vector<Operation> ops;
  addInventoryOperations(ops);
  addVmOperations(ops);
  addSnapshotOperations(ops);
  addHostOperations(ops);
  addMonitorOperations(ops);
  addAlarmOperations(ops);
  addTagOperations(ops);
  addCatalogOperations(ops);
  auto r = Registry::create(std::move(ops));
  if (!r.ok()) {
    // A defect of the program, not of its input: stop before serving half-described tools.
    std::fprintf(stderr, "vsmcp: %s\n", r.status().message().c_str());
    std::abort();
  }
  return std::move(r).value();
}

}  // namespace

const Registry& builtinRegistry() {
  static const Registry kRegistry = makeBuiltin();
  return kRegistry;
}

const std::vector<Operation>& builtinOperations() { return builtinRegistry().operations(); }
const Operation* findOperation(std::string_view name) { return builtinRegistry().find(name); }

}  // namespace vsmcp::ops
