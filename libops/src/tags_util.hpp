// Helpers the tag and catalog groups share (group_tags.cpp, group_catalog.cpp): the REST
// client, the category that records catalog deployments, text for summaries. Private to libops.
#pragma once

#include <string>

#include "util.hpp"
#include "vsphere/rest_client.hpp"

namespace vsmcp::ops::tagutil {

// The tag category whose tags record the catalog's deployments (group_catalog.cpp).
inline constexpr const char* kDeploymentCategory = "vsmcp-deployments";

// This connection's vAPI REST client: kUnsupported on a standalone ESXi host.
inline Result<vsphere::RestClient*> rest(Client& c) { return c.rest(); }

// A string member of a result, "" when it is absent (summaries never fail).
inline const std::string& textOf(const Json& obj, const char* key) {
  static const std::string kEmpty;
  const Json* v = obj.find(key);
  return v ? v->asString() : kEmpty;
}

// At most `max` characters of `text`, "..." marking a cut.
inline std::string clip(const std::string& text, size_t max) {
  return text.size() <= max ? text : text.substr(0, max) + "...";
}

}  // namespace vsmcp::ops::tagutil
