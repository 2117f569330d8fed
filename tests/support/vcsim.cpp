#include "vcsim.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace vsmcp::testing {

Vcsim::Vcsim(std::vector<std::string> args) {
  std::string binary = VSMCP_VCSIM;
  if (const char* env = std::getenv("VSMCP_VCSIM")) binary = env;
  if (binary.empty()) throw std::runtime_error("VSMCP_VCSIM is not set");
  char tmpl[] = "/tmp/vsmcp-vcsim-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  // Plain HTTP (-tls=false) has no certificate to write.
  if (std::find(args.begin(), args.end(), "-tls=false") == args.end())
    args.insert(args.begin(), {"-cert-out", dir_ + "/cert.pem"});
  args.insert(args.begin(), binary);

  int in[2], out[2];
  if (pipe(in) != 0 || pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    std::perror("execv vcsim");
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  stdin_fd_ = in[1];
  // Read KEY=VALUE lines until VCSIM_READY, with an overall deadline.
  std::string buffer;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  bool ready = false;
  while (!ready) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{out[0], POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    char chunk[4096];
    ssize_t got = read(out[0], chunk, sizeof chunk);
    if (got <= 0) break;
    buffer.append(chunk, static_cast<size_t>(got));
    size_t pos;
    while ((pos = buffer.find('\n')) != std::string::npos) {
      std::string line = buffer.substr(0, pos);
      buffer.erase(0, pos + 1);
      auto eq = line.find('=');
      std::string key = line.substr(0, eq), value = eq == std::string::npos ? "" : line.substr(eq + 1);
      if (key == "VCSIM_URL") url_ = value;
      if (key == "VCSIM_THUMBPRINT") thumbprint_ = value;
      if (key == "VCSIM_CERT") cert_ = value;
      if (key == "VCSIM_READY") ready = true;
    }
  }
  close(out[0]);  // nothing more is printed after READY
  if (!ready || url_.empty()) {
    this->~Vcsim();
    throw std::runtime_error("vcsim did not become ready");
  }
}

Vcsim::~Vcsim() {
  if (stdin_fd_ >= 0) {
    close(stdin_fd_);  // the harness exits on stdin EOF
    stdin_fd_ = -1;
  }
  if (pid_ > 0) {
    // The harness exits on stdin EOF or SIGTERM; wait for it so no process outlives the test.
    kill(pid_, SIGTERM);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  if (!dir_.empty()) {
    std::string cert = dir_ + "/cert.pem";
    unlink(cert.c_str());
    rmdir(dir_.c_str());
    dir_.clear();
  }
}

vsphere::ConnectionOptions Vcsim::options() const {
  vsphere::ConnectionOptions o;
  o.url = url_;
  o.username = "user";
  o.password = "pass";
  o.ca_bundle = cert_;
  return o;
}

std::unique_ptr<vsphere::Client> Vcsim::connect() const {
  auto c = vsphere::Client::connect(options());
  if (!c.ok()) throw std::runtime_error("connect to vcsim failed: " + c.status().toString());
  return std::move(c).value();
}

}  // namespace vsmcp::testing
