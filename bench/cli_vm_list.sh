#!/usr/bin/env bash
# vsphere-cli against pyvmomi: `vsphere-cli vm ls --json` on a 6,000-VM simulator, beside the
# same listing written with pyvmomi's PropertyCollector (Debian python3-pyvmomi): a
# ContainerView of the VMs, RetrievePropertiesEx/ContinueRetrievePropertiesEx of the same 19
# properties, the same name index for hosts, clusters, folders and datastores, and the same
# JSON printed. Both are whole processes (start, TLS, login, listing, JSON on stdout, logout),
# run in turns in one run. Prints each run, the medians, the ratio and peak RSS, and checks
# that both listed the same VMs.
#
#   bash bench/cli_vm_list.sh [RUNS]        (default 5; builds what it needs first)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
runs="${1:-5}"
# Debian's python3-pyvmomi is for Debian's python3 (/usr/bin/python3), which may not be the
# first python3 on PATH.
py=/usr/bin/python3
if ! "$py" -c 'import pyVmomi' 2>/dev/null; then
  echo "cli_vm_list: installing python3-pyvmomi"
  if [[ $(id -u) -ne 0 ]]; then echo "python3-pyvmomi is missing and this is not root" >&2; exit 1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-pyvmomi >/dev/null
fi
build_dir="${BUILD_DIR:-build/release}"
BUILD_DIR="$build_dir" bash scripts/build.sh >/dev/null
cli="$build_dir/apps/vsphere-cli"

work=$(mktemp -d)
sim_pid=""
cleanup() { [[ -n "$sim_pid" ]] && kill "$sim_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# 5 clusters of 10 hosts with 1,000 VMs each, and 1,000 on the standalone host: 6,000 VMs.
GOGC=400 build/vcsim/vcsim -watch-stdin=false -cluster 5 -host 10 -pool 1 -vm 1000 \
  -cert-out "$work/ca.pem" >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
for _ in $(seq 1 600); do grep -q VCSIM_READY "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
grep -q VCSIM_READY "$work/sim.out" || { cat "$work/sim.err"; echo "simulator did not start" >&2; exit 1; }
url=$(sed -n 's/^VCSIM_URL=//p' "$work/sim.out")

cat >"$work/pyvmomi_vm_list.py" <<'EOF'
# The vm ls listing with pyvmomi: one ContainerView of VMs read with the PropertyCollector
# (paged), one of the parents for names and paths, then the same JSON as `vsphere-cli vm ls --json`.
import json, ssl, sys
from urllib.parse import urlparse
from pyVim.connect import SmartConnect, Disconnect
from pyVmomi import vmodl, vim

url, cafile = urlparse(sys.argv[1]), sys.argv[2]
si = SmartConnect(host=url.hostname, port=url.port or 443, user="user", pwd="pass",
                  sslContext=ssl.create_default_context(cafile=cafile))
content = si.RetrieveContent()
pc = content.propertyCollector
PATHS = ["name", "runtime.powerState", "runtime.host", "config.guestId", "config.guestFullName",
         "summary.config.numCpu", "summary.config.memorySizeMB", "guest.ipAddress", "guest.net",
         "guest.toolsStatus", "guest.toolsRunningStatus", "config.uuid", "config.instanceUuid",
         "config.template", "parent", "resourcePool", "datastore", "config.annotation", "overallStatus"]

def retrieve(types, paths_of):
    view = content.viewManager.CreateContainerView(content.rootFolder, types, True)
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(
            obj=view, skip=True,
            selectSet=[vmodl.query.PropertyCollector.TraversalSpec(name="view", path="view", skip=False,
                                                                    type=vim.view.ContainerView)])],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=t, pathSet=paths_of(t)) for t in types])
    out = []
    result = pc.RetrievePropertiesEx([spec], vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=1000))
    while result:
        for o in result.objects:
            out.append((o.obj, {p.name: p.val for p in o.propSet}))
        result = pc.ContinueRetrievePropertiesEx(result.token) if result.token else None
    view.DestroyView()
    return out

vms = retrieve([vim.VirtualMachine], lambda t: PATHS)
parents = {o._moId: p for o, p in retrieve(
    [vim.Folder, vim.Datacenter, vim.ComputeResource, vim.HostSystem, vim.ResourcePool, vim.Datastore],
    lambda t: ["name", "parent"])}

def path(ref):
    parts = []
    while ref is not None and ref._moId in parents and parents[ref._moId].get("parent") is not None:
        parts.append(parents[ref._moId]["name"])
        ref = parents[ref._moId].get("parent")
    return "/" + "/".join(reversed(parts))

def cluster_of(host):
    p = parents.get(host._moId, {}).get("parent") if host is not None else None
    return parents.get(p._moId, {}).get("name", "") if p is not None else ""

