#!/usr/bin/env python3
"""The peer of `birdhouse plan` in the benchmarks: the same listing job done with NetBird's
Python client (`pip install netbird`, PyPI package `netbird`).

For every MSP tenant it lists what birdhouse reads to plan a tenant: groups, setup keys, users,
policies, networks, the routers (account-wide, `networks.list_all_routers`) and the resources
of each network (`networks.list_resources(network_id)`, the client has no account-wide
resource list). That is 1 + sum(6 + N_networks) calls per run, sequential (the client is
synchronous), without birdhouse's identity check.

The client has no way to pass `?account=` through its resource methods (`client.groups.list()`
takes no arguments), so the script calls the client's own generic request method with the
query parameter: `client.get("groups", params={"account": tenant_id})`. Same client, same
session, same error mapping; only the path is spelled out.

The client does not pace itself and does not retry: a 429 raises `NetBirdRateLimitError` with
`retry_after=None` (NetBird sends no `Retry-After`). The script counts each one, waits one
second and tries again (at most 120 times per call), as a careful script would.

Prints one JSON line: tenants, calls made, 429s met, objects listed, wall seconds.
Connection from NETBIRD_API_URL (or NETBIRD_HOST) and NETBIRD_API_TOKEN; BENCH_TENANTS=N lists
only the first N tenants of the MSP list.
"""

import json
import os
import sys
import time
import warnings

from netbird import APIClient
from netbird.exceptions import NetBirdRateLimitError

RETRY_WAIT_SECONDS = 1.0
MAX_RETRIES = 120


def main() -> int:
    host = os.environ.get("NETBIRD_API_URL") or os.environ["NETBIRD_HOST"]
    client = APIClient(host=host, api_token=os.environ["NETBIRD_API_TOKEN"], timeout=60.0)
    counts = {"calls": 0, "rate_limited": 0}

    def get(call, *args, **kwargs):
        for _ in range(MAX_RETRIES):
            counts["calls"] += 1
            try:
                return call(*args, **kwargs)
            except NetBirdRateLimitError:
                counts["rate_limited"] += 1
                time.sleep(RETRY_WAIT_SECONDS)
        raise RuntimeError("gave up after repeated 429s")

    started = time.monotonic()
    # The client warns that cloud endpoints need api.netbird.io; the backend serves them.
    warnings.filterwarnings("ignore", message="Cloud endpoints")
    tenants = get(client.cloud.msp.list_tenants)
    if os.environ.get("BENCH_TENANTS"):
        tenants = tenants[: int(os.environ["BENCH_TENANTS"])]
    objects = 0
    for tenant in tenants:
        scope = {"account": tenant["id"]}

        def listed(path):
            return get(client.get, path, params=scope) or []

        for path in ("groups", "setup-keys", "users", "policies"):
            objects += len(listed(path))
        networks = listed("networks")
        objects += len(networks) + len(listed("networks/routers"))
        for network in networks:
            objects += len(listed(f"networks/{network['id']}/resources"))
    wall = time.monotonic() - started
    print(
        json.dumps(
            {
                "client": "netbird (Python)",
                "tenants": len(tenants),
                "calls": counts["calls"],
                "rate_limited": counts["rate_limited"],
                "objects": objects,
                "wall_s": round(wall, 3),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
