// Lists the VMs of a vCenter or ESXi host: the smallest complete program on libvsphere.
//
//   VCENTER_URL=https://vc.example.com/sdk VCENTER_USER=... VCENTER_PASSWORD=...
//   VCENTER_THUMBPRINT=AB:CD:... vsphere-inventory
#include <cstdio>
#include <cstdlib>
#include <string>

#include "vsphere/client.hpp"

namespace {
std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}
}  // namespace

int main() {
  vsmcp::vsphere::ConnectionOptions options;
  options.url = env("VCENTER_URL").empty() ? env("VCENTER_HOST") : env("VCENTER_URL");
  options.username = env("VCENTER_USER");
  options.password = env("VCENTER_PASSWORD");
  options.ca_bundle = env("VCENTER_CA_BUNDLE");
  options.thumbprint = env("VCENTER_THUMBPRINT");
  options.insecure = env("VCENTER_INSECURE") == "true" || env("VCENTER_INSECURE") == "1";
  if (options.url.empty()) {
    std::fprintf(stderr, "set VCENTER_URL (or VCENTER_HOST), VCENTER_USER, VCENTER_PASSWORD\n");
    return 2;
  }
  auto client = vsmcp::vsphere::Client::connect(options);
  if (!client.ok()) {
    std::fprintf(stderr, "%s\n", client.status().toString().c_str());
    return 1;
  }
  const auto& about = (*client)->about();
  std::printf("%s (%s, API %s)\n", about.full_name.c_str(), about.api_type.c_str(),
              about.api_version.c_str());
  auto vms = (*client)->listVms();
  if (!vms.ok()) {
    std::fprintf(stderr, "%s\n", vms.status().toString().c_str());
    return 1;
  }
  for (const auto& vm : *vms) {
    std::printf("%-10s %-30s %-10s %2d CPU %6lld MB  %-15s %s\n", vm.ref.value.c_str(),
                vm.name.c_str(), std::string(powerStateName(vm.power_state)).c_str(), vm.num_cpu,
                static_cast<long long>(vm.memory_mb), vm.host_name.c_str(), vm.folder_path.c_str());
  }
  std::printf("%zu VMs\n", vms->size());
  return 0;
}
