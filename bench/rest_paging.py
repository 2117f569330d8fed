#!/usr/bin/env python3
"""All VMs through rest-gateway's GET /vms at page_size 100, following page_info.next_cursor:
the first page lists the inventory once and the following pages come from its snapshot. Two
gateways side by side in one run: one with its live inventory (the default), one reading vCenter
on every call (REST_LIVE_INVENTORY=false). Prints for each the time of the first page, of the
whole walk, the p50 of GET /vms/{name}, and the ratios.

    python3 bench/rest_paging.py [ROUNDS] [BUILD_DIR]     (defaults 3 and build/release)
"""
import json
import os
import ssl  # noqa: F401  (plain HTTP to the gateway; the simulator's CA is given to the gateway)
import subprocess
import sys
import tempfile
import time
import urllib.request

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
build_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(repo, "build/release")


def started(proc, prefix):
    for line in proc.stdout:
        if line.startswith(prefix):
            return line.split("=", 1)[1].strip()
    raise RuntimeError(f"no {prefix} line")


def main():
    work = tempfile.mkdtemp()
    ca = os.path.join(work, "ca.pem")
    sim = subprocess.Popen([os.path.join(repo, "build/vcsim/vcsim"), "-watch-stdin=false", "-cluster", "5", "-host",
                            "10", "-pool", "1", "-vm", "1000", "-cert-out", ca], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True, env=dict(os.environ, GOGC="400"))
    gws = {}
    try:
        url = started(sim, "VCSIM_URL=")
        limits = os.path.join(work, "limits.json")
        with open(limits, "w") as f:
            f.write('{"read": {"rate": "off"}, "change": {"rate": "off"}}')
        gws = {}
        for way, live in (("live", "true"), ("direct", "false")):
            gws[way] = subprocess.Popen(
                [os.path.join(build_dir, "apps/rest-gateway"), "--port", "0"], stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, text=True,
                env=dict(os.environ, VCENTER_HOST=url, VCENTER_USER="user", VCENTER_PASSWORD="pass",
                         VCENTER_CA_BUNDLE=ca, MCP_AUDIT_LOG="off", MCP_RATE_LIMITS_FILE=limits,
                         REST_LIVE_INVENTORY=live))
        bases = {way: started(p, "REST_URL=") for way, p in gws.items()}
        deadline = time.monotonic() + 120
        while True:
            with urllib.request.urlopen(bases["live"] + "/health") as r:
                if json.load(r)["data"].get("inventory", {}).get("in_sync"):
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("the live inventory did not sync in 120 s")
            time.sleep(0.2)
        res = {}
        for way, base in bases.items():
            firsts, walks = [], []
            for _ in range(rounds):
                t0 = time.monotonic()
                target, pages, seen, total = "/vms?page_size=100", 0, set(), 0
                while target:
                    with urllib.request.urlopen(base + target) as r:
                        body = json.load(r)
                    pages += 1
                    if pages == 1:
                        firsts.append(time.monotonic() - t0)
                        name = body["data"][50]["name"]
                    seen.update(v["id"] for v in body["data"])
                    total = body["total_count"]
                    cursor = body["page_info"]["next_cursor"]
                    target = f"/vms?page_size=100&cursor={cursor}" if cursor else None
                walks.append(time.monotonic() - t0)
                assert len(seen) == total, f"{len(seen)} distinct VMs of {total}"
            gets = []
            for _ in range(30):
                t0 = time.monotonic()
                with urllib.request.urlopen(base + "/vms/" + name) as r:
                    json.load(r)
                gets.append(time.monotonic() - t0)
            med = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
            res[way] = (med(firsts), med(walks), med(gets))
        print(f"{total} VMs in {pages} pages of 100 through rest-gateway, median of {rounds} (one run, side by side):")
        for way, (first, walk, get) in res.items():
            print(f"  {way:6s}: first page {first * 1000:.0f} ms; all pages {walk * 1000:.0f} ms "
                  f"({walk / first:.2f}x the first page); GET /vms/{{name}} p50 {get * 1000:.1f} ms")
        print(f"  live vs direct: all pages {res['direct'][1] / res['live'][1]:.1f}x faster, "
              f"GET /vms/{{name}} {res['direct'][2] / res['live'][2]:.1f}x faster")
    finally:
        for p in list(gws.values()) + [sim]:
            if p:
                p.kill()
                p.wait()


if __name__ == "__main__":
    main()
