// bench-vm-list: lists every VM with the seven properties of the benchmark (name, power
// state, host, guest id, CPUs, memory, IP) through Client::visitVms (streamed, memory per
// page) and prints "vms=N ms=T peak_rss_kb=R transport=T api=visitVms". With --list it
// calls listVms instead (the whole listing in memory, sorted), for comparison.
// bench/vm_list.sh runs it beside the raw curl floor against a simulator of 6,000 VMs or more.
//
//   bench-vm-list --url https://HOST:PORT/sdk --user U --password P [--insecure]
//                 [--thumbprint AB:..] [--ca-bundle FILE] [--list] [--verbose]
// bench-vm-list-cpprest is the same program on the cpprestsdk transport.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#ifdef VSMCP_BENCH_CPPREST
#include "vsphere/cpprest_transport.hpp"
#endif
#include "vsmcp/log.hpp"
#include "vsphere/client.hpp"

int main(int argc, char** argv) {
  vsmcp::vsphere::ConnectionOptions o;
#ifdef VSMCP_BENCH_CPPREST
  const std::string transport = "cpprest";
#else
  const std::string transport = "beast";
#endif
  bool list = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value for %s\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--url") o.url = next();
    else if (a == "--user") o.username = next();
    else if (a == "--password") o.password = next();
    else if (a == "--insecure") o.insecure = true;
    else if (a == "--thumbprint") o.thumbprint = next();
    else if (a == "--ca-bundle") o.ca_bundle = next();
    else if (a == "--list")
      list = true;
    else if (a == "--verbose") vsmcp::setLogLevel(vsmcp::LogLevel::kDebug);
    else {
      std::fprintf(stderr,
                   "usage: bench-vm-list --url URL --user U --password P [--insecure]\n"
                   "       [--thumbprint T] [--ca-bundle F] [--list] [--verbose]\n");
      return 2;
    }
  }
  if (o.url.empty() || o.username.empty()) {
    std::fprintf(stderr, "bench-vm-list: --url and --user are required\n");
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  vsmcp::vsphere::TransportOptions t;
  t.url = o.url;
  t.insecure = o.insecure;
  t.thumbprint = o.thumbprint;
  t.ca_bundle = o.ca_bundle;
#ifdef VSMCP_BENCH_CPPREST
  auto http = vsmcp::vsphere::makeCpprestTransport(t);
#else
  auto http = vsmcp::vsphere::makeHttpTransport(t);
#endif
  if (!http.ok()) {
    std::fprintf(stderr, "%s\n", http.status().toString().c_str());
    return 1;
  }
  auto client = vsmcp::vsphere::Client::connect(o, std::move(http).value());
  if (!client.ok()) {
    std::fprintf(stderr, "%s\n", client.status().toString().c_str());
    return 1;
  }
  size_t count = 0;
  if (list) {
    auto vms = (*client)->listVms({}, vsmcp::vsphere::VmDetail::kBrief);
    if (!vms.ok()) {
      std::fprintf(stderr, "%s\n", vms.status().toString().c_str());
      return 1;
    }
    count = vms->size();
  } else {
    auto st = (*client)->visitVms({}, vsmcp::vsphere::VmDetail::kBrief,
                                  [&](const vsmcp::vsphere::VmSummary&) {
                                    ++count;
                                    return vsmcp::Status::Ok();
                                  });
    if (!st.ok()) {
      std::fprintf(stderr, "%s\n", st.toString().c_str());
      return 1;
    }
  }
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("vms=%zu ms=%.1f peak_rss_kb=%ld transport=%s api=%s\n", count, ms, ru.ru_maxrss,
              transport.c_str(), list ? "listVms" : "visitVms");
  return 0;
}
