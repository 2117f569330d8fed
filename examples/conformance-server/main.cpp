// conformance-server: an MCP server on libmcp with the fixtures the official conformance
// suite (@modelcontextprotocol/conformance) expects: tools test_*, resources test://...,
// prompts test_*, for the legacy era (initialize) and 2026-07-28 (stateless: the
// test_input_required_result_* tools, the diagnostic tools of server-stateless, and the tasks
// extension's greet, slow_compute, failing_job, protocol_error_job, confirm_delete,
// multi_input and test_tool_with_task). Serves streamable HTTP at http://127.0.0.1:P/mcp.
//
//   conformance-server --port P        (0 = pick a free port; the URL is printed)
//   conformance-server --stdio         (the same server over stdio, for SDK tests)
//   --state-key-file F                 (the requestState/task id key; default: random)
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
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

// ---------------------------------------------------------------------------------------
// 2026-07-28: multi round-trip requests (input_required)

Json elicitForm(const std::string& message, const char* property) {
  return Json::object().set("message", message).set(
      "requestedSchema", Json::object()
                             .set("type", "object")
                             .set("properties", Json::object().set(property, Json::object().set("type", "string")))
                             .set("required", Json::array({Json(property)})));
}

Json samplingParams(const std::string& text, int max_tokens) {
  Json msg = Json::object().set("role", "user").set("content", Json::object().set("type", "text").set("text", text));
  return Json::object().set("messages", Json::array({msg})).set("maxTokens", max_tokens);
}

// The "content.<field>" of an elicitation answer, or "".
std::string answerField(const Result<Json>& r, const char* field) {
  if (!r.ok()) return "";
  const Json* content = r->find("content");
  const Json* v = content ? content->find(field) : nullptr;
  return v ? (v->isString() ? v->asString() : v->dump()) : "";
}

// A handler's way out when an input request is pending (its result is discarded).
ToolResult pending(const Status& st) { return ToolResult::error(st.message()); }

