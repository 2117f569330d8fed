import fs from 'node:fs';
// A tiny test harness for the node end-to-end scripts: numbered checks, stop at the first
// failure, and the closing "N passed, N failed" line that CI reads.
let passed = 0;

// Written synchronously: console.log to a pipe is asynchronous, and process.exit right after it
// could drop the very line that says what failed.
function say(line) {
  fs.writeSync(1, line + '\n');
}

export async function check(name, fn) {
  try {
    await fn();
    passed++;
    say(`ok - ${name}`);
  } catch (e) {
    say(`not ok - ${name}: ${e && e.stack ? e.stack : e}`);
    say(`${passed} passed, 1 failed`);
    process.exit(1);
  }
}

export function finish() {
  say(`${passed} passed, 0 failed`);
}

// An MCP tool result's text is the one-line summary for people, a blank line, then the result
// as JSON (the structuredContent again). The summary: the part before the first blank line.
export function summaryOf(text) {
  const i = text.indexOf('\n\n');
  return i < 0 ? text : text.slice(0, i);
}

// The summary and the parsed JSON that follows it; throws when the text is not of that form.
export function splitResultText(text) {
  const i = text.indexOf('\n\n');
  if (i < 0) throw new Error(`result text has no blank line before its JSON: ${text}`);
  return { summary: text.slice(0, i), json: JSON.parse(text.slice(i + 2)) };
}
