// conformance-server: an MCP server on libmcp with the fixtures the official conformance
// suite (@modelcontextprotocol/conformance) expects: tools test_*, resources test://...,
// prompts test_*. Serves streamable HTTP at http://127.0.0.1:P/mcp.
//
//   conformance-server --port P        (0 = pick a free port; the URL is printed)
//   conformance-server --stdio         (the same server over stdio, for SDK tests)
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "mcp/http_transport.hpp"
#include "mcp/protocol.hpp"
#include "mcp/server.hpp"
#include "mcp/stdio_transport.hpp"

#include <iostream>

using namespace vsmcp;
using namespace vsmcp::mcp;

namespace {

// 1x1 red PNG and a tiny WAV, base64 (content blocks carry base64 directly).
constexpr const char* kPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
constexpr const char* kWav = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

std::string decodeBase64(const std::string& in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  int bits = 0;
  std::uint32_t acc = 0;  // at most 12 bits are pending; masked so it never overflows
  for (char c : in) {
    int v = value(c);
    if (v < 0) continue;
    acc = ((acc << 6) | static_cast<std::uint32_t>(v)) & 0xFFFFu;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

Json text(const std::string& t) { return Json::object().set("type", "text").set("text", t); }
Json image() { return Json::object().set("type", "image").set("data", kPng).set("mimeType", "image/png"); }
Json embedded(const std::string& uri, const std::string& mime, const std::string& body) {
  return Json::object().set("type", "resource").set(
      "resource", Json::object().set("uri", uri).set("mimeType", mime).set("text", body));
}

ToolResult contents(std::initializer_list<Json> blocks) {
  ToolResult r;
  for (const auto& b : blocks) r.content.push(b);
  return r;
}

Json schema(const char* text) { return *Json::parse(text); }

Status addTools(Server& s) {
  const Json no_args = schema(R"({"type":"object","properties":{}})");
  auto add = [&](const char* name, const char* description, Json input, ToolHandler h) {
    return s.addTool({name, "", description, std::move(input), Json(), {}, std::move(h)});
  };
  VSMCP_RETURN_IF_ERROR(add("test_simple_text", "Returns a simple text response", no_args,
                            [](const Json&, RequestContext&) {
                              return ToolResult::text("This is a simple text response for testing.");
                            }));
  VSMCP_RETURN_IF_ERROR(add("test_image_content", "Returns an image", no_args,
                            [](const Json&, RequestContext&) { return contents({image()}); }));
  VSMCP_RETURN_IF_ERROR(add("test_audio_content", "Returns audio", no_args, [](const Json&, RequestContext&) {
    return contents({Json::object().set("type", "audio").set("data", kWav).set("mimeType", "audio/wav")});
  }));
  VSMCP_RETURN_IF_ERROR(add("test_embedded_resource", "Returns an embedded resource", no_args,
                            [](const Json&, RequestContext&) {
                              return contents({embedded("test://embedded-resource", "text/plain",
                                                        "This is an embedded resource content.")});
                            }));
  VSMCP_RETURN_IF_ERROR(add("test_multiple_content_types", "Returns text, image and a resource", no_args,
                            [](const Json&, RequestContext&) {
                              return contents({text("Multiple content types test:"), image(),
                                               embedded("test://mixed-content-resource", "application/json",
                                                        R"({"test":"data","value":123})")});
                            }));
  VSMCP_RETURN_IF_ERROR(add("test_tool_with_logging", "Logs three messages while it runs", no_args,
                            [](const Json&, RequestContext& ctx) {
                              ctx.log(LogLevel::kInfo, "Tool execution started");
                              std::this_thread::sleep_for(std::chrono::milliseconds(50));
                              ctx.log(LogLevel::kInfo, "Tool processing data");
                              std::this_thread::sleep_for(std::chrono::milliseconds(50));
                              ctx.log(LogLevel::kInfo, "Tool execution completed");
                              return ToolResult::text("Tool with logging executed successfully");
                            }));
  VSMCP_RETURN_IF_ERROR(add("test_error_handling", "Always fails, as a tool error", no_args,
                            [](const Json&, RequestContext&) {
                              return ToolResult::error("This tool intentionally returns an error for testing");
                            }));
  VSMCP_RETURN_IF_ERROR(add("test_tool_with_progress", "Reports progress 0, 50, 100", no_args,
                            [](const Json&, RequestContext& ctx) {
                              for (int p : {0, 50, 100}) {
                                ctx.progress(p, 100, "Completed step " + std::to_string(p) + " of 100");
                                if (p != 100) std::this_thread::sleep_for(std::chrono::milliseconds(50));
                              }
                              const Json* token = ctx.meta().find("progressToken");
                              return ToolResult::text(token ? token->dump() : "no token");
                            }));
  VSMCP_RETURN_IF_ERROR(add(
      "test_sampling", "Asks the client's model to complete a prompt",
      schema(R"({"type":"object","properties":{"prompt":{"type":"string"}},"required":["prompt"]})"),
      [](const Json& args, RequestContext& ctx) {
        Json msg = Json::object().set("role", "user").set("content", text(args.find("prompt")->asString()));
        auto r = ctx.request(method::kSamplingCreateMessage,
                             Json::object().set("messages", Json::array({msg})).set("maxTokens", 100));
        if (!r.ok()) return ToolResult::error("sampling failed: " + r.status().message());
        const Json* content = r->find("content");
        return ToolResult::text("LLM response: " + (content && content->find("text") ? content->find("text")->asString() : r->dump()));
      }));
  VSMCP_RETURN_IF_ERROR(add(
      "test_elicitation", "Asks the user for information",
      schema(R"({"type":"object","properties":{"message":{"type":"string"}},"required":["message"]})"),
      [](const Json& args, RequestContext& ctx) {
        Json requested = schema(R"({"type":"object","properties":{
            "username":{"type":"string","description":"User's response"},
            "email":{"type":"string","description":"User's email address"}},"required":["username","email"]})");
        auto r = ctx.request(method::kElicitationCreate, Json::object()
                                                             .set("message", args.find("message")->asString())
                                                             .set("requestedSchema", requested));
        if (!r.ok()) return ToolResult::error("elicitation failed: " + r.status().message());
        const Json* content = r->find("content");
        return ToolResult::text("User response: action=" + (r->find("action") ? r->find("action")->asString() : "") +
                                ", content=" + (content ? content->dump() : "{}"));
      }));
  VSMCP_RETURN_IF_ERROR(add("test_elicitation_sep1034_defaults", "Elicits a form with default values", no_args,
                            [](const Json&, RequestContext& ctx) {
                              Json requested = schema(R"({"type":"object","properties":{
            "name":{"type":"string","description":"User name","default":"John Doe"},
            "age":{"type":"integer","description":"User age","default":30},
            "score":{"type":"number","description":"User score","default":95.5},
            "status":{"type":"string","description":"User status","enum":["active","inactive","pending"],"default":"active"},
            "verified":{"type":"boolean","description":"Verification status","default":true}},"required":[]})");
                              auto r = ctx.request(method::kElicitationCreate,
                                                   Json::object()
                                                       .set("message", "Please review and update the form fields with defaults")
                                                       .set("requestedSchema", requested));
                              if (!r.ok()) return ToolResult::error(r.status().message());
                              return ToolResult::text("Elicitation completed: " + r->dump());
                            }));
  VSMCP_RETURN_IF_ERROR(add("test_elicitation_sep1330_enums", "Elicits the five kinds of enum", no_args,
                            [](const Json&, RequestContext& ctx) {
                              Json requested = schema(R"J({"type":"object","properties":{
            "untitledSingle":{"type":"string","description":"Select one option","enum":["option1","option2","option3"]},
            "titledSingle":{"type":"string","description":"Select one option with titles","oneOf":[
              {"const":"value1","title":"First Option"},{"const":"value2","title":"Second Option"},{"const":"value3","title":"Third Option"}]},
            "legacyEnum":{"type":"string","description":"Select one option (legacy)","enum":["opt1","opt2","opt3"],
              "enumNames":["Option One","Option Two","Option Three"]},
            "untitledMulti":{"type":"array","description":"Select multiple options","minItems":1,"maxItems":3,
              "items":{"type":"string","enum":["option1","option2","option3"]}},
            "titledMulti":{"type":"array","description":"Select multiple options with titles","minItems":1,"maxItems":3,
              "items":{"anyOf":[{"const":"value1","title":"First Choice"},{"const":"value2","title":"Second Choice"},
                                {"const":"value3","title":"Third Choice"}]}}},"required":[]})J");
                              auto r = ctx.request(method::kElicitationCreate,
                                                   Json::object()
                                                       .set("message", "Please select options from the enum fields")
                                                       .set("requestedSchema", requested));
                              if (!r.ok()) return ToolResult::error(r.status().message());
                              return ToolResult::text("Elicitation completed: " + r->dump());
                            }));
  VSMCP_RETURN_IF_ERROR(add(
      "test_slow", "Counts slowly to `steps`, reporting progress; stops when cancelled",
      schema(R"({"type":"object","properties":{"steps":{"type":"integer","minimum":1,"maximum":1000}},"required":["steps"]})"),
      [](const Json& args, RequestContext& ctx) {
        const auto steps = args.find("steps")->asInt();
        for (std::int64_t i = 1; i <= steps; ++i) {
          if (ctx.cancelled()) return ToolResult::error("cancelled at step " + std::to_string(i));
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          ctx.progress(static_cast<double>(i), static_cast<double>(steps), "step " + std::to_string(i));
        }
        return ToolResult::text("counted to " + std::to_string(steps));
      }));
  VSMCP_RETURN_IF_ERROR(add("json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features",
                            schema(R"({"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
     "$defs":{"address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"}}}},
     "properties":{"name":{"type":"string"},"address":{"$ref":"#/$defs/address"}},
     "additionalProperties":false})"),
                            [](const Json& args, RequestContext&) { return ToolResult::text("received " + args.dump()); }));
  return Status::Ok();
}

