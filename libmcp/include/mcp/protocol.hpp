// MCP protocol strings and numbers, in one place (methods, error codes, versions).
#pragma once

#include <array>
#include <string_view>

namespace vsmcp::mcp {

// Newest first. The server answers with the client's version when it is listed here,
// otherwise with the newest.
inline constexpr std::array<std::string_view, 4> kProtocolVersions = {
    "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};

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
}  // namespace method

namespace error {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kResourceNotFound = -32002;
inline constexpr int kRequestCancelled = -32800;  // used in responses to server->client requests
}  // namespace error

}  // namespace vsmcp::mcp
