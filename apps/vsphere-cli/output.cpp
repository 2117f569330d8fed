#include "output.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace vsmcp::cli {


namespace {

struct Range {
  char32_t first, last;
};

// Zero-width: combining marks, zero-width spaces and joiners, variation selectors.
constexpr Range kZeroWidth[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489},  {0x0591, 0x05BD}, {0x05BF, 0x05BF}, {0x05C1, 0x05C2},
    {0x05C4, 0x05C5}, {0x05C7, 0x05C7},  {0x0610, 0x061A}, {0x064B, 0x065F}, {0x0670, 0x0670},
    {0x06D6, 0x06DC}, {0x06DF, 0x06E4},  {0x06E7, 0x06E8}, {0x06EA, 0x06ED}, {0x0900, 0x0902},
    {0x093A, 0x093A}, {0x093C, 0x093C},  {0x0941, 0x0948}, {0x094D, 0x094D}, {0x0951, 0x0957},
    {0x0E31, 0x0E31}, {0x0E34, 0x0E3A},  {0x0E47, 0x0E4E}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
    {0x200B, 0x200F}, {0x2060, 0x2064},  {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F},
    {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF}};

// East Asian Wide and Fullwidth characters and emoji presentation.
constexpr Range kWide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
    {0x23F0, 0x23F0},   {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},
    {0x2648, 0x2653},   {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
    {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26CE, 0x26CE},
    {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
    {0x2728, 0x2728},   {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},
    {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27B0, 0x27B0},   {0x27BF, 0x27BF},
    {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x303E},
    {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
    {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},
    {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4},
    {0x17000, 0x18AFF}, {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF},
    {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F251}, {0x1F300, 0x1F64F},
    {0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF},
    {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD}};

template <size_t N>
bool inRanges(const Range (&ranges)[N], char32_t c) {
  size_t lo = 0, hi = N;
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (c < ranges[mid].first)
      hi = mid;
    else if (c > ranges[mid].last)
      lo = mid + 1;
    else
      return true;
  }
  return false;
}

// Decodes one UTF-8 sequence at text[i]; returns its length, or 0 when the bytes there are
// not valid UTF-8 (overlong forms and surrogates included).
size_t decode(std::string_view text, size_t i, char32_t& out) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  if (b0 < 0x80) {
    out = b0;
    return 1;
  }
  size_t len;
  char32_t c;
  if (b0 >= 0xC2 && b0 <= 0xDF)
    len = 2, c = b0 & 0x1F;
  else if (b0 >= 0xE0 && b0 <= 0xEF)
    len = 3, c = b0 & 0x0F;
  else if (b0 >= 0xF0 && b0 <= 0xF4)
    len = 4, c = b0 & 0x07;
  else
    return 0;
  if (i + len > text.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    c = (c << 6) | (b & 0x3F);
  }
  if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
      (c >= 0xD800 && c <= 0xDFFF))
    return 0;
  out = c;
  return len;
}

// Control characters, and the bidirectional overrides that could reorder what a row shows.
bool unsafe(char32_t c) {
  return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// "12", "-3.5", "931.3 GiB", "12.5%": shown right-aligned.
bool looksNumeric(const std::string& s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  const size_t digits = i;
  while (i < s.size() && isDigit(s[i])) ++i;
  if (i == digits) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const size_t frac = i;
    while (i < s.size() && isDigit(s[i])) ++i;
    if (i == frac) return false;
  }
  if (i == s.size()) return true;
  static const char* kUnits[] = {" B", " KiB", " MiB", " GiB", " TiB", " PiB", " EiB", "%"};
  for (const char* u : kUnits)
    if (s.compare(i, std::string::npos, u) == 0) return true;
  return false;
}