Result<std::vector<ResourceContent>> one(const std::string& uri, const std::string& mime,
                                         std::optional<std::string> text_body,
                                         std::optional<std::string> blob = std::nullopt) {
  return std::vector<ResourceContent>{{uri, mime, std::move(text_body), std::move(blob)}};
}

Status addResources(Server& s) {
  VSMCP_RETURN_IF_ERROR(s.addResource({"test://static-text", "static-text", "", "A static text resource",
                                       "text/plain", [](const std::string& uri, RequestContext&) {
                                         return one(uri, "text/plain", "This is the content of the static text resource.");
                                       }}));
  VSMCP_RETURN_IF_ERROR(s.addResource({"test://static-binary", "static-binary", "", "A static binary resource",
                                       "image/png", [](const std::string& uri, RequestContext&) {
                                         return one(uri, "image/png", std::nullopt, decodeBase64(kPng));
                                       }}));
  VSMCP_RETURN_IF_ERROR(s.addResource({"test://watched-resource", "watched-resource", "",
                                       "A resource that can be subscribed to", "text/plain",
                                       [](const std::string& uri, RequestContext&) {
                                         return one(uri, "text/plain", "Watched resource content");
                                       }}));
  VSMCP_RETURN_IF_ERROR(s.addResourceTemplate(
      {"test://template/{id}/data", "template", "", "A templated resource", "application/json",
       [](const std::string& uri, RequestContext&) {
         // test://template/<id>/data
         std::string id = uri.substr(std::strlen("test://template/"));
         id = id.substr(0, id.find('/'));
         Json body = Json::object().set("id", id).set("templateTest", true).set("data", "Data for ID: " + id);
         return one(uri, "application/json", body.dump());
       }}));
  return Status::Ok();
}

