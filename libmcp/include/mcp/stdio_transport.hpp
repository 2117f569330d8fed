// The stdio transport: newline-delimited JSON-RPC on an input and an output stream (stdin and
// stdout for a real server). Logs must go to stderr (vsmcp::log does by default).
#pragma once

#include <chrono>
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
  // After a stop (serveStdioFd, serveStdioUntilSignal): how long requests in flight may take
  // to finish and have their responses written, before they are cancelled.
  std::chrono::milliseconds drain_timeout{10000};
  // After that cancellation: how long they may take to answer before serving returns
  // without their answers.
  std::chrono::milliseconds cancel_grace{5000};
};

// Serves one session until `in` reaches EOF, then closes the session. Blocks.
// Handlers run on the server's workers; responses may interleave in any order.
Status serveStdio(Server& server, std::istream& in, std::ostream& out, const StdioOptions& options = {});

// Like serveStdio, reading the file descriptor `in_fd`, and also stopping gracefully once
// `stop_fd` becomes readable (e.g. a self-pipe a signal handler writes to), even while it
// waits for the requests in flight after EOF: it reads no more input, waits for the requests
// in flight up to options.drain_timeout, then cancels what still runs (Session::shutDown:
// handlers see cancelled(), requests not started yet are refused) and waits up to
// options.cancel_grace for those answers. Every answer that came in time is written before
// it returns. After EOF without a stop it waits for every request, as serveStdio does.
Status serveStdioFd(Server& server, int in_fd, std::ostream& out, int stop_fd,
                    const StdioOptions& options = {});

// For a program's main(): serveStdioFd on stdin and std::cout, stopped by SIGINT or SIGTERM
// (handlers installed for the duration of the call).
Status serveStdioUntilSignal(Server& server, const StdioOptions& options = {});

}  // namespace vsmcp::mcp
