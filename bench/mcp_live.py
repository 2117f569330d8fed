#!/usr/bin/env python3
"""mcp-server with its live inventory against the same server reading vCenter on every call,
side by side in one run on the 6,000-VM simulator. For each: the time to walk all VMs with
vm_list at the default page size (100, following next_cursor), the p50 of a fresh first page of
100 VMs, the p50 of vm_get by name and by id, and the server's resident memory (VmRSS) after
1 and after N full listings. Prints the ratios and the live inventory's memory per VM (the live
server's RSS once in sync, less the other's at the same point, over the VM count).

    python3 bench/mcp_live.py [LISTINGS] [BUILD_DIR]     (defaults 50 and build/release)
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mcp_memory  # noqa: E402  (the same simulator and stdio client)

listings = int(sys.argv[1]) if len(sys.argv) > 1 else 50
if len(sys.argv) > 2:
    mcp_memory.server_bin = os.path.join(sys.argv[2], "apps/mcp-server")


def tool(server, name, args):
    r = server.call("tools/call", {"name": name, "arguments": args})
    if r.get("isError"):
        raise RuntimeError(r["content"][0]["text"])
    return r["structuredContent"]


def walk(server):
    args, seen = {}, set()
    while True:
        page = tool(server, "vm_list", args)
        seen.update(v["id"] for v in page["vms"])
        if "next_cursor" not in page:
            assert len(seen) == page["total"], f"{len(seen)} distinct VMs of {page['total']}"
            return page
        args = {"cursor": page["next_cursor"]}


def p50_ms(fn, n=30):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    work = tempfile.mkdtemp()
    ca = os.path.join(work, "ca.pem")
    sim = subprocess.Popen([mcp_memory.vcsim, "-watch-stdin=false", "-cluster", "5", "-host", "10", "-pool", "1",
                            "-vm", "1000", "-cert-out", ca], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           text=True, env=dict(os.environ, GOGC="400"))
    url = None
    for line in sim.stdout:
        if line.startswith("VCSIM_URL="):
            url = line.split("=", 1)[1].strip()
        if line.startswith("VCSIM_READY"):
            break
    try:
        servers = {"live": mcp_memory.Server(url, ca, {}),
                   "direct": mcp_memory.Server(url, ca, {"MCP_LIVE_INVENTORY": "false"})}
        # Wait for the live inventory: a vm_list whose freshness says live.
        deadline = time.monotonic() + 120
        while tool(servers["live"], "vm_list", {"limit": 1}).get("freshness", {}).get("source") != "live":
            if time.monotonic() > deadline:
                raise RuntimeError("the live inventory did not sync in 120 s")
            time.sleep(0.2)
        rss_sync = {k: mcp_memory.rss_kb(s.p.pid) for k, s in servers.items()}
        vms = tool(servers["direct"], "vm_list", {"limit": 2})["total"]
        some = tool(servers["direct"], "vm_list", {"limit": 1, "offset": vms // 2})["vms"][0]
        res = {}
        for name, s in servers.items():
            r = {}
            t0 = time.monotonic()
            walk(s)
            r["walk_s"] = time.monotonic() - t0
            r["rss_1"] = mcp_memory.rss_kb(s.p.pid)
            r["page_ms"] = p50_ms(lambda: tool(s, "vm_list", {"limit": 100}), 20)
            r["get_name_ms"] = p50_ms(lambda: tool(s, "vm_get", {"vm": some["name"]}))
            r["get_id_ms"] = p50_ms(lambda: tool(s, "vm_get", {"vm": some["id"]}))
            res[name] = r
        for name, s in servers.items():
            for _ in range(listings - 1):
                s.list_all()
            res[name]["rss_n"] = mcp_memory.rss_kb(s.p.pid)
        for s in servers.values():
            s.close()
    finally:
        sim.terminate()
        sim.wait()
    print(f"mcp-server, {vms} VMs, live inventory vs direct reads (one run, side by side)")
    rows = [("all VMs, vm_list pages of 100 (s)", "walk_s", "{:.2f}"),
            ("first page of 100, fresh listing, p50 (ms)", "page_ms", "{:.1f}"),
            ("vm_get by name, p50 (ms)", "get_name_ms", "{:.1f}"),
            ("vm_get by id, p50 (ms)", "get_id_ms", "{:.1f}"),
            ("RSS after 1 full listing (MB)", "rss_1", None),
            (f"RSS after {listings} full listings (MB)", "rss_n", None)]
    for label, key, fmt in rows:
        live, direct = res["live"][key], res["direct"][key]
        if fmt is None:
            print(f"  {label:46s} live {live / 1024:8.1f}   direct {direct / 1024:8.1f}")
        else:
            ratio = direct / live if live else float("inf")
            print(f"  {label:46s} live {fmt.format(live):>8s}   direct {fmt.format(direct):>8s}   "
                  f"live is {ratio:.1f}x faster")
    per_vm = (rss_sync["live"] - rss_sync["direct"]) * 1024 / vms
    print(f"  live inventory memory: {rss_sync['live'] / 1024:.1f} MB RSS once in sync vs {rss_sync['direct'] / 1024:.1f} "
          f"MB without it: about {per_vm / 1024:.1f} KiB per VM (all kinds of object included)")


if __name__ == "__main__":
    main()