Status addInputRequiredTools(Server& s) {
  const Json no_args = schema(R"({"type":"object","properties":{}})");
  auto add = [&](const char* name, const char* description, ToolHandler h) {
    return s.addTool({name, "", description, no_args, Json(), {}, std::move(h)});
  };
  VSMCP_RETURN_IF_ERROR(add("test_input_required_result_elicitation", "Asks the user's name (input_required)",
                            [](const Json&, RequestContext& ctx) {
                              auto r = ctx.request(method::kElicitationCreate, elicitForm("What is your name?", "name"),
                                                   "user_name");
                              if (!r.ok()) return pending(r.status());
                              return ToolResult::text("Hello, " + answerField(r, "name") + "!");
                            }));
  VSMCP_RETURN_IF_ERROR(add("test_input_required_result_sampling", "Asks the client's model (input_required)",
                            [](const Json&, RequestContext& ctx) {
                              auto r = ctx.request(method::kSamplingCreateMessage,
                                                   samplingParams("What is the capital of France?", 100),
                                                   "capital_question");
                              if (!r.ok()) return pending(r.status());
                              const Json* content = r->find("content");
                              return ToolResult::text("The model said: " +
                                                      (content && content->find("text") ? content->find("text")->asString() : r->dump()));
                            }));
  VSMCP_RETURN_IF_ERROR(add("test_input_required_result_list_roots", "Asks the client's roots (input_required)",
                            [](const Json&, RequestContext& ctx) {
                              auto r = ctx.request(method::kRootsList, Json::object(), "client_roots");
                              if (!r.ok()) return pending(r.status());
                              const Json* roots = r->find("roots");
                              return ToolResult::text("Roots: " + (roots ? roots->dump() : std::string("[]")));
                            }));
  VSMCP_RETURN_IF_ERROR(add("test_input_required_result_request_state", "Confirms through requestState",
                            [](const Json&, RequestContext& ctx) {
                              Json form = Json::object().set("message", "Please confirm").set(
                                  "requestedSchema", *Json::parse(R"({"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]})"));
                              auto r = ctx.request(method::kElicitationCreate, form, "confirm");
                              if (!r.ok()) return pending(r.status());
                              return ToolResult::text("state-ok: confirmed " + answerField(r, "ok"));
                            }));
  VSMCP_RETURN_IF_ERROR(add("test_input_required_result_tampered_state", "Confirms through a signed requestState",
                            [](const Json&, RequestContext& ctx) {
                              Json form = Json::object().set("message", "Please confirm").set(
                                  "requestedSchema", *Json::parse(R"({"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]})"));
                              auto r = ctx.request(method::kElicitationCreate, form, "confirm");
                              if (!r.ok()) return pending(r.status());
                              return ToolResult::text("state-ok");
                            }));
  VSMCP_RETURN_IF_ERROR(add("test_input_required_result_multiple_inputs", "Asks three things at once",
                            [](const Json&, RequestContext& ctx) {
                              // Every question is asked before giving up, so one round lists them all.
                              auto name = ctx.request(method::kElicitationCreate, elicitForm("What is your name?", "name"), "user_name");
                              auto greeting = ctx.request(method::kSamplingCreateMessage, samplingParams("Generate a greeting", 50), "greeting");
                              auto roots = ctx.request(method::kRootsList, Json::object(), "client_roots");
                              for (const auto* r : {&name, &greeting, &roots})
                                if (!r->ok()) return pending(r->status());
                              return ToolResult::text("Hello " + answerField(name, "name") + ", " + greeting->dump() +
                                                      ", roots " + roots->dump());
                            }));
  VSMCP_RETURN_IF_ERROR(add("test_input_required_result_multi_round", "Asks in two rounds",
                            [](const Json&, RequestContext& ctx) {
                              auto name = ctx.request(method::kElicitationCreate,
                                                      elicitForm("Step 1: What is your name?", "name"), "step1");
                              if (!name.ok()) return pending(name.status());
                              auto color = ctx.request(method::kElicitationCreate,
                                                       elicitForm("Step 2: What is your favorite color?", "color"), "step2");
                              if (!color.ok()) return pending(color.status());
                              return ToolResult::text(answerField(name, "name") + " likes " + answerField(color, "color"));
                            }));
  VSMCP_RETURN_IF_ERROR(add("test_input_required_result_capabilities", "Asks only what the client can answer",
                            [](const Json&, RequestContext& ctx) {
                              auto name = ctx.request(method::kElicitationCreate, elicitForm("What is your name?", "name"), "user_name");
                              auto capital = ctx.request(method::kSamplingCreateMessage,
                                                         samplingParams("What is the capital of France?", 100), "capital_question");
                              for (const auto* r : {&name, &capital})
                                if (!r->ok() && isInputRequired(r->status())) return pending(r->status());
                              return ToolResult::text("answered what it could");
                            }));
  // server-stateless diagnostics
  VSMCP_RETURN_IF_ERROR(add("test_missing_capability", "Needs sampling: without it, -32021",
                            [](const Json&, RequestContext& ctx) {
                              auto r = ctx.request(method::kSamplingCreateMessage, samplingParams("Say hi", 10), "hi");
                              if (!r.ok()) return pending(r.status());
                              return ToolResult::text("sampled");
                            }));
  VSMCP_RETURN_IF_ERROR(add("test_streaming_elicitation", "Elicits while the response streams",
                            [](const Json&, RequestContext& ctx) {
                              ctx.progress(0, 1, "starting");
                              auto r = ctx.request(method::kElicitationCreate, elicitForm("What is your name?", "name"), "user_name");
                              if (!r.ok()) return pending(r.status());
                              return ToolResult::text("Hello, " + answerField(r, "name"));
                            }));
  VSMCP_RETURN_IF_ERROR(add("test_logging_tool", "Logs (only at the request's own log level)",
                            [](const Json&, RequestContext& ctx) {
                              ctx.log(LogLevel::kInfo, "logging tool ran");
                              ctx.log(LogLevel::kError, "an error-level message");
                              return ToolResult::text("logged");
                            }));
  VSMCP_RETURN_IF_ERROR(add("test_trigger_tool_change", "Announces a tool list change",
                            [&s](const Json&, RequestContext&) {
                              s.notifyToolListChanged();
                              return ToolResult::text("tools/list changed");
                            }));
  VSMCP_RETURN_IF_ERROR(add("test_trigger_prompt_change", "Announces a prompt list change",
                            [&s](const Json&, RequestContext&) {
                              s.notifyPromptListChanged();
                              return ToolResult::text("prompts/list changed");
                            }));
  VSMCP_RETURN_IF_ERROR(add("test_trigger_resource_update", "Announces that test://watched-resource changed",
                            [&s](const Json&, RequestContext&) {
                              s.notifyResourceUpdated("test://watched-resource");
                              return ToolResult::text("test://watched-resource updated");
                            }));
  // SEP-2243: a parameter the client mirrors into an Mcp-Param-Region header (checked by the
  // HTTP transport against the body).
  VSMCP_RETURN_IF_ERROR(s.addTool({"test_custom_header", "", "Echoes a region sent as a custom header too",
                                   schema(R"({"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"}},"required":["region"]})"),
                                   Json(), {}, [](const Json& args, RequestContext&) {
                                     return ToolResult::text("region " + args.find("region")->asString());
                                   }}));
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// The tasks extension: a backend whose tasks live in this process (a fixture; a real backend
// keeps its state outside, e.g. vCenter tasks). The task's JSON state names its entry.

