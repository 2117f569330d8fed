// Vcsim: starts the vCenter simulator harness (tests/vcsim) on port 0 for one test and stops
// it when destroyed (closing its stdin, then SIGTERM, then waiting). Reads the URL,
// thumbprint and certificate path it prints; no sleeps.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "vsphere/client.hpp"

namespace vsmcp::testing {

class Vcsim {
 public:
  // args: extra flags, e.g. {"-esx"} or {"-cluster", "2"}. Throws on failure to start.
  explicit Vcsim(std::vector<std::string> args = {});
  ~Vcsim();
  Vcsim(const Vcsim&) = delete;
  Vcsim& operator=(const Vcsim&) = delete;

  const std::string& url() const { return url_; }
  const std::string& thumbprint() const { return thumbprint_; }
  const std::string& certFile() const { return cert_; }

  // Options that trust the simulator's certificate through the CA bundle.
  vsphere::ConnectionOptions options() const;
  // A new, independent session (e.g. to check an operation's effect).
  std::unique_ptr<vsphere::Client> connect() const;

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::string dir_;
  std::string url_, thumbprint_, cert_;
};

}  // namespace vsmcp::testing
