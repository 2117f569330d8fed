// A tiny test harness for the node end-to-end scripts: numbered checks, stop at the first
// failure, and the closing "N passed, N failed" line that CI reads.
let passed = 0;

export async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    console.log(`not ok - ${name}: ${e && e.stack ? e.stack : e}`);
    console.log(`${passed} passed, 1 failed`);
    process.exit(1);
  }
}

export function finish() {
  console.log(`${passed} passed, 0 failed`);
}
