#include "vsmcp/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <unordered_set>

namespace vsmcp {

namespace {
const std::string kEmptyString;
const Json::Array kEmptyArray;
const Json::Object kEmptyObject;
}  // namespace

bool Json::asBool(bool fallback) const { return isBool() ? std::get<bool>(v_) : fallback; }

std::int64_t Json::asInt(std::int64_t fallback) const {
  if (type() == Type::kInt) return std::get<std::int64_t>(v_);
  if (type() == Type::kDouble) {
    double d = std::get<double>(v_);
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.2e18) return static_cast<std::int64_t>(d);
  }
  return fallback;
}

double Json::asDouble(double fallback) const {
  if (type() == Type::kDouble) return std::get<double>(v_);
  if (type() == Type::kInt) return static_cast<double>(std::get<std::int64_t>(v_));
  return fallback;
}

const std::string& Json::asString() const { return isString() ? std::get<std::string>(v_) : kEmptyString; }
const Json::Array& Json::items() const { return isArray() ? std::get<Array>(v_) : kEmptyArray; }
const Json::Object& Json::members() const { return isObject() ? std::get<Object>(v_) : kEmptyObject; }

const Json* Json::find(std::string_view key) const {
  if (!isObject()) return nullptr;
  for (const auto& [k, v] : std::get<Object>(v_))
    if (k == key) return &v;
  return nullptr;
}

Json* Json::find(std::string_view key) {
  if (!isObject()) return nullptr;
  for (auto& [k, v] : std::get<Object>(v_))
    if (k == key) return &v;
  return nullptr;
}

Json& Json::set(std::string_view key, Json value) {
  if (!isObject()) v_ = Object{};
  auto& obj = std::get<Object>(v_);
  for (auto& [k, v] : obj) {
    if (k == key) {
      v = std::move(value);
      return *this;
    }
  }
  obj.emplace_back(std::string(key), std::move(value));
  return *this;
}

bool Json::erase(std::string_view key) {
  if (!isObject()) return false;
  auto& obj = std::get<Object>(v_);
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (it->first == key) {
      obj.erase(it);
      return true;
    }
  }
  return false;
}

void Json::appendMember(std::string key, Json value) {
  if (!isObject()) v_ = Object{};
  std::get<Object>(v_).emplace_back(std::move(key), std::move(value));
}

Json& Json::push(Json value) {
  if (!isArray()) v_ = Array{};
  std::get<Array>(v_).push_back(std::move(value));
  return *this;
}

size_t Json::size() const {
  if (isArray()) return std::get<Array>(v_).size();
  if (isObject()) return std::get<Object>(v_).size();
  return 0;
}

std::string_view Json::typeName(Type t) {
  switch (t) {
    case Type::kNull: return "null";
    case Type::kBool: return "boolean";
    case Type::kInt: return "integer";
    case Type::kDouble: return "number";
    case Type::kString: return "string";
    case Type::kArray: return "array";
    case Type::kObject: return "object";
  }
  return "unknown";
}

