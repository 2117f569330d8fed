// Progress of a vCenter task on stderr: on a terminal one line redrawn in place
// ("Power on a VM web-01 [#########-----------]  45%"), otherwise "Power on a VM web-01: started"
// and then a plain line each time the percentage changes ("Power on a VM web-01: 45%"), so
// logs stay readable. On a terminal the bar shows from the start (0%) and is erased at the end
// if no task progress ever came (an operation that needed no task).
// Thread safety: not thread-safe; used by the thread that waits for the task.
#pragma once

#include <ostream>
#include <string>

namespace vsmcp::cli {

class ProgressDisplay {
 public:
  // `tty`: redraw in place; `columns`: the terminal's width (0 = 80).
  ProgressDisplay(std::ostream& err, bool tty, int columns);
  ~ProgressDisplay();
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  // Shows `label` at 0% (a terminal) or says it started (otherwise).
  void start(const std::string& label);
  // Shows `percent` (clamped to 0-100); nothing when it did not change.
  void update(int percent);
  // Ends the bar's line (a terminal's cursor goes to the next line), or erases the bar when no
  // progress came. Idempotent.
  void finish();

 private:
  void draw();

  std::ostream& err_;
  bool tty_;
  int columns_;
  std::string label_;
  int percent_ = -1;
  bool open_ = false;        // a bar is drawn and its line not ended
  bool progressed_ = false;  // update() was called since start()
};

// One frame of the bar, without "\r": the label (cut to fit), the bar and the percentage,
// `columns` wide at most.
std::string progressLine(const std::string& label, int percent, int columns);

}  // namespace vsmcp::cli
