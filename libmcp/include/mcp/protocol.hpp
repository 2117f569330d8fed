// MCP protocol strings and numbers, in one place (methods, error codes, versions).
#pragma once

#include <array>
#include <string_view>

namespace vsmcp::mcp {

// The legacy era (an initialize handshake makes a session), newest first. initialize answers
// with the client's version when it is listed here, otherwise with the newest.
inline constexpr std::array<std::string_view, 4> kProtocolVersions = {
    "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};

// The modern (stateless) era: every request names its version in params._meta; no handshake.
// server/discover lists these, and UnsupportedProtocolVersionError names them.
inline constexpr std::array<std::string_view, 1> kModernProtocolVersions = {"2026-07-28"};

// Reserved params._meta / result _meta keys of the modern era.
namespace meta {
inline constexpr std::string_view kProtocolVersion = "io.modelcontextprotocol/protocolVersion";
inline constexpr std::string_view kClientCapabilities = "io.modelcontextprotocol/clientCapabilities";
inline constexpr std::string_view kClientInfo = "io.modelcontextprotocol/clientInfo";
inline constexpr std::string_view kLogLevel = "io.modelcontextprotocol/logLevel";
inline constexpr std::string_view kServerInfo = "io.modelcontextprotocol/serverInfo";
inline constexpr std::string_view kSubscriptionId = "io.modelcontextprotocol/subscriptionId";
}  // namespace meta

// The tasks extension (capabilities.extensions key).
inline constexpr std::string_view kTasksExtension = "io.modelcontextprotocol/tasks";

namespace method {
inline constexpr std::string_view kInitialize = "initialize";
inline constexpr std::string_view kInitialized = "notifications/initialized";
inline constexpr std::string_view kPing = "ping";
inline constexpr std::string_view kToolsList = "tools/list";
inline constexpr std::string_view kToolsCall = "tools/call";
inline constexpr std::string_view kResourcesList = "resources/list";
inline constexpr std::string_view kResourceTemplatesList = "resources/templates/list";
inline constexpr std::string_view kResourcesRead = "resources/read";
inline constexpr std::string_view kResourcesSubscribe = "resources/subscribe";
inline constexpr std::string_view kResourcesUnsubscribe = "resources/unsubscribe";
inline constexpr std::string_view kPromptsList = "prompts/list";
inline constexpr std::string_view kPromptsGet = "prompts/get";
inline constexpr std::string_view kLoggingSetLevel = "logging/setLevel";
inline constexpr std::string_view kCompletionComplete = "completion/complete";
inline constexpr std::string_view kCancelled = "notifications/cancelled";
inline constexpr std::string_view kProgress = "notifications/progress";
inline constexpr std::string_view kMessage = "notifications/message";
inline constexpr std::string_view kToolsListChanged = "notifications/tools/list_changed";
inline constexpr std::string_view kResourcesListChanged = "notifications/resources/list_changed";
inline constexpr std::string_view kResourceUpdated = "notifications/resources/updated";
inline constexpr std::string_view kPromptsListChanged = "notifications/prompts/list_changed";
inline constexpr std::string_view kElicitationCreate = "elicitation/create";
inline constexpr std::string_view kSamplingCreateMessage = "sampling/createMessage";
inline constexpr std::string_view kRootsList = "roots/list";
// Modern era only.
inline constexpr std::string_view kServerDiscover = "server/discover";
inline constexpr std::string_view kSubscriptionsListen = "subscriptions/listen";
inline constexpr std::string_view kSubscriptionsAcknowledged = "notifications/subscriptions/acknowledged";
inline constexpr std::string_view kTasksGet = "tasks/get";
inline constexpr std::string_view kTasksUpdate = "tasks/update";
inline constexpr std::string_view kTasksCancel = "tasks/cancel";
}  // namespace method

namespace error {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kResourceNotFound = -32002;  // legacy era; the modern era uses kInvalidParams
inline constexpr int kHeaderMismatch = -32020;                   // modern era (HTTP headers vs body)
inline constexpr int kMissingRequiredClientCapability = -32021;  // modern era
inline constexpr int kUnsupportedProtocolVersion = -32022;       // modern era
inline constexpr int kRequestCancelled = -32800;  // used in responses to server->client requests

// The HTTP status a 2026-07-28 error response travels with on streamable HTTP: 404 for
// Method not found, 400 for malformed requests (parse, invalid request or params, including
// a missing or bad _meta) and the modern errors (header mismatch, missing client capability,
// unsupported protocol version); 200 otherwise (the JSON-RPC error is the answer). Legacy
// sessions keep their own mapping.
constexpr int modernHttpStatus(int code) {
  if (code == kMethodNotFound) return 404;
  if (code == kParseError || code == kInvalidRequest || code == kInvalidParams || code == kHeaderMismatch ||
      code == kMissingRequiredClientCapability || code == kUnsupportedProtocolVersion)
    return 400;
  return 200;
}
}  // namespace error

}  // namespace vsmcp::mcp
