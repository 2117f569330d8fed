#include "policy/audit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "vsmcp/log.hpp"
#include "vsmcp/time.hpp"

namespace vsmcp::policy {

namespace {

constexpr size_t kMaxAuditString = 1024;

bool isSecretKey(std::string_view key) {
  std::string k;
  for (char c : key)
    if (c != '_' && c != '-') k += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const char* kWords[] = {"password", "passwd", "secret", "token", "apikey", "authorization",
                                 "credential", "privatekey", "passphrase", "cookie"};
  for (const char* w : kWords)
    if (k.find(w) != std::string::npos) return true;
  return false;
}

}  // namespace

Json maskSecrets(const Json& value) {
  if (value.isObject()) {
    Json out = Json::object();
    for (const auto& [k, v] : value.members()) out.appendMember(k, isSecretKey(k) ? Json("***") : maskSecrets(v));
    return out;
  }
  if (value.isArray()) {
    Json out = Json::array();
    for (const auto& v : value.items()) out.push(maskSecrets(v));
    return out;
  }
  if (value.isString() && value.asString().size() > kMaxAuditString) {
    // Cut on a UTF-8 character boundary so the record stays valid JSON text.
    size_t cut = kMaxAuditString;
    while (cut > 0 && (static_cast<unsigned char>(value.asString()[cut]) & 0xC0) == 0x80) --cut;
    return Json(value.asString().substr(0, cut) + "...(" + std::to_string(value.asString().size()) + " bytes)");
  }
  return value;
}

Json toJson(const AuditRecord& r) {
  Json j = Json::object();
  j.set("time", isoTime(r.time)).set("event", r.event).set("correlation_id", r.correlation_id);
  if (!r.transport.empty()) j.set("transport", r.transport);
  if (!r.remote.empty()) j.set("remote", r.remote);
  if (!r.session.empty()) j.set("session", r.session);
  j.set("principal", r.principal).set("role", r.role).set("operation", r.operation);
  if (r.action) j.set("action", actionName(*r.action));
  if (!r.arguments.isNull()) j.set("arguments", r.arguments);
  if (!r.target.empty()) j.set("target", r.target);
  if (r.duration) j.set("duration_ms", static_cast<double>(r.duration->count()) / 1000.0);
  if (!r.outcome.empty()) j.set("outcome", r.outcome);
  if (!r.error.empty()) j.set("error", r.error);
  if (!r.approval.empty()) j.set("approval", r.approval);
  if (!r.approved_by.empty()) j.set("approved_by", r.approved_by);
  return j;
}

Result<std::unique_ptr<FileAuditSink>> FileAuditSink::open(const std::string& path) {
  if (path.empty()) return Status::InvalidArgument("the audit log path is empty");
  if (path == "-") return std::unique_ptr<FileAuditSink>(new FileAuditSink(STDOUT_FILENO, false, "stdout"));
  if (path == "stderr") return std::unique_ptr<FileAuditSink>(new FileAuditSink(STDERR_FILENO, false, "stderr"));
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return Status::InvalidArgument("cannot open the audit log '" + path + "': " + std::strerror(errno));
  return std::unique_ptr<FileAuditSink>(new FileAuditSink(fd, true, path));
}

FileAuditSink::FileAuditSink(int fd, bool owned, std::string path) : fd_(fd), owned_(owned), path_(std::move(path)) {}

FileAuditSink::~FileAuditSink() {
  if (owned_) ::close(fd_);
}

void FileAuditSink::write(const AuditRecord& record) {
  std::string line = toJson(record).dump();
  line += '\n';
  // One write(2) per record (O_APPEND makes it atomic against other writers of regular files);
  // loop only for the rare partial write.
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failures_.fetch_add(1);
      log(LogLevel::kError, "audit: cannot write to " + path_ + ": " + std::strerror(errno));
      return;
    }
    done += static_cast<size_t>(n);
  }
}

}  // namespace vsmcp::policy