std::string upper(std::string s) {
  for (auto& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

std::vector<std::string> splitComma(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    std::string part =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

bool isScalar(const Json& v) { return !v.isArray() && !v.isObject(); }

bool scalarArray(const Json& v) {
  if (!v.isArray()) return false;
  for (const auto& item : v.items())
    if (!isScalar(item)) return false;
  return true;
}

bool objectArray(const Json& v) {
  if (!v.isArray()) return false;
  for (const auto& item : v.items())
    if (!item.isObject()) return false;
  return true;
}

bool endsWith(const std::string& s, const char* suffix) {
  const std::string t(suffix);
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

enum class CellStyle { kTable, kCsv };

std::string scalarText(const Json& v) {
  switch (v.type()) {
    case Json::Type::kNull:
      return "";
    case Json::Type::kBool:
      return v.asBool() ? "true" : "false";
    case Json::Type::kString:
      return v.asString();
    default:
      return v.dump();
  }
}

// The text of one value in a cell. Tables show *_bytes in IEC units and join arrays with
// ", "; CSV keeps numbers as they are and joins arrays with ";".
std::string cellText(const Json& v, const std::string& key, CellStyle style) {
  if (v.isArray() && scalarArray(v)) {
    std::string out;
    for (const auto& item : v.items())
      out += (out.empty() ? "" : (style == CellStyle::kTable ? ", " : ";")) + scalarText(item);
    return style == CellStyle::kTable ? sanitizeCell(out) : out;
  }
  if (!isScalar(v)) return v.dump();
  if (style == CellStyle::kTable && v.isInt() && endsWith(key, "_bytes"))
    return humanBytes(v.asInt());
  const std::string text = scalarText(v);
  return style == CellStyle::kTable ? sanitizeCell(text) : text;
}

// A list's items, trees (items with "children") flattened depth first.
struct Row {
  const Json* item;
  int depth;
  const Json* parent;
};

void flattenItems(const Json& items, int depth, const Json* parent, std::vector<Row>& rows) {
  for (const auto& item : items.items()) {
    rows.push_back({&item, depth, parent});
    if (const Json* children = item.find("children"); children && objectArray(*children))
      flattenItems(*children, depth + 1, &item, rows);
  }
}

bool isTree(const Json& items) {
  for (const auto& item : items.items())
    if (const Json* c = item.find("children"); c && c->isArray()) return true;
  return false;
}

// The list a result carries: its one array of objects, when it has no other array and no
// object member (inventory_summary and report_deployments are documents).

// The object a "get" result wraps: {"vm": {...}} -> {...}.
const Json* wrappedObject(const Json& result) {
  if (result.isObject() && result.size() == 1 && result.members().front().second.isObject())
    return &result.members().front().second;
  return nullptr;
}

std::vector<std::string> listColumns(const std::vector<Row>& rows, bool tree,
                                     const std::string& defaults, const OutputOptions& options) {
  if (!options.columns.empty()) return options.columns;
  if (options.format == Format::kTable && !defaults.empty()) return splitComma(defaults);
  std::vector<std::string> cols;
  for (const auto& r : rows)
    for (const auto& [k, v] : r.item->members()) {
      if (k == "children") continue;
      if (options.format == Format::kTable && !isScalar(v) && !scalarArray(v)) continue;
      if (std::find(cols.begin(), cols.end(), k) == cols.end()) cols.push_back(k);
    }
  if (tree && options.format == Format::kCsv) cols.push_back("parent");
  return cols;
}

std::string renderList(const Json& items, const std::string& defaults,
                       const OutputOptions& options) {
  std::vector<Row> rows;
  flattenItems(items, 0, nullptr, rows);
  const bool tree = isTree(items);
  const std::vector<std::string> cols = listColumns(rows, tree, defaults, options);
  const CellStyle style = options.format == Format::kCsv ? CellStyle::kCsv : CellStyle::kTable;
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows.size());
  for (const auto& r : rows) {
    std::vector<std::string> line;
    line.reserve(cols.size());
    for (size_t c = 0; c < cols.size(); ++c) {
      std::string text;
      if (cols[c] == "parent" && tree && style == CellStyle::kCsv && !r.item->find("parent")) {
        if (r.parent && r.parent->find("id")) text = scalarText(*r.parent->find("id"));
      } else if (const Json* v = r.item->find(cols[c])) {
        text = cellText(*v, cols[c], style);
      }
      // A tree shows its depth by indenting the first column.
      if (tree && style == CellStyle::kTable && c == 0)
        text = std::string(2 * static_cast<size_t>(r.depth), ' ') + text;
      line.push_back(std::move(text));
    }
    cells.push_back(std::move(line));
  }
  return style == CellStyle::kCsv ? renderCsv(cols, cells) : renderTable(cols, cells);
}

// A document (a get, a summary): "key: value" lines of its scalars (nested keys dotted), then
// its arrays of objects as tables.
void flattenDocument(const Json& doc, const std::string& prefix,
                     std::vector<std::pair<std::string, const Json*>>& scalars,
                     std::vector<std::pair<std::string, const Json*>>& tables) {
  for (const auto& [k, v] : doc.members()) {
    const std::string key = prefix.empty() ? k : prefix + "." + k;
    if (v.isObject())
      flattenDocument(v, key, scalars, tables);
    else if (v.isArray() && !scalarArray(v) && objectArray(v))
      tables.emplace_back(key, &v);
    else
      scalars.emplace_back(key, &v);
  }
}

std::string renderDocument(const Json& doc, const OutputOptions& options) {
  std::vector<std::pair<std::string, const Json*>> scalars, tables;
  flattenDocument(doc, "", scalars, tables);
  const CellStyle style = options.format == Format::kCsv ? CellStyle::kCsv : CellStyle::kTable;
  std::string out;
  if (style == CellStyle::kCsv) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [k, v] : scalars) rows.push_back({k, cellText(*v, k, style)});
    for (const auto& [k, v] : tables) rows.push_back({k, v->dump()});
    return renderCsv({"key", "value"}, rows);
  }
  size_t width = 0;
  for (const auto& kv : scalars) width = std::max(width, displayWidth(kv.first));
  for (const auto& [k, v] : scalars) {
    std::string value = cellText(*v, k, style);
    out += k + ":" + (value.empty() ? "" : std::string(width - displayWidth(k) + 1, ' ') + value) +
           "\n";
  }
  for (const auto& [k, v] : tables) {
    out += "\n" + k + ":\n";
    if (v->size() == 0) continue;
    OutputOptions sub = options;
    sub.columns.clear();
    out += renderList(*v, "", sub);
  }
  return out;
}

void collectIds(const Json& items, std::string& out) {
  for (const auto& item : items.items()) {
    if (const Json* id = item.find("id"); id && !scalarText(*id).empty())
      out += scalarText(*id) + "\n";
    if (const Json* children = item.find("children")) collectIds(*children, out);
  }
}

// Ids only: of a list's items, of the object a get returns, of what a task made (else the
// task), or of the VM a template conversion names.
std::string quietIds(const Json& result) {
  std::string out;
  if (const Json* list = listOf(result, nullptr)) {
    collectIds(*list, out);
    return out;
  }
  if (const Json* task = result.find("task"); task && task->isObject()) {
    const Json* id = task->find("result") ? task->find("result") : task->find("id");
    return id ? scalarText(*id) + "\n" : "";
  }
  if (const Json* obj = wrappedObject(result)) {
    const Json* id = obj->find("id");
    return id ? scalarText(*id) + "\n" : "";
  }
  for (const char* key : {"id", "vm"})
    if (const Json* id = result.find(key); id && id->isString()) return id->asString() + "\n";
  return out;
}

void prettyInto(const Json& v, int indent, std::string& out) {
  const std::string pad(static_cast<size_t>(indent) * 2, ' ');
  if (v.isObject() && v.size() > 0) {
    out += "{\n";
    size_t i = 0;
    for (const auto& [k, m] : v.members()) {
      out += pad + "  " + Json(k).dump() + ": ";
      prettyInto(m, indent + 1, out);
      out += (++i < v.size() ? ",\n" : "\n");
    }
    out += pad + "}";
  } else if (v.isArray() && v.size() > 0) {
    out += "[\n";
    size_t i = 0;
    for (const auto& item : v.items()) {
      out += pad + "  ";
      prettyInto(item, indent + 1, out);
      out += (++i < v.size() ? ",\n" : "\n");
    }
    out += pad + "]";
  } else {
    out += v.dump();
  }
}

}  // namespace

