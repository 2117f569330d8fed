// Process-wide logging hook. Libraries log through here; programs decide where lines go
// (stderr by default, so stdout stays clean for protocols such as MCP over stdio).
// Thread-safe: setLogSink and log may be called from any thread.
// Never pass secrets (passwords, session cookies, tokens) to these functions.
#pragma once

#include <functional>
#include <string_view>

namespace vsmcp {

enum class LogLevel { kDebug = 0, kInfo, kWarning, kError };

using LogSink = std::function<void(LogLevel, std::string_view message)>;

// Replaces the sink; an empty function restores the default (stderr).
void setLogSink(LogSink sink);
// Lines below this level are dropped. Default: kInfo.
void setLogLevel(LogLevel level);
void log(LogLevel level, std::string_view message);
// True when a line at this level would be written (to skip building costly messages).
bool shouldLog(LogLevel level);

std::string_view logLevelName(LogLevel level);

}  // namespace vsmcp
