// Output of vsphere-cli: an operation's JSON result as an aligned table (the default), JSON
// (exactly the operation's structured result), CSV (RFC 4180 quoting) or ids only (-q).
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "vsmcp/json.hpp"

namespace vsmcp::cli {

enum class Format { kTable, kJson, kCsv };

struct OutputOptions {
  Format format = Format::kTable;
  bool quiet = false;                // ids only, one a line
  bool pretty_json = false;          // indent JSON (on a terminal); the value is the same
  std::vector<std::string> columns;  // --columns; empty = the command's (table) or all (CSV)
};

struct Rendered {
  std::string out;   // for stdout
  std::string note;  // for stderr: what the table leaves out (more pages, totals); "" = none
};

// The array of objects a list result holds (its key in `key` when not null); null when the
// result is not one list.
const Json* listOf(const Json& result, std::string* key);

// Renders a result. `default_columns` (comma-separated) are the table columns of list items
// when --columns is not given.
Rendered renderResult(const Json& result, const std::string& default_columns,
                      const OutputOptions& options);

// Columns a terminal shows for this UTF-8 text: wide (CJK, emoji) characters count 2,
// combining marks 0, invalid bytes 1 each.
size_t displayWidth(std::string_view utf8);
// The text with control characters (newline, tab, escape, ...) replaced by '?', so a value
// from vCenter can neither break a row nor send escape sequences to the terminal.
std::string sanitizeCell(std::string_view text);
// Columns separated by two spaces, padded by display width; numeric columns right-aligned;
// no trailing spaces. Headers are shown upper-case.
std::string renderTable(const std::vector<std::string>& headers,
                        const std::vector<std::vector<std::string>>& rows);
// One CSV field: quoted when it holds a comma, a double quote, CR or LF (quotes doubled).
std::string csvField(std::string_view text);
// Header line and rows, each line ending with "\n".
std::string renderCsv(const std::vector<std::string>& headers,
                      const std::vector<std::vector<std::string>>& rows);
// JSON indented by two spaces.
std::string prettyJson(const Json& value);
// 1536 -> "1.5 KiB"
std::string humanBytes(std::int64_t bytes);

}  // namespace vsmcp::cli
