// The cpprestsdk transport, in its own library (vsmcp::vsphere_cpprest) so that programs on
// the default transport do not load cpprestsdk. Kept to measure it side by side with the
// default (bench/vm_list.sh); see docs/architecture.md. It supports a CA bundle and
// insecure, but refuses a thumbprint: use makeHttpTransport for pinning.
// Thread safety: the returned transport is thread-safe.
#pragma once

#include "vsphere/http_transport.hpp"

namespace vsmcp::vsphere {

Result<std::unique_ptr<HttpTransport>> makeCpprestTransport(const TransportOptions& options);

}  // namespace vsmcp::vsphere
