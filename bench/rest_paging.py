#!/usr/bin/env python3
"""All VMs through rest-gateway's GET /vms at page_size 100, following page_info.next_cursor:
the first page lists the inventory once and the following pages come from its snapshot. Prints
the time of the first page, of the whole walk, and their ratio (a walk that listed again for
every page would cost about pages x the first page).

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
    gw = None
    try:
        url = started(sim, "VCSIM_URL=")
        limits = os.path.join(work, "limits.json")
        with open(limits, "w") as f:
            f.write('{"read": {"rate": "off"}, "change": {"rate": "off"}}')
        gw = subprocess.Popen([os.path.join(build_dir, "apps/rest-gateway"), "--port", "0"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True,
                              env=dict(os.environ, VCENTER_HOST=url, VCENTER_USER="user", VCENTER_PASSWORD="pass",
                                       VCENTER_CA_BUNDLE=ca, MCP_AUDIT_LOG="off", MCP_RATE_LIMITS_FILE=limits))
        base = started(gw, "REST_URL=")
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
                seen.update(v["id"] for v in body["data"])
                total = body["total_count"]
                cursor = body["page_info"]["next_cursor"]
                target = f"/vms?page_size=100&cursor={cursor}" if cursor else None
            walks.append(time.monotonic() - t0)
            assert len(seen) == total, f"{len(seen)} distinct VMs of {total}"
        first, walk = sorted(firsts)[len(firsts) // 2], sorted(walks)[len(walks) // 2]
        print(f"{total} VMs in {pages} pages of 100 through rest-gateway, median of {rounds}:")
        print(f"  first page {first * 1000:.0f} ms; all pages {walk * 1000:.0f} ms ({walk / first:.2f}x the first page)")
    finally:
        for p in (gw, sim):
            if p:
                p.kill()
                p.wait()


if __name__ == "__main__":
    main()