namespace {

void write(const Json& j, rapidjson::Writer<rapidjson::StringBuffer>& w) {
  switch (j.type()) {
    case Json::Type::kNull: w.Null(); break;
    case Json::Type::kBool: w.Bool(j.asBool()); break;
    case Json::Type::kInt: w.Int64(j.asInt()); break;
    case Json::Type::kDouble: {
      double d = j.asDouble();
      if (std::isfinite(d)) {
        w.Double(d);
      } else {
        w.Null();  // JSON has no NaN or infinity
      }
      break;
    }
    case Json::Type::kString: w.String(j.asString().data(), static_cast<rapidjson::SizeType>(j.asString().size())); break;
    case Json::Type::kArray:
      w.StartArray();
      for (const auto& v : j.items()) write(v, w);
      w.EndArray();
      break;
    case Json::Type::kObject:
      w.StartObject();
      for (const auto& [k, v] : j.members()) {
        w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
        write(v, w);
      }
      w.EndObject();
      break;
  }
}

// SAX handler building our DOM with an explicit stack (no recursion on input depth).
class Builder {
 public:
  explicit Builder(int max_depth) : max_depth_(max_depth) {}
  bool Null() { return add(Json()); }
  bool Bool(bool b) { return add(Json(b)); }
  bool Int(int i) { return add(Json(static_cast<std::int64_t>(i))); }
  bool Uint(unsigned u) { return add(Json(static_cast<std::int64_t>(u))); }
  bool Int64(std::int64_t i) { return add(Json(i)); }
  bool Uint64(std::uint64_t u) {
    if (u > static_cast<std::uint64_t>(INT64_MAX)) return add(Json(static_cast<double>(u)));
    return add(Json(static_cast<std::int64_t>(u)));
  }
  bool Double(double d) { return add(Json(d)); }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return false; }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    if (hasSurrogate(s, n)) return fail("a string holds an unpaired UTF-16 surrogate");
    return add(Json(std::string(s, n)));
  }
  bool StartObject() { return open(Json::object()); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (hasSurrogate(s, n)) return fail("a key holds an unpaired UTF-16 surrogate");
    keys_.back().assign(s, n);
    return true;
  }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool StartArray() { return open(Json::array()); }
  bool EndArray(rapidjson::SizeType) { return close(); }

  Json result() { return std::move(root_); }
  bool tooDeep() const { return too_deep_; }
  const std::string& error() const { return error_; }

 private:
  bool add(Json v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return true;
    }
    Json& top = stack_.back();
    if (top.isArray()) {
      top.push(std::move(v));
    } else {
      top.appendMember(std::move(keys_.back()), std::move(v));  // duplicates checked on close
    }
    return true;
  }
  bool fail(std::string why) {
    error_ = std::move(why);
    return false;
  }
  // UTF-8 encodings of U+D800..U+DFFF (ED A0..BF xx): RapidJSON lets a lone low surrogate
  // through, which would make us emit invalid UTF-8 later.
  static bool hasSurrogate(const char* s, size_t n) {
    for (size_t i = 0; i + 1 < n; ++i)
      if (static_cast<unsigned char>(s[i]) == 0xED && (static_cast<unsigned char>(s[i + 1]) & 0xE0) == 0xA0)
        return true;
    return false;
  }
  bool open(Json container) {
    if (static_cast<int>(stack_.size()) >= max_depth_) {
      too_deep_ = true;
      return false;
    }
    stack_.push_back(std::move(container));
    keys_.emplace_back();
    return true;
  }
  bool close() {
    if (stack_.back().isObject() && stack_.back().size() > 1) {
      std::unordered_set<std::string_view> seen;
      for (const auto& [k, v] : stack_.back().members())
        if (!seen.insert(k).second) return fail("duplicate object key \"" + k.substr(0, 64) + "\"");
    }
    Json done = std::move(stack_.back());
    stack_.pop_back();
    keys_.pop_back();
    return add(std::move(done));
  }

  int max_depth_;
  bool too_deep_ = false;
  std::string error_;
  Json root_;
  std::vector<Json> stack_;
  std::vector<std::string> keys_;
};

}  // namespace

std::string Json::dump() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  write(*this, writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<Json> Json::parse(std::string_view text, const ParseLimits& limits) {
  if (text.size() > limits.max_bytes)
    return Status::InvalidArgument("JSON text of " + std::to_string(text.size()) +
                                   " bytes exceeds the limit of " + std::to_string(limits.max_bytes));
  Builder builder(limits.max_depth);
  rapidjson::Reader reader;
  rapidjson::MemoryStream ms(text.data(), text.size());
  auto result = reader.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag |
                             rapidjson::kParseStopWhenDoneFlag>(ms, builder);
  if (builder.tooDeep())
    return Status::InvalidArgument("JSON nesting deeper than " + std::to_string(limits.max_depth) +
                                   " levels");
  if (!builder.error().empty())
    return Status::InvalidArgument("invalid JSON near offset " + std::to_string(result.Offset()) + ": " +
                                   builder.error());
  if (result.IsError())
    return Status::InvalidArgument("invalid JSON at offset " + std::to_string(result.Offset()) + ": " +
                                   rapidjson::GetParseError_En(result.Code()));
  // Only whitespace may follow the value.
  for (size_t i = ms.Tell(); i < text.size(); ++i) {
    char c = text[i];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
      return Status::InvalidArgument("invalid JSON at offset " + std::to_string(i) +
                                     ": unexpected data after the value");
  }
  return builder.result();
}

}  // namespace vsmcp
