#include "progress.hpp"

#include <algorithm>
#include <cstdio>

#include "output.hpp"

namespace vsmcp::cli {

namespace {

// At most `width` display columns of `text`, with "..." when cut.
std::string fit(const std::string& text, size_t width) {
  if (displayWidth(text) <= width) return text;
  if (width <= 3) return std::string(width, '.');
  std::string out;
  for (size_t i = 0; i < text.size();) {
    size_t len = 1;
    const auto b = static_cast<unsigned char>(text[i]);
    if (b >= 0xF0)
      len = 4;
    else if (b >= 0xE0)
      len = 3;
    else if (b >= 0xC0)
      len = 2;
    const std::string next = out + text.substr(i, len);
    if (displayWidth(next) > width - 3) break;
    out = next;
    i += len;
  }
  return out + "...";
}

}  // namespace

std::string progressLine(const std::string& label, int percent, int columns) {
  percent = std::clamp(percent, 0, 100);
  const int total = std::max(columns > 0 ? columns : 80, 20);
  // "<label> [<bar>] 100%": the bar takes 30 columns, or less on a narrow terminal.
  const int bar = std::clamp(total - 8 - 12, 10, 30);
  const size_t label_room = static_cast<size_t>(std::max(0, total - bar - 8 - 1));
  const int filled = percent * bar / 100;
  char pct[8];
  std::snprintf(pct, sizeof pct, "%3d%%", percent);
  return fit(sanitizeCell(label), label_room) + " [" +
         std::string(static_cast<size_t>(filled), '#') +
         std::string(static_cast<size_t>(bar - filled), '-') + "] " + pct;
}

ProgressDisplay::ProgressDisplay(std::ostream& err, bool tty, int columns)
    : err_(err), tty_(tty), columns_(columns) {}

ProgressDisplay::~ProgressDisplay() { finish(); }

void ProgressDisplay::start(const std::string& label) {
  label_ = label;
  progressed_ = false;
  percent_ = 0;
  if (tty_) {
    draw();
  } else {
    err_ << sanitizeCell(label_) << ": started\n" << std::flush;
  }
}

void ProgressDisplay::update(int percent) {
  percent = std::clamp(percent, 0, 100);
  const bool first = !progressed_;
  progressed_ = true;
  if (percent == percent_ && !(first && !tty_)) return;
  percent_ = percent;
  if (tty_)
    draw();
  else
    err_ << sanitizeCell(label_) << ": " << percent << "%\n" << std::flush;
}

void ProgressDisplay::draw() {
  // Carriage return and erase the line, then the frame; the cursor stays on the line.
  err_ << "\r\033[K" << progressLine(label_, percent_, columns_ > 0 ? columns_ - 1 : 0)
       << std::flush;
  open_ = true;
}

void ProgressDisplay::finish() {
  if (!open_) return;
  err_ << (progressed_ ? "\n" : "\r\033[K") << std::flush;
  open_ = false;
}

}  // namespace vsmcp::cli