items = []
for ref, p in vms:
    if p.get("config.template"):
        continue
    host = p.get("runtime.host")
    ips = [ip for nic in (p.get("guest.net") or []) for ip in (nic.ipAddress or [])]
    items.append({
        "id": ref._moId, "name": p.get("name", ""), "power_state": str(p.get("runtime.powerState", "")),
        "guest_id": p.get("config.guestId", ""), "guest_full_name": p.get("config.guestFullName", ""),
        "num_cpu": p.get("summary.config.numCpu", 0), "memory_mb": p.get("summary.config.memorySizeMB", 0),
        "host": parents.get(host._moId, {}).get("name", "") if host is not None else "",
        "cluster": cluster_of(host),
        "datastores": [parents.get(d._moId, {}).get("name", "") for d in (p.get("datastore") or [])],
        "ip_address": p.get("guest.ipAddress") or "", "ip_addresses": ips,
        "tools_status": str(p.get("guest.toolsStatus") or ""), "uuid": p.get("config.uuid", ""),
        "instance_uuid": p.get("config.instanceUuid", ""), "folder": path(p.get("parent")),
        "template": False, "annotation": p.get("config.annotation") or "",
        "overall_status": str(p.get("overallStatus", ""))})
items.sort(key=lambda v: (v["name"], v["id"]))
json.dump({"total": len(items), "count": len(items), "offset": 0, "vms": items}, sys.stdout, separators=(",", ":"))
sys.stdout.write("\n")
Disconnect(si)
EOF

# measure OUT COMMAND...: runs it with stdout to OUT; prints "<wall ms> <peak RSS kB>".
cat >"$work/measure.py" <<'EOF'
import resource, subprocess, sys, time
with open(sys.argv[1], "wb") as out:
    t0 = time.perf_counter()
    code = subprocess.call(sys.argv[2:], stdout=out)
    wall = (time.perf_counter() - t0) * 1000
if code != 0:
    sys.exit("%s exited %d" % (sys.argv[2], code))
print("%.1f %d" % (wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
EOF

export VCENTER_HOST="$url" VCENTER_USER=user VCENTER_PASSWORD=pass VCENTER_CA_BUNDLE="$work/ca.pem"
unset VSPHERE_CLI_PROFILE VCENTER_INSECURE VCENTER_THUMBPRINT VCENTER_PASSWORD_FILE
# Also one registry page (--limit 2000, the schema's maximum): the cost of one of the three
# whole listings the registry makes for 6,000 VMs (each page lists everything again).
declare -a cli_ms cli_rss py_ms py_rss page_ms
for i in $(seq 1 "$runs"); do
  read -r ms rss < <("$py" "$work/measure.py" "$work/cli.json" "$cli" vm ls --json)
  cli_ms+=("$ms"); cli_rss+=("$rss")
  read -r ms rss < <("$py" "$work/measure.py" "$work/py.json" "$py" "$work/pyvmomi_vm_list.py" "$url" "$work/ca.pem")
  py_ms+=("$ms"); py_rss+=("$rss")
  read -r ms rss < <("$py" "$work/measure.py" "$work/page.json" "$cli" vm ls --json --limit 2000)
  page_ms+=("$ms")
  echo "run $i: vsphere-cli vm ls --json ${cli_ms[-1]} ms (peak RSS ${cli_rss[-1]} kB) | pyvmomi ${py_ms[-1]} ms (peak RSS ${py_rss[-1]} kB) | one page of 2,000 ${page_ms[-1]} ms"
done

# Both listed the same VMs with the same names, power states, hosts, clusters and folders.
"$py" - "$work/cli.json" "$work/py.json" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
keys = ["id", "name", "power_state", "num_cpu", "memory_mb", "host", "cluster", "folder", "datastores"]
rows = lambda j: [tuple(str(v[k]) for k in keys) for v in j["vms"]]
assert a["total"] == b["total"] == len(a["vms"]), (a["total"], b["total"])
same = rows(a) == rows(b)
print("both listed %d VMs; %s" % (a["total"], "identical on " + ", ".join(keys) if same else "but they DIFFER"))
if not same:
    diff = next(i for i, (x, y) in enumerate(zip(rows(a), rows(b))) if x != y)
    print("  first difference at %d: cli %s / pyvmomi %s" % (diff, rows(a)[diff], rows(b)[diff]))
    sys.exit(1)
EOF
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
mc=$(median "${cli_ms[@]}"); mp=$(median "${py_ms[@]}")
echo "median of $runs: vsphere-cli ${mc} ms (peak RSS $(median "${cli_rss[@]}") kB); pyvmomi ${mp} ms (peak RSS $(median "${py_rss[@]}") kB); pyvmomi/vsphere-cli = $(awk -v a="$mp" -v b="$mc" 'BEGIN{printf "%.2f", a/b}')x; one registry page $(median "${page_ms[@]}") ms"
