// Connection, TLS trust and session behaviour against the real simulator.
#include <catch2/catch.hpp>

#include <thread>

#include "vcsim.hpp"

using namespace vsmcp;
using namespace vsmcp::vsphere;
using vsmcp::testing::Vcsim;

TEST_CASE("a vCenter simulator is detected as vCenter with its API version") {
  Vcsim sim;
  auto client = sim.connect();
  CHECK(client->isVCenter());
  CHECK(client->about().api_type == "VirtualCenter");
  CHECK_FALSE(client->about().api_version.empty());
  CHECK(client->ping().ok());
}

TEST_CASE("TLS verification is on by default and refuses an untrusted certificate") {
  Vcsim sim;
  auto o = sim.options();
  o.ca_bundle.clear();
  auto c = Client::connect(o);
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == ErrorCode::kTls);
  CHECK(c.status().message().find("certificate verification failed") != std::string::npos);
}

TEST_CASE("a pinned thumbprint is trusted without a CA bundle") {
  Vcsim sim;
  auto o = sim.options();
  o.ca_bundle.clear();
  o.thumbprint = sim.thumbprint();
  auto c = Client::connect(o);
  REQUIRE(c.ok());
  CHECK((*c)->ping().ok());
}

TEST_CASE("a wrong thumbprint is refused even with insecure on") {
  Vcsim sim;
  auto o = sim.options();
  o.ca_bundle.clear();
  o.insecure = true;
  std::string wrong = sim.thumbprint();
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  o.thumbprint = wrong;
  auto c = Client::connect(o);
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == ErrorCode::kTls);
  CHECK(c.status().message().find("thumbprint mismatch") != std::string::npos);
  CHECK(c.status().message().find(sim.thumbprint()) != std::string::npos);
}

TEST_CASE("insecure connects to an untrusted server only when asked") {
  Vcsim sim;
  auto o = sim.options();
  o.ca_bundle.clear();
  o.insecure = true;
  auto c = Client::connect(o);
  REQUIRE(c.ok());
}

TEST_CASE("the certificate must match the host name") {
  Vcsim sim;
  auto o = sim.options();
  // "127.1" reaches the same address but is not a name the certificate carries.
  std::string url = sim.url();
  url.replace(url.find("127.0.0.1"), 9, "127.1");
  o.url = url;
  auto c = Client::connect(o);
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == ErrorCode::kTls);
  CHECK(c.status().message().find("not valid for host name 127.1") != std::string::npos);
  // The name it does carry works.
  o.url = sim.url();
  o.url.replace(o.url.find("127.0.0.1"), 9, "localhost");
  CHECK(Client::connect(o).ok());
}

TEST_CASE("a wrong password is Unauthenticated and the password stays secret") {
  Vcsim sim;
  auto o = sim.options();
  o.password = "hunter2-wrong";
  auto c = Client::connect(o);
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == ErrorCode::kUnauthenticated);
  CHECK(c.status().details().fault == "InvalidLogin");
  CHECK(c.status().toString().find("hunter2") == std::string::npos);
}

TEST_CASE("a closed port gives Unavailable naming the address") {
  ConnectionOptions o;
  {
    Vcsim sim;
    o = sim.options();
    o.ca_bundle.clear();  // the certificate file goes away with the simulator
    o.thumbprint = sim.thumbprint();
  }  // stopped: the port is closed now
  o.connect_timeout = std::chrono::milliseconds(2000);
  o.max_retries = 0;
  auto c = Client::connect(o);
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == ErrorCode::kUnavailable);
  CHECK(c.status().message().find("127.0.0.1") != std::string::npos);
}

TEST_CASE("a slow server hits the request timeout with a clear error") {
  Vcsim sim({"-method-delay", "RetrievePropertiesEx:3000"});
  auto o = sim.options();
  o.request_timeout = std::chrono::milliseconds(300);
  o.max_retries = 0;
  auto client = Client::connect(o);
  REQUIRE(client.ok());
  auto vms = (*client)->listVms();
  REQUIRE_FALSE(vms.ok());
  CHECK(vms.status().code() == ErrorCode::kTimeout);
  CHECK(vms.status().message().find("300 ms") != std::string::npos);
  // The client stays usable afterwards.
  CHECK((*client)->ping().ok());
}

TEST_CASE("logout ends the session and later calls are refused") {
  Vcsim sim;
  auto client = sim.connect();
  REQUIRE(client->logout().ok());
  auto r = client->listVms();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kUnauthenticated);
}

TEST_CASE("one client serves many threads at once") {
  Vcsim sim;
  auto client = sim.connect();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      for (int j = 0; j < 5; ++j) {
        auto vms = client->listVms({}, VmDetail::kBrief);
        if (vms.ok() && vms->size() == 4) ++ok;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(ok.load() == 40);
}

TEST_CASE("a password full of XML characters logs in") {
  const std::string password = "p<&>\"'x ]]> %s";
  Vcsim sim({"-password", password});
  auto o = sim.options();
  o.password = password;
  auto c = Client::connect(o);
  INFO(c.status().toString());
  REQUIRE(c.ok());
  o.password = "p<&>";
  auto wrong = Client::connect(o);
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.status().code() == ErrorCode::kUnauthenticated);
}

TEST_CASE("a session kept open is resumed from its cookie, and an ended one is refused") {
  Vcsim sim;
  std::string cookie;
  {
    auto o = sim.options();
    o.logout_on_close = false;
    auto first = vsphere::Client::connect(o);
    REQUIRE(first.ok());
    cookie = (*first)->sessionCookie();
    REQUIRE_FALSE(cookie.empty());
  }  // not logged out
  auto o = sim.options();
  o.password.clear();
  o.session_cookie = cookie;
  auto resumed = vsphere::Client::connect(o);
  REQUIRE(resumed.ok());
  CHECK((*resumed)->sessionCookie() == cookie);
  CHECK((*resumed)->listVms().ok());
  REQUIRE((*resumed)->logout().ok());  // ends the session on the server
  auto again = vsphere::Client::connect(o);
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == ErrorCode::kUnauthenticated);
  CHECK(again.status().message().find("expired") != std::string::npos);
  // With the password, an ended session is replaced by a new login.
  auto with_password = sim.options();
  with_password.session_cookie = cookie;
  auto fresh = vsphere::Client::connect(with_password);
  REQUIRE(fresh.ok());
  CHECK((*fresh)->sessionCookie() != cookie);
}
