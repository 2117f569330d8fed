#!/usr/bin/env python3
"""All VMs through mcp-server's vm_list at the default page size (100), side by side in one run:
following next_offset (each page lists the inventory again) and following next_cursor (the
first page lists once and keeps a snapshot; the others are served from it). Prints the time of
each way, the pages, and the ratio.

    python3 bench/mcp_paging.py [ROUNDS] [BUILD_DIR]     (defaults 3 and build/release)
"""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mcp_memory  # noqa: E402  (the same simulator and stdio client)

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
if len(sys.argv) > 2:
    mcp_memory.server_bin = os.path.join(sys.argv[2], "apps/mcp-server")


def walk(server, use_cursor):
    args, pages, seen = {}, 0, set()
    while True:
        r = server.call("tools/call", {"name": "vm_list", "arguments": args})
        if r.get("isError"):
            raise RuntimeError(r["content"][0]["text"])
        page = r["structuredContent"]
        pages += 1
        seen.update(v["id"] for v in page["vms"])
        if use_cursor and "next_cursor" in page:
            args = {"cursor": page["next_cursor"]}
        elif not use_cursor and "next_offset" in page:
            args = {"offset": page["next_offset"]}
        else:
            return pages, len(seen), page["total"]


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
        s = mcp_memory.Server(url, ca, {})
        times = {"offset": [], "cursor": []}
        for _ in range(rounds):
            for way in ("cursor", "offset"):
                t0 = time.monotonic()
                pages, unique, total = walk(s, way == "cursor")
                times[way].append(time.monotonic() - t0)
                assert unique == total, f"{way}: {unique} distinct VMs of {total}"
        s.close()
        med = {k: sorted(v)[len(v) // 2] for k, v in times.items()}
        print(f"{total} VMs in {pages} pages of 100 through mcp-server's vm_list, median of {rounds}:")
        print(f"  following next_offset: {med['offset'] * 1000:.0f} ms (each page lists again)")
        print(f"  following next_cursor: {med['cursor'] * 1000:.0f} ms (one listing, pages from its snapshot)")
        print(f"  cursor/offset: {med['cursor'] / med['offset']:.3f}x")
    finally:
        sim.kill()
        sim.wait()


if __name__ == "__main__":
    main()