const Json* listOf(const Json& result, std::string* key) {
  if (!result.isObject()) return nullptr;
  const Json* found = nullptr;
  for (const auto& [k, v] : result.members()) {
    if (v.isObject()) return nullptr;
    if (!v.isArray()) continue;
    if (found || !objectArray(v)) return nullptr;
    found = &v;
    if (key) *key = k;
  }
  return found;
}

size_t displayWidth(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    char32_t c = 0;
    const size_t len = decode(text, i, c);
    if (len == 0) {
      ++width;
      ++i;
      continue;
    }
    i += len;
    if (c < 0x20 || (c >= 0x7F && c < 0xA0) || inRanges(kZeroWidth, c)) continue;
    width += inRanges(kWide, c) ? 2 : 1;
  }
  return width;
}

std::string sanitizeCell(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    char32_t c = 0;
    const size_t len = decode(text, i, c);
    if (len == 0 || unsafe(c)) {
      out += '?';
      i += len == 0 ? 1 : len;
      continue;
    }
    out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

std::string renderTable(const std::vector<std::string>& headers,
                        const std::vector<std::vector<std::string>>& rows) {
  const size_t n = headers.size();
  std::vector<std::string> heads;
  std::vector<size_t> widths(n, 0);
  std::vector<bool> numeric(n, true);
  std::vector<bool> any_value(n, false);
  for (size_t c = 0; c < n; ++c) {
    heads.push_back(upper(sanitizeCell(headers[c])));
    widths[c] = displayWidth(heads[c]);
  }
  for (const auto& row : rows)
    for (size_t c = 0; c < n && c < row.size(); ++c) {
      widths[c] = std::max(widths[c], displayWidth(row[c]));
      if (row[c].empty()) continue;
      any_value[c] = true;
      if (!looksNumeric(row[c])) numeric[c] = false;
    }
  // A numeric column (and its header) is right-aligned. Padding is written only when
  // something follows it, so lines have no trailing spaces.
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out, pending;
    for (size_t c = 0; c < n; ++c) {
      const std::string empty;
      const std::string& cell = c < cells.size() ? cells[c] : empty;
      const size_t pad = widths[c] - std::min(widths[c], displayWidth(cell));
      const bool right = numeric[c] && any_value[c];
      if (c > 0) pending += "  ";
      if (right) pending.append(pad, ' ');
      if (!cell.empty()) {
        out += pending + cell;
        pending.clear();
      }
      if (!right) pending.append(pad, ' ');
    }
    return out + "\n";
  };
  std::string out = line(heads);
  for (const auto& row : rows) out += line(row);
  return out;
}

