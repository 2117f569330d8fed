// Helper of conformance.sh: which scenarios the 2026-07-28 run covers, and writing its
// expected-failures file (the suite's own --expected-failures format: a `server:` list of
// '<scenario>' or '<scenario>:<check-id>' entries) from a results directory (-o).
//   node baseline.mjs required               the scored server scenarios of the requirement set
//   node baseline.mjs extensions             its server scenarios not scored because they are an
//                                            extension (the tasks extension, SEP-2663)
//   node baseline.mjs write DIR FILE SCENARIO...
//       writes FILE listing every check of the named scenarios that failed (FAILURE or WARNING,
//       as the suite's baseline counts them) in DIR/server-<scenario>-<time>/checks.json. An
//       entry already in FILE keeps its reason (the comment after it); a new one gets
//       "not yet implemented (issue 14)". The comment lines before `server:` are kept.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { parse } from 'yaml';

const REVISION = '2026-07-28';
const DEFAULT_REASON = 'not yet implemented (issue 14)';

function requirementSet() {
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('@modelcontextprotocol/conformance/package.json'));
  return parse(readFileSync(join(pkg, 'requirements', `${REVISION}.yaml`), 'utf8'));
}

function fail(message) {
  process.stderr.write(`baseline.mjs: ${message}\n`);
  process.exit(2);
}

// The checks of one scenario's run, one per id, the worst status kept (FAILURE > WARNING >
// SUCCESS), as the suite does before comparing with a baseline.
function checksOf(dir, scenario) {
  const prefix = `server-${scenario}-`;
  const runs = readdirSync(dir).filter((d) => d.startsWith(prefix) && /^\d{4}-/.test(d.slice(prefix.length)));
  if (runs.length !== 1) fail(`expected one result directory ${prefix}<time> in ${dir}, found ${runs.length}`);
  const checks = JSON.parse(readFileSync(join(dir, runs[0], 'checks.json'), 'utf8'));
  const rank = (s) => ({ FAILURE: 3, WARNING: 2, SUCCESS: 1 })[s] ?? 0;
  const worst = new Map();
  for (const c of checks) {
    if (c.status === 'INFO') continue;
    const seen = worst.get(c.id);
    if (!seen || rank(c.status) > rank(seen.status)) worst.set(c.id, c);
  }
  return [...worst.values()];
}

// Reasons kept from an existing file: entry -> comment text.
function existingReasons(file) {
  const reasons = new Map();
  let header = [];
  if (!existsSync(file)) return { reasons, header };
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((l) => /^server:/.test(l));
  header = start < 0 ? [] : lines.slice(0, start).filter((l) => l.startsWith('#'));
  for (const line of lines) {
    const m = /^\s+-\s+(\S+)\s+#\s*(.+)$/.exec(line);
    if (m) reasons.set(m[1], m[2].trim());
  }
  return { reasons, header };
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'required') {
  process.stdout.write(requirementSet().server.join('\n') + '\n');
} else if (command === 'extensions') {
  const list = (requirementSet().not_scored ?? []).filter((e) => e.leg === 'server' && e.reason === 'extension');
  process.stdout.write(list.map((e) => e.scenario).join('\n') + '\n');
} else if (command === 'write') {
  const [dir, file, ...scenarios] = rest;
  if (!dir || !file || scenarios.length === 0) fail('usage: baseline.mjs write DIR FILE SCENARIO...');
  const { reasons, header } = existingReasons(file);
  const entries = [];
  for (const scenario of scenarios) {
    for (const c of checksOf(dir, scenario)) {
      if (c.status !== 'FAILURE' && c.status !== 'WARNING') continue;
      const entry = `${scenario}:${c.id}`;
      entries.push(`  - ${entry}  # ${reasons.get(entry) ?? DEFAULT_REASON}`);
    }
  }
  const out = [...(header.length ? header : ['# Expected failures (see conformance.sh).']),
               entries.length ? 'server:' : 'server: []', ...entries, ''];
  writeFileSync(file, out.join('\n'));
  process.stdout.write(`wrote ${file}: ${entries.length} expected failing check(s)\n`);
} else {
  fail('usage: baseline.mjs required | extensions | write DIR FILE SCENARIO...');
}
