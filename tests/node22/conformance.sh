#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance 0.2, on the Node 22 of
# tests/node22) at protocol revision 2026-07-28 against an MCP server URL:
#   1. `conformance server --requirements 2026-07-28`: exactly the server scenarios that revision
#      requires, run at its wire, judged by the suite itself against the baseline;
#   2. the tasks extension (SEP-2663) scenarios, each with `--scenario X --spec-version
#      2026-07-28 --force`: the requirements run runs them too but never scores them, so they
#      are run again one by one and judged against the same baseline.
# The baseline is expected-failures-2026.yml (the suite's --expected-failures format, one
# '<scenario>:<check-id>' entry per failing check, each with its reason as a comment). Exits
# non-zero on a failure not in it, and on an entry that now passes (the baseline is stale).
#
#   conformance.sh [OPTIONS] URL
#   conformance.sh [OPTIONS] --server BINARY   (starts BINARY --port 0 and reads its MCP_URL=)
# Options:
#   --expected-failures FILE   another baseline (default: expected-failures-2026.yml here)
#   --scenarios "A B ..."      run only these scenarios, one by one, instead of 1 and 2
#   --update-expected          run, then rewrite the baseline to exactly what fails now (an
#                              entry still failing keeps its reason). One command regenerates it:
#     bash tests/node22/conformance.sh --update-expected --server build/release/examples/conformance-server
#   (tests/node22/update-expected.sh regenerates this one and mcp-server's in one go.)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
node="$here/node_modules/.bin/node"
suite="$here/node_modules/@modelcontextprotocol/conformance/dist/index.js"
if [[ ! -x "$node" || ! -f "$suite" ]]; then
  echo "conformance.sh: $here/node_modules is missing: run (cd tests/node22 && npm ci)" >&2
  exit 2
fi
revision=2026-07-28
expected="$here/expected-failures-2026.yml"
update=0 url="" server="" scenarios="" forward=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --update-expected) update=1; forward+=("$1") ;;
    --expected-failures) expected="$(realpath -m "${2:?--expected-failures needs a file}")"; forward+=("$1" "$expected"); shift ;;
    --scenarios) scenarios="${2:?--scenarios needs a list}"; forward+=("$1" "$2"); shift ;;
    --server) server="$(realpath "${2:?--server needs a binary}")"; shift ;;
    -*) echo "conformance.sh: unknown option $1" >&2; exit 2 ;;
    *) [[ -z "$url" ]] || { echo "conformance.sh: more than one URL ($url, $1)" >&2; exit 2; }; url="$1" ;;
  esac
  shift
done
if [[ -n "$server" ]]; then
  [[ -z "$url" ]] || { echo "conformance.sh: give a URL or --server, not both" >&2; exit 2; }
  exec bash "$here/../node/run-http.sh" "$server" -- bash "$here/conformance.sh" "${forward[@]}"
fi
[[ -n "$url" ]] || { echo "usage: conformance.sh [--update-expected] [--expected-failures FILE] [--scenarios LIST] URL | --server BINARY" >&2; exit 2; }
[[ -f "$expected" || $update -eq 1 ]] || { echo "conformance.sh: no baseline $expected (make one with --update-expected)" >&2; exit 2; }

cd "$here"
conformance() { "$node" "$suite" server --url "$url" "$@"; }
one() { conformance --scenario "$1" --spec-version "$revision" --force "${@:2}"; }  # at the 2026 wire

listed=()
[[ -z "$scenarios" ]] || read -r -d '' -a listed <<<"$scenarios" || true  # split on any whitespace

if [[ $update -eq 1 ]]; then
  results=$(mktemp -d)
  trap 'rm -rf "$results"' EXIT
  if [[ ${#listed[@]} -gt 0 ]]; then
    for s in "${listed[@]}"; do one "$s" -o "$results" >/dev/null || true; done
    covered=("${listed[@]}")
  else
    # The requirements run also runs (without scoring) the extension scenarios: one run covers both.
    conformance --requirements "$revision" -o "$results" >/dev/null || true
    mapfile -t covered < <("$node" baseline.mjs required; "$node" baseline.mjs extensions)
  fi
  "$node" baseline.mjs write "$results" "$expected" "${covered[@]}"
  exit 0
fi

passed=0 failed=0
verdict() {  # NAME EXIT-CODE
  if [[ "$2" -eq 0 ]]; then echo "ok - $1"; passed=$((passed + 1)); else echo "not ok - $1"; failed=$((failed + 1)); fi
}
if [[ ${#listed[@]} -gt 0 ]]; then
  for s in "${listed[@]}"; do
    rc=0; one "$s" --expected-failures "$expected" || rc=$?
    verdict "$s against the baseline" "$rc"
  done
else
  rc=0; conformance --requirements "$revision" --expected-failures "$expected" || rc=$?
  verdict "requirements $revision against the baseline" "$rc"
  mapfile -t extensions < <("$node" baseline.mjs extensions)
  [[ ${#extensions[@]} -gt 0 ]] || { echo "conformance.sh: the suite lists no extension scenarios" >&2; exit 2; }
  for s in "${extensions[@]}"; do
    rc=0; one "$s" --expected-failures "$expected" || rc=$?
    verdict "$s (tasks extension) against the baseline" "$rc"
  done
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
