#include "vsmcp/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

namespace vsmcp {
namespace {

std::mutex g_mu;
LogSink g_sink;  // guarded by g_mu
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

}  // namespace

std::string_view logLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "unknown";
}

void setLogSink(LogSink sink) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_sink = std::move(sink);
}

void setLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }

bool shouldLog(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

void log(LogLevel level, std::string_view message) {
  if (static_cast<int>(level) < g_level.load()) return;
  LogSink sink;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    sink = g_sink;  // called outside the lock, so a sink may log too
  }
  if (sink) {
    sink(level, message);
    return;
  }
  std::string line = "vsmcp ";
  line += logLevelName(level);
  line += ": ";
  line += message;
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace vsmcp