Result<PromptResult> messages(std::initializer_list<Json> contents_) {
  PromptResult r;
  for (const auto& c : contents_) r.messages.push(Json::object().set("role", "user").set("content", c));
  return r;
}

Status addPrompts(Server& s) {
  VSMCP_RETURN_IF_ERROR(s.addPrompt({"test_simple_prompt", "", "A simple prompt without arguments", {},
                                     [](const std::map<std::string, std::string>&, RequestContext&) {
                                       return messages({text("This is a simple prompt for testing.")});
                                     }}));
  VSMCP_RETURN_IF_ERROR(s.addPrompt({"test_prompt_with_arguments", "", "A prompt with two arguments",
                                     {{"arg1", "First test argument", true}, {"arg2", "Second test argument", true}},
                                     [](const std::map<std::string, std::string>& a, RequestContext&) {
                                       return messages({text("Prompt with arguments: arg1='" + a.at("arg1") +
                                                             "', arg2='" + a.at("arg2") + "'")});
                                     }}));
  VSMCP_RETURN_IF_ERROR(s.addPrompt({"test_prompt_with_embedded_resource", "", "A prompt embedding a resource",
                                     {{"resourceUri", "URI of the resource to embed", true}},
                                     [](const std::map<std::string, std::string>& a, RequestContext&) {
                                       return messages({embedded(a.at("resourceUri"), "text/plain",
                                                                 "Embedded resource content for testing."),
                                                        text("Please process the embedded resource above.")});
                                     }}));
  VSMCP_RETURN_IF_ERROR(s.addPrompt({"test_prompt_with_image", "", "A prompt with an image", {},
                                     [](const std::map<std::string, std::string>&, RequestContext&) {
                                       return messages({image(), text("Please analyze the image above.")});
                                     }}));
  s.setCompletionHandler([](const Json&, const std::string& argument, const std::string& value, const Json&) {
    std::vector<std::string> out;
    for (const char* v : {"testValue1", "testValue2", "paris", "park"})
      if (!argument.empty() && std::string(v).rfind(value, 0) == 0) out.emplace_back(v);
    return out;
  });
  return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  bool stdio = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      port = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--stdio") == 0) {
      stdio = true;
    } else {
      std::fprintf(stderr, "usage: conformance-server [--port P | --stdio]\n");
      return 2;
    }
  }
  Server server(Implementation{"vsmcp-conformance-server", "0.1.0", "vsmcp conformance server"});
  for (Status st : {addTools(server), addResources(server), addPrompts(server)}) {
    if (!st.ok()) {
      std::fprintf(stderr, "%s\n", st.toString().c_str());
      return 1;
    }
  }
  if (stdio) return serveStdio(server, std::cin, std::cout).ok() ? 0 : 1;
  HttpServerOptions options;
  options.port = static_cast<unsigned short>(port);
  Status st = serveHttpUntilSignal(server, options, [](const std::string& url) {
    std::printf("MCP_URL=%s\n", url.c_str());
    std::fflush(stdout);
  });
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.toString().c_str());
    return 1;
  }
  return 0;
}
