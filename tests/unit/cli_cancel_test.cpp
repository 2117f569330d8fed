// vsphere-cli and Ctrl-C, over a scripted transport (the simulator finishes tasks at once and
// has no CancelTask): an interrupt while a task runs sends CancelTask, the progress shown
// stops where the task was, and the exit code is 130.
#include <stdlib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "fake_http_transport.hpp"

using vsmcp::Result;
using namespace vsmcp::cli;
using vsmcp::testing::FakeHttpTransport;
using vsmcp::testing::SharedTransport;

namespace {

class TtyTerminal final : public Terminal {
 public:
  bool stdoutIsTty() const override { return false; }
  bool stderrIsTty() const override { return true; }
  int columns() const override { return 80; }
  bool interactive() const override { return false; }
  std::optional<bool> confirm(const std::string&) override { return std::nullopt; }
};

}  // namespace

TEST_CASE("ctrl-c while a task runs cancels the vCenter task and exits 130") {
  ::setenv("VCENTER_HOST", "https://vc.test/sdk", 1);
  ::setenv("VCENTER_USER", "administrator@vsphere.local", 1);
  ::setenv("VCENTER_PASSWORD", "S3cret!pw", 1);
  auto fake = std::shared_ptr<FakeHttpTransport>(vsmcp::testing::makeLoggedInFake().release());
  // The dry run looks first: vm-63 and the inventory around it (empty here); every look at
  // vm-63 (the dry run's, then the handler's) finds it powered on.
  fake->reply("CreateContainerView", 200,
              "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>"
              "<CreateContainerViewResponse xmlns=\"urn:vim25\"><returnval type=\"ContainerView\">v-1</returnval>"
              "</CreateContainerViewResponse></soapenv:Body></soapenv:Envelope>");
  fake->replyFixture("DestroyView", "logout_ok.xml");
  fake->replyFixtureWhen("RetrievePropertiesEx", "ContainerView", "empty_retrieve.xml");
  fake->replyFixtureWhen("RetrievePropertiesEx", "VirtualMachine", "vm_full.xml");
  // Then the power-off task and its polls.
  fake->replyFixture("PowerOffVM_Task", "task_started.xml");
  fake->replyFixture("RetrievePropertiesEx", "task_info_running_30.xml");  // first poll: 30%
  fake->replyFixture("RetrievePropertiesEx", "task_info_cancelled.xml");   // after CancelTask
  fake->replyFixture("CancelTask", "cancel_task_ok.xml");
  fake->replyFixture("Logout", "logout_ok.xml");

  std::ostringstream out, err;
  TtyTerminal terminal;
  std::atomic<bool> running{false};
  std::vector<bool> running_changes;
  Io io{out, err, terminal,
        [&fake](const vsmcp::vsphere::ConnectionOptions& o)
            -> Result<std::unique_ptr<vsmcp::vsphere::Client>> {
          return vsmcp::vsphere::Client::connect(o, std::make_unique<SharedTransport>(fake));
        },
        // Ctrl-C as soon as the task runs (the handler only counts it then).
        [&running] { return running.load(); },
        [&](bool r) {
          running = r;
          running_changes.push_back(r);
        }};
  // A hard power-off is destructive: --yes approves it where no one can be asked.
  const char* argv[] = {"vsphere-cli", "vm", "power", "off", "vm-63", "--yes"};
  const int code = run(6, argv, io);
  INFO(err.str());
  CHECK(code == 130);
  CHECK(fake->count("PowerOffVM_Task") == 1);
  CHECK(fake->count("CancelTask") == 1);
  CHECK(running_changes == std::vector<bool>{true, false});
  CHECK(out.str().empty());
  const std::string e = err.str();
  CHECK(e.find("\r\033[K") != std::string::npos);  // the bar is drawn in place on a terminal
  CHECK(e.find(" 30%") != std::string::npos);
  CHECK(e.find("100%") == std::string::npos);
  CHECK(e.find("cancelled") != std::string::npos);
}