std::string csvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string renderCsv(const std::vector<std::string>& headers,
                      const std::vector<std::vector<std::string>>& rows) {
  auto line = [](const std::vector<std::string>& cells, size_t n) {
    std::string out;
    for (size_t c = 0; c < n; ++c)
      out += (c ? "," : "") + csvField(c < cells.size() ? cells[c] : std::string());
    return out + "\n";
  };
  std::string out = line(headers, headers.size());
  for (const auto& row : rows) out += line(row, headers.size());
  return out;
}

std::string prettyJson(const Json& value) {
  std::string out;
  prettyInto(value, 0, out);
  return out;
}

std::string humanBytes(std::int64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024 && bytes > -1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes);
  size_t u = 0;
  while ((v >= 1024 || v <= -1024) && u + 1 < std::size(kUnits)) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[u]);
  return buf;
}

Rendered renderResult(const Json& result, const std::string& default_columns,
                      const OutputOptions& options) {
  Rendered r;
  if (options.quiet) {
    r.out = quietIds(result);
    return r;
  }
  if (options.format == Format::kJson) {
    r.out = (options.pretty_json ? prettyJson(result) : result.dump()) + "\n";
    return r;
  }
  if (const Json* dry = result.find("dry_run"); dry && dry->asBool()) {
    const Json* would = result.find("would");
    const std::string text =
        "dry run, nothing changed: would " + (would ? would->asString() : std::string("act"));
    r.out = options.format == Format::kCsv
                ? renderCsv({"dry_run", "would"}, {{"true", would ? would->asString() : ""}})
                : sanitizeCell(text) + "\n";
    return r;
  }
  std::string key;
  if (const Json* list = listOf(result, &key)) {
    r.out = renderList(*list, default_columns, options);
    // What the rows leave out: more pages, totals.
    for (const auto& [k, v] : result.members()) {
      if (k == key || k == "total" || k == "count" || k == "offset" || k == "current" ||
          !isScalar(v))
        continue;
      if (k == "next_offset") continue;
      r.note += k + ": " + cellText(v, k, CellStyle::kTable) + "\n";
    }
    if (const Json* next = result.find("next_offset"))
      r.note += "showing " + scalarText(*result.find("count")) + " of " +
                scalarText(*result.find("total")) + " " + key + "; the next page: --offset " +
                scalarText(*next) + "\n";
    return r;
  }
  if (const Json* task = result.find("task");
      task && task->isObject() && result.size() == 1 && options.format == Format::kTable) {
    auto text = [&](const char* k) {
      const Json* v = task->find(k);
      return v ? sanitizeCell(scalarText(*v)) : std::string();
    };
    std::string line = text("name") + " " + text("entity") + ": " + text("state");
    if (!text("result").empty()) line += ", result " + text("result");
    if (!text("error").empty()) line += ": " + text("error");
    r.out = line + " (" + text("id") + ")\n";
    return r;
  }
  const Json* obj = wrappedObject(result);
  r.out = renderDocument(obj ? *obj : result, options);
  return r;
}

}  // namespace vsmcp::cli
