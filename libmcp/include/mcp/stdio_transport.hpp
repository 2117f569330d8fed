// The stdio transport: newline-delimited JSON-RPC on an input and an output stream (stdin and
// stdout for a real server). Logs must go to stderr (vsmcp::log does by default).
#pragma once

#include <istream>
#include <ostream>
#include <string>

#include "mcp/server.hpp"

namespace vsmcp::mcp {

struct StdioOptions {
  size_t max_message_bytes = 16u << 20;  // longer lines are refused with a JSON-RPC error
  size_t max_in_flight = 64;  // requests running at once; later ones wait in order (responses
                              // and notifications from the client always pass); keep below
                              // ServerOptions::max_in_flight_per_session
  // The session's principal (RequestContext::principal); "" = none. stdio does not
  // authenticate: the program that starts the server vouches for its client.
  std::string principal;
};

// Serves one session until `in` reaches EOF, then closes the session. Blocks.
// Handlers run on the server's workers; responses may interleave in any order.
Status serveStdio(Server& server, std::istream& in, std::ostream& out, const StdioOptions& options = {});

}  // namespace vsmcp::mcp
