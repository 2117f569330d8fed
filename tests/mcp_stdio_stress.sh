#!/usr/bin/env bash
# Pipes 20,000 tool calls into a libmcp stdio server (real stdin/stdout) and checks that the
# output is exactly one well-formed response per request: no torn, merged or repeated lines.
set -euo pipefail
server="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/in.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    f.write(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                        "params": {"protocolVersion": "2025-06-18", "capabilities": {}}}) + "\n")
    f.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")
    for i in range(2, 20002):
        f.write(json.dumps({"jsonrpc": "2.0", "id": i, "method": "tools/call",
                            "params": {"name": "tool_%d" % (i % 40), "arguments": {"name": "n%d" % i}}}) + "\n")
PY
"$server" <"$work/in.jsonl" >"$work/out.jsonl"
python3 - "$work/out.jsonl" <<'PY'
import json, sys
seen = {}
for n, line in enumerate(open(sys.argv[1]), 1):
    msg = json.loads(line)  # raises on a torn or merged line
    seen[msg["id"]] = seen.get(msg["id"], 0) + 1
    if msg["id"] != 1:
        assert msg["result"]["content"][0]["text"] == "hello n%d" % msg["id"], line
dups = [k for k, v in seen.items() if v > 1]
assert not dups, "repeated responses: %r" % dups[:5]
assert sorted(seen) == list(range(1, 20002)), "missing responses: %d of 20001" % len(seen)
print("20001 passed, 0 failed")
PY
