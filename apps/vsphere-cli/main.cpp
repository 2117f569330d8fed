// vsphere-cli: govc-style commands over the vsmcp core and its operation registry. Wires the
// process (standard streams, terminal, Ctrl-C, the real vCenter connection) into the program
// (cli.cpp) and runs it.
#include <iostream>

#include "cli.hpp"
#include "interrupt.hpp"
#include "terminal.hpp"

int main(int argc, char** argv) {
  using namespace vsmcp;
  cli::Interrupt::install();
  cli::SystemTerminal terminal;
  cli::Io io{std::cout,
             std::cerr,
             terminal,
             [](const vsphere::ConnectionOptions& o) { return vsphere::Client::connect(o); },
             &cli::Interrupt::interrupted,
             &cli::Interrupt::taskRunning};
  const int code = cli::run(argc, argv, io);
  std::cout.flush();
  return code;
}
