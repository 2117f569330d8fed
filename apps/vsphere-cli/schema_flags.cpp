#include "schema_flags.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace vsmcp::cli {

namespace {

// The first type named by a schema ("type": "string" or ["string", "null"]).
std::string schemaType(const Json& schema) {
  const Json* t = schema.find("type");
  if (!t) return "";
  if (t->isString()) return t->asString();
  for (const auto& item : t->items())
    if (item.isString() && item.asString() != "null") return item.asString();
  return "";
}

FlagType flagType(const Json& schema) {
  const std::string type = schemaType(schema);
  if (type == "string") return FlagType::kString;
  if (type == "integer") return FlagType::kInteger;
  if (type == "number") return FlagType::kNumber;
  if (type == "boolean") return FlagType::kBoolean;
  if (type == "array") {
    const Json* items = schema.find("items");
    if (items && schemaType(*items) == "string") return FlagType::kStringList;
  }
  if (type.empty() && schema.find("enum")) return FlagType::kString;
  return FlagType::kJson;
}

std::string numberText(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  return Json(v).dump();
}

Status badValue(const FlagSpec& flag, const std::string& value, const std::string& why) {
  return Status::InvalidArgument("--" + flag.name + ": '" + value + "' " + why);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string flagName(const std::string& property) {
  std::string name = property;
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

std::vector<FlagSpec> flagsFromSchema(const Json& input_schema) {
  std::vector<std::string> required;
  if (const Json* r = input_schema.find("required"))
    for (const auto& item : r->items()) required.push_back(item.asString());
  std::vector<FlagSpec> flags;
  const Json* properties = input_schema.find("properties");
  if (!properties) return flags;
  for (const auto& [property, schema] : properties->members()) {
    if (property == "confirm") continue;  // --yes
    if (property == "cursor") continue;   // the CLI lists everything at once
    FlagSpec f;
    f.property = property;
    f.name = flagName(property);
    f.type = flagType(schema);
    f.required = std::find(required.begin(), required.end(), property) != required.end();
    if (const Json* d = schema.find("description")) f.description = d->asString();
    if (const Json* e = schema.find("enum"))
      for (const auto& v : e->items()) f.choices.push_back(v.isString() ? v.asString() : v.dump());
    if (const Json* d = schema.find("default"))
      f.default_text = d->isString() ? d->asString() : d->dump();
    if (const Json* m = schema.find("minimum"); m && m->isNumber()) f.minimum = m->asDouble();
    if (const Json* m = schema.find("maximum"); m && m->isNumber()) f.maximum = m->asDouble();
    if (const Json* members = schema.find("properties"))
      for (const auto& m : members->members()) f.members.push_back(m.first);
    flags.push_back(std::move(f));
  }
  int position = 0;
  for (const auto& r : required)
    for (auto& f : flags)
      if (f.property == r && f.type == FlagType::kString) f.position = position++;
  if (position == 0)
    for (auto& f : flags)
      if (f.property == "name" && f.type == FlagType::kString) f.position = position++;
  // A snapshot is named after its VM even where it may be left out (revert: the current one),
  // as in `vm snapshot rm VM NAME`.
  for (auto& f : flags)
    if (f.property == "snapshot" && f.type == FlagType::kString && f.position < 0) f.position = position++;
  return flags;
}

Result<Json> flagValue(const FlagSpec& flag, const std::vector<std::string>& given) {
  if (flag.type == FlagType::kStringList) {
    Json list = Json::array();
    for (const auto& g : given) {
      size_t start = 0;
      for (;;) {
        const size_t comma = g.find(',', start);
        std::string item =
            g.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!item.empty()) list.push(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
    return list;
  }
  if (given.empty()) return Status::InvalidArgument("--" + flag.name + ": no value");
  if (given.size() > 1 && flag.type != FlagType::kBoolean)
    return Status::InvalidArgument("--" + flag.name + ": given " + std::to_string(given.size()) +
                                   " times; give it once");
  const std::string& v = given.back();
  switch (flag.type) {
    case FlagType::kString:
      if (!flag.choices.empty() &&
          std::find(flag.choices.begin(), flag.choices.end(), v) == flag.choices.end()) {
        std::string list;
        for (const auto& c : flag.choices) list += (list.empty() ? "" : ", ") + c;
        return badValue(flag, v, "is not one of: " + list);
      }
      return Json(v);
    case FlagType::kInteger: {
      errno = 0;
      char* end = nullptr;
      const long long n = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || end == nullptr || *end != '\0' || errno == ERANGE ||
          std::isspace(static_cast<unsigned char>(v[0])))
        return badValue(flag, v, "is not an integer");
      return Json(static_cast<std::int64_t>(n));
    }
    case FlagType::kNumber: {
      errno = 0;
      char* end = nullptr;
      const double d = std::strtod(v.c_str(), &end);
      if (v.empty() || end == nullptr || *end != '\0' || errno == ERANGE || !std::isfinite(d) ||
          std::isspace(static_cast<unsigned char>(v[0])))
        return badValue(flag, v, "is not a number");
      return Json(d);
    }
    case FlagType::kBoolean: {
      const std::string b = lower(v);
      if (b == "true" || b == "1" || b == "yes" || b == "on") return Json(true);
      if (b == "false" || b == "0" || b == "no" || b == "off") return Json(false);
      return badValue(flag, v, "is not true or false");
    }
    case FlagType::kJson: {
      auto parsed = Json::parse(v);
      if (!parsed.ok()) return badValue(flag, v, "is not JSON: " + parsed.status().message());
      return *parsed;
    }
    case FlagType::kStringList:
      break;
  }
  return Status::Internal("unhandled flag type");
}

std::string flagHelp(const FlagSpec& flag) {
  std::string text = flag.description;
  auto add = [&text](const std::string& part) {
    if (text.empty()) {
      text = part;
      return;
    }
    if (text.back() != '.' && text.back() != ')') text += ".";
    text += " " + part;
  };
  if (!flag.choices.empty()) {
    std::string list;
    for (const auto& c : flag.choices) list += (list.empty() ? "" : ", ") + c;
    add("One of: " + list);
  }
  if (!flag.default_text.empty()) add("Default: " + flag.default_text);
  if (flag.minimum && flag.maximum)
    add("Range " + numberText(*flag.minimum) + "-" + numberText(*flag.maximum));
  else if (flag.minimum)
    add("At least " + numberText(*flag.minimum));
  else if (flag.maximum)
    add("At most " + numberText(*flag.maximum));
  if (flag.type == FlagType::kStringList) add("Comma-separated or repeated");
  if (flag.type == FlagType::kJson) {
    std::string members;
    for (const auto& m : flag.members) members += (members.empty() ? "" : ", ") + m;
    add(members.empty() ? "JSON text" : "A JSON object with: " + members);
  }
  if (flag.position >= 0) add("Also the positional " + positionalName(flag));
  return text;
}

std::string typeLabel(FlagType type) {
  switch (type) {
    case FlagType::kString:
      return "TEXT";
    case FlagType::kInteger:
      return "INT";
    case FlagType::kNumber:
      return "NUMBER";
    case FlagType::kBoolean:
      return "";
    case FlagType::kStringList:
      return "LIST";
    case FlagType::kJson:
      return "JSON";
  }
  return "";
}

std::string positionalName(const FlagSpec& flag) {
  std::string name = flag.property;
  for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

}  // namespace vsmcp::cli
