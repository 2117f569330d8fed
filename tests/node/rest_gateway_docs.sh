#!/usr/bin/env bash
# rest-gateway's /docs (Swagger UI) and /redoc (ReDoc) pages, rendered by Debian's chromium in
# headless mode against a gateway on the vCenter simulator that serves the pinned assets from
# --ui-assets. Every other host name is unresolvable for the browser, so only the gateway's own
# assets can render the pages. For each page: the rendered DOM holds every operationId of
# /openapi.json and the API's own summaries and paths, and a screenshot is a real PNG of the
# window's size. Control: with an empty --ui-assets folder the pages must not render (they would
# need the CDN), and the same DOM check must say so.
#   rest_gateway_docs.sh <rest-gateway binary> <ui assets dir> <screenshot dir> <vcsim url> <ca bundle>
# Installs nothing: chromium comes from scripts/install-deps.sh, the assets from
# scripts/install-ui.sh.
set -euo pipefail
gateway="$1" assets="$2" shots="$3" vc_url="$4" ca="$5"
width=1280 height=2000

fail() { echo "not ok - $*"; echo "$passed passed, 1 failed"; exit 1; }
passed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }

command -v chromium >/dev/null || fail "chromium is not installed (scripts/install-deps.sh installs it)"
[[ -f "$assets/swagger-ui-dist/swagger-ui-bundle.js" && -f "$assets/redoc/bundles/redoc.standalone.js" ]] ||
  fail "no swagger-ui-dist or redoc in $assets (scripts/install-ui.sh installs them)"
mkdir -p "$shots"

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# start NAME ASSETS: runs a gateway and sets $url to its address.
start() {
  local out="$work/$1.out"
  : >"$out"
  VCENTER_HOST="$vc_url" VCENTER_USER=user VCENTER_PASSWORD=pass VCENTER_CA_BUNDLE="$ca" MCP_AUDIT_LOG=off \
    "$gateway" --port 0 --ui-assets "$2" >"$out" 2>"$work/$1.err" &
  pids+=($!)
  url=""
  for _ in $(seq 1 300); do
    url=$(sed -n 's/^REST_URL=//p' "$out")
    [[ -n "$url" ]] && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  cat "$work/$1.err" >&2
  fail "rest-gateway ($1) did not start"
}

# browse MODE URL OUT: one headless chromium run (MODE is --dump-dom or --screenshot=FILE).
browse() {
  local profile
  profile=$(mktemp -d "$work/profile.XXXXXX")
  # Time budget in virtual time: the page's scripts and fetches run until idle, at most 30 s.
  timeout 120 chromium --headless --no-sandbox --disable-background-networking --disable-gpu \
    --no-first-run --disable-dev-shm-usage --user-data-dir="$profile" \
    --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" \
    --window-size="$width,$height" --virtual-time-budget=30000 "$1" "$2" >"$3" 2>"$work/chromium.err" || {
    grep -v -e dbus -e 'unexpected operator' "$work/chromium.err" >&2 || true
    fail "chromium failed on $2"
  }
}

start assets "$assets"
base="$url"
curl -sf "$base/openapi.json" >"$work/openapi.json" || fail "GET /openapi.json"
mapfile -t op_ids < <(grep -o '"operationId":"[^"]*"' "$work/openapi.json" | cut -d'"' -f4 | sort -u)
((${#op_ids[@]} > 40)) || fail "only ${#op_ids[@]} operationIds in /openapi.json"
ok "the gateway documents ${#op_ids[@]} operations"

# rendered FILE KIND: the DOM of a rendered page holds the API's own operations.
# Swagger UI gives each operation id="operations-<tag>-<operationId>", ReDoc
# id="tag/<tag>/operation/<operationId>" (with data-section-id="operation/<operationId>").
rendered() {
  local dom="$1" kind="$2" missing=() id
  for id in "${op_ids[@]}"; do
    case "$kind" in
      docs) grep -q -E "id=\"operations-[^\"]*-${id}\"" "$dom" || missing+=("$id") ;;
      redoc) grep -q -F "operation/${id}\"" "$dom" || missing+=("$id") ;;
    esac
  done
  if ((${#missing[@]})); then
    echo "# $kind: ${#missing[@]} of ${#op_ids[@]} operations not on the page (${missing[*]:0:5} ...)"
    return 1
  fi
  local text
  for text in 'List VMs' 'Power on a VM' '/vms/{id}/power/on' 'vsmcp vSphere REST gateway'; do
    grep -q -F "$text" "$dom" || { echo "# $kind: '$text' is not on the page"; return 1; }
  done
  case "$kind" in
    docs) ! grep -q -F 'Failed to load API definition' "$dom" || { echo "# docs: Swagger UI's load error"; return 1; } ;;
    redoc) ! grep -q -F 'Something went wrong' "$dom" || { echo "# redoc: ReDoc's load error"; return 1; } ;;
  esac
}

# png FILE: a PNG signature, an IHDR of the window's size, and more than a blank page's bytes.
png() {
  local file="$1" size sig w h
  [[ -s "$file" ]] || { echo "# $file is missing or empty"; return 1; }
  size=$(stat -c %s "$file")
  sig=$(od -An -tx1 -N8 "$file" | tr -d ' \n')
  [[ "$sig" == 89504e470d0a1a0a ]] || { echo "# $file: not a PNG (starts $sig)"; return 1; }
  w=$(od -An -tu1 -j16 -N4 "$file" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}')
  h=$(od -An -tu1 -j20 -N4 "$file" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}')
  [[ "$w" == "$width" && "$h" == "$height" ]] || { echo "# $file: ${w}x${h}, not ${width}x${height}"; return 1; }
  ((size > 50000)) || { echo "# $file: only $size bytes, a blank page"; return 1; }
  echo "# $file: PNG ${w}x${h}, $size bytes"
}

for page in docs redoc; do
  browse --dump-dom "$base/$page" "$work/$page.html"
  rendered "$work/$page.html" "$page" || fail "/$page does not render the API (DOM: $(stat -c %s "$work/$page.html") bytes)"
  ok "/$page renders all ${#op_ids[@]} operations with their summaries and paths ($(stat -c %s "$work/$page.html") bytes of DOM)"
  rm -f "$shots/rest-gateway-$page.png"
  browse --screenshot="$shots/rest-gateway-$page.png" "$base/$page" /dev/null
  png "$shots/rest-gateway-$page.png" || fail "/$page screenshot"
  ok "/$page screenshot is a ${width}x${height} PNG: $shots/rest-gateway-$page.png"
done

# Control: without local assets the pages point at the CDN, which the browser cannot reach.
mkdir -p "$work/no-assets"
start no-assets "$work/no-assets"
for page in docs redoc; do
  browse --dump-dom "$url/$page" "$work/$page-bare.html"
  if rendered "$work/$page-bare.html" "$page" >/dev/null; then
    fail "/$page rendered without its assets: the DOM check cannot tell a broken page"
  fi
  ok "/$page without assets does not render, and the check says so"
done

echo "$passed passed, 0 failed"