class FixtureTasks final : public TaskBackend {
 public:
  Result<Json> start(const Tool& tool, const Json& args, RequestContext& ctx) override {
    Entry e;
    e.kind = tool.name;
    e.started = std::chrono::steady_clock::now();
    if (tool.name == "slow_compute") {
      e.seconds = std::max<double>(0, args.find("seconds") ? args.find("seconds")->asDouble() : 1);
      e.label = args.find("label") ? args.find("label")->asString() : "";
    } else if (tool.name == "failing_job" || tool.name == "protocol_error_job") {
      e.seconds = 1;
    } else if (tool.name == "confirm_delete") {
      e.label = args.find("filename") ? args.find("filename")->asString() : "file.txt";
      e.wanted = {"confirm"};
    } else if (tool.name == "multi_input") {
      e.wanted = {"first", "second"};
    } else if (tool.name == "test_tool_with_task") {
      // Input first (multi round-trip), then the task.
      auto r = ctx.request(method::kElicitationCreate, elicitForm("What is your name?", "name"), "user_name");
      if (!r.ok()) return r.status();
      e.label = answerField(r, "name");
      e.seconds = 0.5;
    }
    std::lock_guard<std::mutex> lock(mu_);
    const std::string key = std::to_string(++next_);
    entries_[key] = std::move(e);
    return Json::object().set("k", key);
  }

  Result<TaskState> get(const Tool&, const Json& state, const std::string&) override {
    std::lock_guard<std::mutex> lock(mu_);
    Entry* e = find(state);
    if (!e) return Status::NotFound("no such task in this process");
    TaskState st;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - e->started).count();
    if (e->cancelled) {
      st.status = TaskState::Status::kCancelled;
      st.message = "cancelled at the client's request";
      return st;
    }
    if (!e->wanted.empty()) {
      st.status = TaskState::Status::kInputRequired;
      st.input_requests = Json::object();
      for (const auto& k : e->wanted) {
        if (e->answers.find(k)) continue;
        std::string question = e->kind == "confirm_delete" ? "Delete " + e->label + "?" : "Your answer for " + k + "?";
        Json form = Json::object().set("message", question).set(
            "requestedSchema", *Json::parse(R"({"type":"object","properties":{"confirm":{"type":"boolean"}},"required":["confirm"]})"));
        st.input_requests.set(k, Json::object().set("method", method::kElicitationCreate).set("params", form));
      }
      if (st.input_requests.size() > 0) return st;
      st.status = TaskState::Status::kCompleted;
      st.result = ToolResult::text(e->kind == "confirm_delete" ? "Deleted " + e->label : "Got " + e->answers.dump());
      return st;
    }
    if (elapsed < e->seconds) {
      st.status = TaskState::Status::kWorking;
      st.progress = 100.0 * elapsed / e->seconds;
      return st;
    }
    if (e->kind == "failing_job") {
      st.status = TaskState::Status::kCompleted;
      st.result = ToolResult::error("failing_job failed, as it always does");
    } else if (e->kind == "protocol_error_job") {
      st.status = TaskState::Status::kFailed;
      st.error_message = "protocol_error_job broke down (internal error)";
    } else if (e->kind == "test_tool_with_task") {
      st.status = TaskState::Status::kCompleted;
      st.result = ToolResult::text("Hello, " + e->label + "! (from a task)");
    } else {
      st.status = TaskState::Status::kCompleted;
      st.result = ToolResult::text("computed " + e->label + " in " + std::to_string(e->seconds) + " s");
    }
    return st;
  }

  Status cancel(const Tool&, const Json& state, const std::string&) override {
    std::lock_guard<std::mutex> lock(mu_);
    Entry* e = find(state);
    if (!e) return Status::NotFound("no such task in this process");
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - e->started).count();
    if (elapsed < e->seconds || !e->wanted.empty()) e->cancelled = true;  // finished tasks stay finished
    return Status::Ok();
  }

  Status update(const Tool&, const Json& state, const Json& responses, const std::string&) override {
    std::lock_guard<std::mutex> lock(mu_);
    Entry* e = find(state);
    if (!e) return Status::NotFound("no such task in this process");
    for (const auto& [k, v] : responses.members())
      if (e->wanted.count(k)) e->answers.set(k, v);
    return Status::Ok();
  }

 private:
  struct Entry {
    std::string kind, label;
    double seconds = 0;
    std::chrono::steady_clock::time_point started;
    bool cancelled = false;
    std::set<std::string> wanted;
    Json answers = Json::object();
  };
  Entry* find(const Json& state) {
    const Json* k = state.find("k");
    auto it = k ? entries_.find(k->asString()) : entries_.end();
    return it == entries_.end() ? nullptr : &it->second;
  }
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
  std::uint64_t next_ = 0;
};

