#!/usr/bin/env python3
"""Memory of a long-running mcp-server over many full listings, side by side in one run.

Starts the 6,000-VM simulator, then mcp-server over stdio twice: once as built (two allocator
arenas, and freed memory handed back to the system after calls) and once with VSMCP_MALLOC_TRIM=0
(glibc's defaults: an arena per thread, keeping what it freed), both without the live inventory
(MCP_LIVE_INVENTORY=false), so that every listing reads vCenter. Each lists all VMs with vm_list (pages of 2,000) N times and prints the
server's resident memory (VmRSS) after 1, 10 and N listings, the time of a listing, and the
ratios.

    python3 bench/mcp_memory.py [LISTINGS] [BUILD_DIR]     (defaults 50 and build/release)
"""
import json
import os
import subprocess
import sys
import tempfile
import time

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
listings = int(sys.argv[1]) if len(sys.argv) > 1 else 50
build_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(repo, "build/release")
server_bin = os.path.join(build_dir, "apps/mcp-server")
vcsim = os.path.join(repo, "build/vcsim/vcsim")


def rss_kb(pid, settle=0.3):
    """The server's resident memory once idle: the servers hand free memory back to the system
    on a thread of their own, at most 100 ms after a call ends, so it is read `settle` s later."""
    time.sleep(settle)
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Server:
    def __init__(self, url, ca, env_extra):
        env = dict(os.environ, VCENTER_HOST=url, VCENTER_USER="user", VCENTER_PASSWORD="pass",
                   VCENTER_CA_BUNDLE=ca, MCP_AUDIT_LOG="off", **env_extra)
        limits = os.path.join(os.path.dirname(ca), "limits.json")
        with open(limits, "w") as f:
            f.write('{"read": {"rate": "off"}, "change": {"rate": "off"}}')
        env["MCP_RATE_LIMITS_FILE"] = limits
        self.p = subprocess.Popen([server_bin], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, env=env, text=True, bufsize=1)
        self.next_id = 1
        self.call("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                 "clientInfo": {"name": "bench", "version": "1"}})
        self.p.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")

    def call(self, method, params):
        rid = self.next_id
        self.next_id += 1
        self.p.stdin.write(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}) + "\n")
        while True:
            msg = json.loads(self.p.stdout.readline())
            if msg.get("id") == rid:
                if "error" in msg:
                    raise RuntimeError(msg["error"])
                return msg["result"]

    def list_all(self):
        offset, seen = 0, 0
        while True:
            r = self.call("tools/call", {"name": "vm_list", "arguments": {"limit": 2000, "offset": offset}})
            if r.get("isError"):
                raise RuntimeError(r["content"][0]["text"])
            page = r["structuredContent"]
            seen += page["count"]
            if "next_offset" not in page:
                return seen
            offset = page["next_offset"]

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=30)


def main():
    work = tempfile.mkdtemp()
    ca = os.path.join(work, "ca.pem")
    sim = subprocess.Popen([vcsim, "-watch-stdin=false", "-cluster", "5", "-host", "10", "-pool", "1", "-vm", "1000",
                            "-cert-out", ca], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                           env=dict(os.environ, GOGC="400"))
    url = None
    for line in sim.stdout:
        if line.startswith("VCSIM_URL="):
            url = line.split("=", 1)[1].strip()
        if line.startswith("VCSIM_READY"):
            break
    try:
        results = {}
        # Without the live inventory, so that each listing reads vCenter (bench/mcp_live.py
        # measures the live inventory's memory).
        for label, env in (("trimmed", {"MCP_LIVE_INVENTORY": "false"}),
                           ("untrimmed", {"MCP_LIVE_INVENTORY": "false", "VSMCP_MALLOC_TRIM": "0"})):
            s = Server(url, ca, env)
            idle = rss_kb(s.p.pid)
            marks, times = {}, []
            for i in range(1, listings + 1):
                t0 = time.monotonic()
                n = s.list_all()
                times.append(time.monotonic() - t0)
                if i in (1, 10, listings):
                    marks[i] = rss_kb(s.p.pid)
            s.close()
            times.sort()
            results[label] = (idle, marks, times[len(times) // 2], n)
            print(f"{label:10} {n} VMs: idle {idle / 1024:.1f} MB; after 1 listing {marks[1] / 1024:.1f} MB, "
                  f"10: {marks[10] / 1024:.1f} MB, {listings}: {marks[listings] / 1024:.1f} MB; "
                  f"median listing {times[len(times) // 2] * 1000:.0f} ms")
        t, u = results["trimmed"], results["untrimmed"]
        print(f"RSS after {listings} listings: trimmed/untrimmed {t[1][listings] / u[1][listings]:.2f}x; "
              f"median listing time trimmed/untrimmed {t[2] / u[2]:.2f}x")
    finally:
        sim.kill()
        sim.wait()


if __name__ == "__main__":
    main()