Status addTaskTools(Server& s) {
  auto backend = std::make_shared<FixtureTasks>();
  auto add = [&](const char* name, const char* description, const char* input, TaskSupport support, ToolHandler h) {
    Tool t{name, "", description, schema(input), Json(), {}, std::move(h)};
    t.task_support = support;
    if (support != TaskSupport::kNone) t.tasks = backend;
    return s.addTool(std::move(t));
  };
  VSMCP_RETURN_IF_ERROR(add("greet", "Says hello (never a task)",
                            R"({"type":"object","properties":{"name":{"type":"string"}}})", TaskSupport::kNone,
                            [](const Json& args, RequestContext&) {
                              return ToolResult::text("Hello, " + (args.find("name") ? args.find("name")->asString() : std::string("World")) + "!");
                            }));
  VSMCP_RETURN_IF_ERROR(add("slow_compute", "Computes for `seconds` (a task when the client can)",
                            R"({"type":"object","properties":{"seconds":{"type":"number","minimum":0,"maximum":3600},"label":{"type":"string"}}})",
                            TaskSupport::kOptional, [](const Json& args, RequestContext& ctx) {
                              const double secs = std::min(5.0, args.find("seconds") ? args.find("seconds")->asDouble() : 1.0);
                              for (int i = 0; i < static_cast<int>(secs * 20) && !ctx.cancelled(); ++i)
                                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                              return ToolResult::text("computed synchronously");
                            }));
  VSMCP_RETURN_IF_ERROR(add("failing_job", "Fails as a tool error (only as a task)",
                            R"({"type":"object","properties":{}})", TaskSupport::kRequired, nullptr));
  VSMCP_RETURN_IF_ERROR(add("protocol_error_job", "Fails with a protocol error (only as a task)",
                            R"({"type":"object","properties":{}})", TaskSupport::kRequired, nullptr));
  VSMCP_RETURN_IF_ERROR(add("confirm_delete", "Deletes a file once the user confirms (a task)",
                            R"({"type":"object","properties":{"filename":{"type":"string"}}})", TaskSupport::kRequired,
                            nullptr));
  VSMCP_RETURN_IF_ERROR(add("multi_input", "Asks two questions at once (a task)", R"({"type":"object","properties":{}})",
                            TaskSupport::kRequired, nullptr));
  VSMCP_RETURN_IF_ERROR(add("test_tool_with_task", "Asks a name, then greets from a task",
                            R"({"type":"object","properties":{}})", TaskSupport::kRequired, nullptr));
  return Status::Ok();
}

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
     "$defs":{"address":{"$anchor":"addressDef","type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"}}}},
     "properties":{"name":{"type":"string"},"address":{"$ref":"#/$defs/address"},
                   "contactMethod":{"type":"string","enum":["phone","email"]},"phone":{"type":"string"},"email":{"type":"string"}},
     "allOf":[{"anyOf":[{"required":["phone"]},{"required":["email"]}]}],
     "if":{"properties":{"contactMethod":{"const":"phone"}},"required":["contactMethod"]},
     "then":{"required":["phone"]},"else":{"required":["email"]},
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
  VSMCP_RETURN_IF_ERROR(s.addPrompt({"test_input_required_result_prompt", "", "A prompt that asks the user first", {},
                                     [](const std::map<std::string, std::string>&, RequestContext& ctx) -> Result<PromptResult> {
                                       auto r = ctx.request(method::kElicitationCreate,
                                                            elicitForm("What context should the prompt use?", "context"),
                                                            "user_context");
                                       if (!r.ok()) return r.status();
                                       return messages({text("Use this context: " + answerField(r, "context"))});
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
  ServerOptions server_options;
  server_options.task_poll_interval = std::chrono::milliseconds(200);
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      port = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--stdio") == 0) {
      stdio = true;
    } else if (std::strcmp(argv[i], "--state-key-file") == 0 && i + 1 < argc) {
      std::ifstream in(argv[++i], std::ios::binary);
      std::stringstream key;
      key << in.rdbuf();
      if (!in || key.str().size() < 16) {
        std::fprintf(stderr, "conformance-server: %s: cannot read a key of at least 16 bytes\n", argv[i]);
        return 2;
      }
      server_options.state_key = key.str();
    } else {
      std::fprintf(stderr, "usage: conformance-server [--port P | --stdio] [--state-key-file F]\n");
      return 2;
    }
  }
  Server server(Implementation{"vsmcp-conformance-server", "0.1.0", "vsmcp conformance server"}, server_options);
  for (Status st : {addTools(server), addInputRequiredTools(server), addTaskTools(server), addResources(server),
                    addPrompts(server)}) {
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
