#!/usr/bin/env python3
"""birdhouse's benchmarks (not timed tests), against the synthetic backend of birdhouse-lab.

Run through `make bench` (scripts/bench), which builds the release binaries once. Every figure
goes into a new section appended to docs/benchmarks.md, headed by the machine (nproc, CPU
model) and the date, so runs on different machines stay comparable and none is overwritten.

What is measured (see docs/benchmarks.md for the formulas):
  A. API calls per `plan` at 1, 10, 100, 1,000 tenants: the backend's /lab/stats counters and
     birdhouse's own count (-v), against the issue's formula 1 + sum(7 + N_networks),
     birdhouse's real one 3 + sum(1 + 6 + min(N_networks, 1)) (the account answer carries the
     exported settings and proves the identity), and a per-object refresh
     (one GET per object, as a Terraform provider's refresh does).
  B. Wall time of `plan` (and `apply`, when it exists) under a scaled Cloud budget, against the
     floor max(0, calls - burst) / rate; 429s met (goal 0).
  C. The same plan while another client drains the same token: 429s met, nothing lost, done.
  D. Client CPU time and peak RSS of `plan` at 1,000 tenants x 100 objects (wait4 rusage; the
     median of CPU_SAMPLES runs, as the CPU of identical runs varies on shared cores).
  E. The same listing job with NetBird's Python client (bench/python_client.py), side by side.
  F. A pull request that edits one policy in every tenant (`--changed-since`).
  G. Snapshots kept between runs (`--snapshots`): the plan that stores them, the plan of
     unchanged tenants (budget out of the way and under the scaled Cloud budget; with and
     without `--unlogged-max-age`), and plans after 1% and 10% of the tenants changed behind
     birdhouse's back.

Every run is bounded: the backend is stopped at the end whatever happens, and each birdhouse
run has a timeout.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN_TIMEOUT_S = 600
LATENCY_MS = 5
OBJECTS = 100
# The largest plan and validate run this many times; their CPU is the median (shared cores).
CPU_SAMPLES = 5
NETWORKS_PER_TENANT = OBJECTS // 20  # the synthetic backend's mix (lab/src/synthetic/seed.rs)


def machine():
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    rev = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": model,
        "nproc": nproc,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": rev + ("+changes" if dirty else ""),
    }


class Backend:
    """The synthetic backend (not NetBird), started once and stopped by its pid."""

    def __init__(self, lab, tenants, objects, workdir):
        self.env_file = Path(workdir) / "synthetic.env"
        self.log = open(Path(workdir) / "synthetic.log", "w")
        self.process = subprocess.Popen(
            [lab, "synthetic", "--tenants", str(tenants), "--objects", str(objects),
             "--latency-ms", str(LATENCY_MS), "--env-file", str(self.env_file)],
            stdout=subprocess.DEVNULL, stderr=self.log,
        )
        deadline = time.monotonic() + 120
        while not self.env_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the synthetic backend did not start; see {self.log.name}")
            time.sleep(0.1)
        env = dict(
            line.split("=", 1)
            for line in self.env_file.read_text().splitlines()
            if "=" in line and not line.startswith("#")
        )
        self.url = env["NETBIRD_API_URL"]
        self.token = env["NETBIRD_API_TOKEN"]

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def stats(self):
        return self.request("GET", "/lab/stats")

    def api(self, method, path, body=None):
        """One request through the MSP token, as another client (a dashboard) would send it."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, method=method,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def reset(self):
        self.request("POST", "/lab/stats/reset")

    def limit(self, rpm, burst):
        """Sets the per-token limit (None: off); every bucket starts full."""
        body = None if rpm is None else {"requests_per_minute": rpm, "burst": burst}
        data = json.dumps(body).encode()
        request = urllib.request.Request(self.url + "/lab/rate-limit", data=data, method="PUT")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("NETBIRD_")}
        env.update(NETBIRD_API_URL=self.url, NETBIRD_API_TOKEN=self.token)
        return env

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def run(command, env, cwd):
    """Runs a command to its end; wall time, CPU time and peak RSS from wait4."""
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=err)
    timer = threading.Timer(RUN_TIMEOUT_S, process.kill)
    timer.start()
    _, status, usage = os.wait4(process.pid, 0)
    timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    out.seek(0)
    err.seek(0)
    stdout, stderr = out.read().decode(), err.read().decode()
    counted = re.findall(r"requests=(\d+) rate_limited=(\d+)", stderr)
    return {
        "code": process.returncode,
        "stdout": stdout,
        "stderr": stderr,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "maxrss_mb": usage.ru_maxrss / 1024,
        "requests": sum(int(r) for r, _ in counted) if counted else None,
        "rate_limited": sum(int(l) for _, l in counted) if counted else None,
    }


def desired_dirs(birdhouse, backend, workdir, sizes):
    """Exports every tenant once, then one directory per size with the first N tenants'
    files, `id` removed so each run finds its tenants by domain (one MSP tenant list call)."""
    exported = Path(workdir) / "export"
    result = run([birdhouse, "export", "-o", str(exported), "--rate", "1000000",
                  "--burst", "1000000", "--parallel", "8"], backend.env(), workdir)
    if result["code"] != 0:
        raise RuntimeError("export failed:\n" + result["stderr"][-3000:])
    dirs = {}
    for n in sizes:
        target = Path(workdir) / f"desired-{n}"
        target.mkdir()
        for i in range(1, n + 1):
            text = (exported / f"tenant-{i}.yaml").read_text()
            text = re.sub(r"(?m)^    id: .*\n", "", text)
            (target / f"tenant-{i}.yaml").write_text(text)
        dirs[n] = target
    return dirs, result


def tenants_without_changes(stdout):
    """The count in the plan's summary line "Total: no changes in N tenants."."""
    found = re.search(r"no changes in ([\d,]+) tenants", stdout)
    return int(found.group(1).replace(",", "")) if found else 0


def budget_args(rpm, burst):
    return ["--rate", str(rpm), "--burst", str(burst)]


def floor_s(calls, rpm, burst):
    return max(0, calls - burst) / (rpm / 60)


def calls_of(stats):
    return stats["requests"], stats["rate_limited"]


def bytes_of(stats):
    """Bytes of the API answers the backend sent since its last reset: what the client read."""
    return stats.get("response_bytes")


class Drainer(threading.Thread):
    """Another client of the same token: GETs at a fixed rate until stopped (bounded)."""

    def __init__(self, backend, per_second, max_seconds):
        super().__init__(daemon=True)
        self.backend = backend
        self.interval = 1.0 / per_second
        self.max_seconds = max_seconds
        self.stop_flag = threading.Event()
        self.ok = 0
        self.limited = 0

    def run(self):
        started = time.monotonic()
        tick = started
        while not self.stop_flag.is_set() and time.monotonic() - started < self.max_seconds:
            request = urllib.request.Request(
                self.backend.url + "/api/groups",
                headers={"Authorization": f"Token {self.backend.token}"},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()
                    self.ok += 1
            except urllib.error.HTTPError as error:
                if error.code == 429:
                    self.limited += 1
            tick += self.interval
            time.sleep(max(0.0, tick - time.monotonic()))


def apply_available(birdhouse, backend, workdir, sample_dir):
    probe = run([birdhouse, "apply", "-f", str(sample_dir), "--yes"], backend.env(), workdir)
    return "not implemented" not in probe["stderr"], probe


def add_group_everywhere(source, target):
    """Each exported tenant with one group more, listed first among the tenant's own groups
    (the first block `groups:`), at the indentation of its items."""
    target.mkdir()
    for path in sorted(source.glob("*.yaml")):
        text = re.sub(
            r"^( *)groups:\n( *)- ",
            lambda m: f"{m.group(1)}groups:\n{m.group(2)}- name: bench-added\n{m.group(2)}- ",
            path.read_text(),
            count=1,
            flags=re.M,
        )
        (target / path.name).write_text(text)


def git(repo, *args):
    subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@bench.example",
                    *args], cwd=repo, check=True, capture_output=True)


def edit_first_policy(text):
    """The file with its first policy's description changed (added when it has none)."""
    return re.sub(r"(?m)^(    policies:\n      - name: [^\n]+\n)(        description: [^\n]*\n)?",
                  r"\1        description: edited in a pull request\n", text, count=1)


def scoped_pull_request(birdhouse, backend, workdir, source, n, cold_calls):
    repo = Path(workdir) / f"pull-request-{n}"
    shutil.copytree(source, repo / "tenants")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "merged")
    git(repo, "checkout", "-qb", "edit-policies")
    edited = 0
    for path in sorted((repo / "tenants").glob("*.yaml")):
        text = path.read_text()
        changed = edit_first_policy(text)
        if changed != text:
            path.write_text(changed)
            edited += 1
    git(repo, "commit", "-qam", "edit a policy everywhere")
    backend.reset()
    result = run([birdhouse, "plan", "-f", "tenants", "--changed-since", "main", "-v",
                  "--color", "never", "--detailed-exitcode"] + budget_args(1_000_000, 1_000_000),
                 backend.env(), str(repo))
    stats = backend.stats()
    requests, limited = calls_of(stats)
    print(f"bench: F scoped plan of {edited} edited tenants: {requests} calls "
          f"(cold plan {cold_calls})", file=sys.stderr)
    return {"tenants": n, "edited": edited, "calls": requests, "cold_calls": cold_calls,
            "exit": result["code"], "wall_s": result["wall_s"], "rate_limited": limited,
            "bytes_read": bytes_of(stats)}


SETTLING_S = 10  # src/live/proof.rs SETTLING: events this close to a read are read again


def synthetic_tenant_id(n):
    """The synthetic backend's fixed id of tenant n (lab/src/synthetic/mod.rs)."""
    return f"synth{n:015d}"


def kept_snapshots(birdhouse, backend, workdir, source, n, rpm, burst):
    """G: plans with --snapshots: the cold plan that stores them, the plan of unchanged tenants
    (budget out of the way, then under the scaled Cloud budget), and plans after 1% and 10% of
    the tenants were changed behind birdhouse's back (a group created through the API)."""
    kept = Path(workdir) / "kept"
    rows = []

    def plan(label, limited_budget=False, changed=0, extra=(), scale=1):
        rate = rpm // scale
        if limited_budget:
            backend.limit(rate, burst)
            budget = budget_args(rate, burst)
        else:
            backend.limit(None, None)
            budget = budget_args(1_000_000, 1_000_000)
        backend.reset()
        result = run([birdhouse, "plan", "-f", str(source), "--snapshots", str(kept), "-v",
                      "--color", "never", "--format", "json"] + list(extra) + budget,
                     backend.env(), workdir)
        stats = backend.stats()
        requests, limited = calls_of(stats)
        sources = {}
        try:
            for tenant in json.loads(result["stdout"])["tenants"]:
                how = tenant.get("live_source", {"source": "read"})["source"]
                sources[how] = sources.get(how, 0) + 1
        except (ValueError, KeyError):
            pass
        row = {"scenario": label, "tenants": n, "changed": changed, "calls": requests,
               "rate_limited": limited, "wall_s": result["wall_s"], "cpu_s": result["cpu_s"],
               "maxrss_mb": result["maxrss_mb"], "bytes_read": bytes_of(stats),
               "exit": result["code"], "sources": sources,
               "floor_s": floor_s(requests - limited, rate, burst) if limited_budget else 0.0,
               "rpm": rate if limited_budget else None, "burst": burst if limited_budget else None,
               "events_calls": stats["calls"].get("GET /api/events/audit", 0)}
        rows.append(row)
        print(f"bench: G {label}: {requests} calls, {limited} 429s, {result['wall_s']:.1f}s, "
              f"sources {sources}", file=sys.stderr)

    def change(first, count):
        for i in range(first, first + count):
            backend.api("POST", f"/api/groups?account={synthetic_tenant_id(i)}",
                        {"name": f"made-by-hand-{i}"})

    plan("plan --snapshots, cold (stores them)")
    time.sleep(SETTLING_S + 1)
    plan("plan --snapshots, unchanged")
    plan(f"plan --snapshots, unchanged, {rpm}/min burst {burst}", limited_budget=True)
    # The same at a tenth of that rate (10x Cloud's): the second spent loading the files
    # before the first call weighs on the floor ten times less, as it does on Cloud's.
    plan(f"plan --snapshots, unchanged, {rpm // 10}/min burst {burst}", limited_budget=True,
         scale=10)
    # The lists no event vouches for planned as stored (docs/snapshots.md): one call a tenant.
    hour = ("--unlogged-max-age", "1h")
    plan("plan --snapshots --unlogged-max-age 1h, unchanged", extra=hour)
    plan(f"plan --snapshots --unlogged-max-age 1h, unchanged, {rpm}/min burst {burst}",
         limited_budget=True, extra=hour)
    one = max(1, n // 100)
    change(1, one)
    time.sleep(SETTLING_S + 1)
    plan("plan --snapshots, 1% of tenants changed", changed=one)
    ten = max(1, n // 10)
    change(one + 1, ten)
    time.sleep(SETTLING_S + 1)
    plan("plan --snapshots, 10% of tenants changed", changed=ten)
    backend.limit(None, None)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--birdhouse", required=True)
    parser.add_argument("--lab", required=True)
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--tenants", type=int, default=1000, help="largest size")
    args = parser.parse_args()
    birdhouse = str(Path(args.birdhouse).resolve())
    sizes = [n for n in (1, 10, 100, 1000) if n <= args.tenants]
    largest = sizes[-1]
    side = min(100, largest)
    info = machine()
    results = {"machine": info, "latency_ms": LATENCY_MS, "objects": OBJECTS}
    workdir = tempfile.mkdtemp(prefix="birdhouse-bench-")
    started = time.monotonic()
    print(f"bench: synthetic backend with {largest} tenants x {OBJECTS} objects", file=sys.stderr)
    backend = Backend(args.lab, largest, OBJECTS, workdir)
    try:
        dirs, export = desired_dirs(birdhouse, backend, workdir, sizes)
        results["export"] = {"wall_s": export["wall_s"], "requests": export["requests"]}

        # A and D: calls per plan, budget out of the way; CPU and RSS of the largest.
        rows = []
        for n in sizes:
            backend.reset()
            result = run([birdhouse, "plan", "-f", str(dirs[n]), "-v", "--color", "never",
                          "--detailed-exitcode"] + budget_args(1_000_000, 1_000_000),
                         backend.env(), workdir)
            stats = backend.stats()
            requests, limited = calls_of(stats)
            rows.append({
                "bytes_read": bytes_of(stats),
                "tenants": n, "backend_calls": requests, "birdhouse_calls": result["requests"],
                "exit": result["code"], "no_changes": "No changes" in result["stdout"],
                "issue_formula": 1 + n * (7 + NETWORKS_PER_TENANT),
                # Per run: the MSP tenant list and the token check (2). Per tenant: the account
                # answer (the export writes the settings, which come with it, and it proves the
                # identity), six lists and the account-wide resource list.
                "birdhouse_formula": 3 + n * (1 + 6 + min(NETWORKS_PER_TENANT, 1)),
                "per_object": 1 + n * OBJECTS,
                "wall_s": result["wall_s"], "cpu_s": result["cpu_s"],
                "maxrss_mb": result["maxrss_mb"], "rate_limited": limited,
            })
            print(f"bench: A plan {n} tenants: {requests} calls, {result['wall_s']:.1f}s",
                  file=sys.stderr)
        # D: a plan's CPU varies by a third between identical runs on a shared machine, so the
        # largest plan runs CPU_SAMPLES times: its median, with the range.
        largest_args = [birdhouse, "plan", "-f", str(dirs[largest]), "--color", "never"] \
            + budget_args(1_000_000, 1_000_000)
        samples = [rows[-1]["cpu_s"]] + [run(largest_args, backend.env(), workdir)["cpu_s"]
                                         for _ in range(CPU_SAMPLES - 1)]
        rows[-1]["cpu_samples"] = sorted(samples)
        rows[-1]["cpu_s"] = statistics.median(samples)
        results["calls"] = rows

        # F: a pull request that edits one policy in every tenant (what editing a baseline
        # policy all tenants use does): `plan --changed-since` plans each tenant's policies and
        # the groups they name, and reads neither setup keys nor users.
        results["scoped"] = scoped_pull_request(birdhouse, backend, workdir, dirs[largest],
                                                largest, rows[-1]["backend_calls"])
        # D, split: loading and validating the files alone (no API), to tell the desired side's
        # share of CPU and memory from the reads'.
        validations = [run([birdhouse, "validate", "-f", str(dirs[largest])], backend.env(),
                           workdir) for _ in range(CPU_SAMPLES)]
        loaded = validations[0]
        results["validate"] = {
            "cpu_s": statistics.median(v["cpu_s"] for v in validations),
            "cpu_samples": sorted(v["cpu_s"] for v in validations),
            "maxrss_mb": max(v["maxrss_mb"] for v in validations),
            "wall_s": loaded["wall_s"], "exit": loaded["code"]}

        # G: snapshots kept between runs, proven by one audit-log call per tenant.
        results["kept"] = kept_snapshots(birdhouse, backend, workdir, dirs[largest], largest,
                                         12_000, 1_200)

        # B: wall time against the budget floor. The Cloud budget (120/min, burst 1,200) with
        # its rate scaled up 100x: the burst covers the same share of the calls, and the floor
        # is 100x shorter. The backend enforces the same limit.
        rpm, burst = 12_000, 1_200
        budget_rows = []
        for n in [s for s in sizes if s >= 100]:
            backend.limit(rpm, burst)
            backend.reset()
            result = run([birdhouse, "plan", "-f", str(dirs[n]), "-v", "--color", "never"]
                         + budget_args(rpm, burst), backend.env(), workdir)
            stats = backend.stats()
            requests, limited = calls_of(stats)
            budget_rows.append({
                "bytes_read": bytes_of(stats),
                "command": "plan", "tenants": n, "rpm": rpm, "burst": burst,
                "calls": requests, "floor_s": floor_s(requests - limited, rpm, burst),
                "wall_s": result["wall_s"], "rate_limited": limited, "exit": result["code"],
                "no_changes": "No changes" in result["stdout"],
            })
            print(f"bench: B plan {n} tenants: {result['wall_s']:.1f}s, {limited} 429s",
                  file=sys.stderr)

        # C: another client drains the same token while birdhouse plans.
        backend.limit(rpm, burst)
        backend.reset()
        drainer = Drainer(backend, per_second=50, max_seconds=RUN_TIMEOUT_S)
        drainer.start()
        result = run([birdhouse, "plan", "-f", str(dirs[largest]), "-v", "--color", "never",
                      "--detailed-exitcode"] + budget_args(rpm, burst), backend.env(), workdir)
        drainer.stop_flag.set()
        drainer.join()
        requests, limited = calls_of(backend.stats())
        results["drain"] = {
            "tenants": largest, "rpm": rpm, "burst": burst, "drainer_per_s": 50,
            "backend_calls": requests, "backend_429": limited,
            "birdhouse_calls": result["requests"], "birdhouse_429": result["rate_limited"],
            "drainer_ok": drainer.ok, "drainer_429": drainer.limited,
            "wall_s": result["wall_s"], "exit": result["code"],
            "no_changes": "No changes" in result["stdout"],
            "tenants_planned": tenants_without_changes(result["stdout"]),
            "floor_both_s": floor_s(
                (result["requests"] or 0) - (result["rate_limited"] or 0) + drainer.ok,
                rpm, burst),
        }
        print(f"bench: C drained plan: {result['wall_s']:.1f}s, exit {result['code']}",
              file=sys.stderr)

        # E: the Python client, side by side with birdhouse, same tenants, same budget: the
        # Cloud budget with its rate 10x and its burst 1/10, so both clients outrun it.
        side_rpm, side_burst = 1_200, 120
        side_rows = []
        for name, command in [
            ("birdhouse plan", [birdhouse, "plan", "-f", str(dirs[side]), "-v", "--color",
                                "never"] + budget_args(side_rpm, side_burst)),
            ("netbird (Python) listing",
             [sys.executable, str(ROOT / "bench" / "python_client.py")]),
        ]:
            backend.limit(side_rpm, side_burst)
            backend.reset()
            env = backend.env()
            if name.startswith("netbird"):
                # The Python client lists every tenant of the MSP; give it the same ones.
                env["BENCH_TENANTS"] = str(side)
            result = run(command, env, workdir)
            requests, limited = calls_of(backend.stats())
            side_rows.append({
                "client": name, "tenants": side, "calls": requests, "rate_limited": limited,
                "floor_s": floor_s(requests - limited, side_rpm, side_burst),
                "wall_s": result["wall_s"],
                "cpu_s": result["cpu_s"], "maxrss_mb": result["maxrss_mb"],
                "exit": result["code"], "detail": result["stdout"].strip()[-300:],
            })
            print(f"bench: E {name}: {requests} calls, {limited} 429s, {result['wall_s']:.1f}s",
                  file=sys.stderr)
        results["side_by_side"] = {"rpm": side_rpm, "burst": side_burst, "rows": side_rows}

        # B (apply): one new group per tenant, when `birdhouse apply` exists.
        available, probe = apply_available(birdhouse, backend, workdir, dirs[1])
        results["apply_available"] = available
        if available:
            n = largest
            changed = Path(workdir) / f"changed-{n}"
            add_group_everywhere(dirs[n], changed)
            backend.limit(rpm, burst)
            backend.reset()
            result = run([birdhouse, "apply", "-f", str(changed), "--yes", "-v", "--color",
                          "never"] + budget_args(rpm, burst), backend.env(), workdir)
            stats = backend.stats()
            requests, limited = calls_of(stats)
            backend.limit(None, None)
            replan = run([birdhouse, "plan", "-f", str(changed), "--detailed-exitcode",
                          "--color", "never"] + budget_args(1_000_000, 1_000_000),
                         backend.env(), workdir)
            budget_rows.append({
                "bytes_read": bytes_of(stats),
                "command": "apply (+1 group per tenant)", "tenants": n, "rpm": rpm,
                "burst": burst, "calls": requests,
                "floor_s": floor_s(requests - limited, rpm, burst),
                "wall_s": result["wall_s"], "rate_limited": limited, "exit": result["code"],
                "no_changes": replan["code"] == 0,
            })
            print(f"bench: B apply {n} tenants: {result['wall_s']:.1f}s, exit {result['code']}",
                  file=sys.stderr)
        else:
            results["apply_probe"] = probe["stderr"].strip()[-300:]
        results["budget"] = budget_rows
    finally:
        backend.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    results["total_s"] = time.monotonic() - started
    write_report(Path(args.out), results)
    write_results_json(ROOT / "bench" / "results.json", results)
    print(f"bench: done in {results['total_s']:.0f}s; appended a run to {args.out}",
          file=sys.stderr)


HEADER = """# Benchmarks

Benchmarks, not timed tests: they measure, they do not pass or fail. Each run below was made by
`make bench` (scripts/bench, bench/run.py) and appended here; nothing is edited by hand, and
every figure names the machine and the date it was measured on.

How to reproduce: `make bench` (builds `birdhouse` and `birdhouse-lab` with `cargo build
--release` once, installs the Python client from bench/requirements.txt if missing, runs for a
few minutes, appends a section to this file). `scripts/bench --tenants 100` runs a smaller set.

What it runs against: the **synthetic backend** of birdhouse-lab (`birdhouse-lab synthetic`),
an in-memory stand-in that is *not NetBird*: it serves the endpoints birdhouse reads and writes
with NetBird's shapes, the MSP routing (`?account=`, silent fallback), the per-token rate limit
with NetBird's 429 (no `Retry-After`) and the lab's `/lab/stats` counters, for 1,000 tenants x
100 objects, with 5 ms of latency per request. Correctness is checked against real NetBird
servers by the end-to-end tests, never here.

Formulas:

- issue: `1 + sum(7 + N_networks)`: one MSP tenant list per run, then per tenant the identity
  check, six lists and one resource list per network;
- birdhouse: `3 + sum(1 + 6 + min(N_networks, 1))`: the MSP tenant list and the token's
  expiry (its user and that user's tokens) once per run, then per tenant the account answer
  (the exported files manage the settings, which come with it, and it proves the identity),
  six lists and one account-wide resource list (`GET /api/networks/resources`) when the tenant
  has any network (without settings: `4 + sum(6 + min(N_networks, 1))`, the token's own
  account's groups read once and each tenant's groups list proving its identity);
- per-object refresh (what a Terraform provider's refresh costs): `1 + sum(N_objects)`, one GET
  per managed object, plus the tenant list;
- budget floor: `max(0, calls - burst) / rate`, the least time the token's bucket allows, over
  the calls that got through (a refused call takes no token).
"""


def span(samples):
    """`a to b s`: the range of CPU samples."""
    return f"{min(samples):.2f} to {max(samples):.2f} s"


def fmt(value, digits=1):
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def write_results_json(path, results):
    """One entry per scenario, machine-readable, beside the Markdown report: the figures of the
    last run only (docs/benchmarks.md keeps every run). `null` where a scenario does not
    measure a figure (bytes read: the API answers' bodies the backend sent)."""
    objects = results["objects"]
    entries = []

    def entry(scenario, tenants, calls, floor, wall, cpu=None, rss=None, limited=0,
              bytes_read=None):
        entries.append({"scenario": scenario, "tenants": tenants, "objects": objects,
                        "calls": calls, "floor_s": floor, "wall_s": wall, "cpu_s": cpu,
                        "rss_mb": rss, "429s": limited, "bytes_read": bytes_read})

    for r in results["calls"]:
        entry("plan, cold, budget out of the way", r["tenants"], r["backend_calls"], 0.0,
              r["wall_s"], r["cpu_s"], r["maxrss_mb"], r["rate_limited"], r.get("bytes_read"))
        entry("per-object refresh (formula)", r["tenants"], r["per_object"], None, None)
    scoped = results.get("scoped")
    if scoped:
        entry("plan --changed-since, one policy edited in every tenant", scoped["tenants"],
              scoped["calls"], 0.0, scoped["wall_s"], limited=scoped["rate_limited"],
              bytes_read=scoped.get("bytes_read"))
    for r in results.get("kept", []):
        entry(r["scenario"], r["tenants"], r["calls"], r["floor_s"], r["wall_s"], r["cpu_s"],
              r["maxrss_mb"], r["rate_limited"], r["bytes_read"])
    for r in results.get("budget", []):
        entry(f"{r['command']}, {r['rpm']}/min burst {r['burst']}", r["tenants"], r["calls"],
              r["floor_s"], r["wall_s"], limited=r["rate_limited"],
              bytes_read=r.get("bytes_read"))
    document = {"machine": results["machine"], "scenarios": entries}
    path.write_text(json.dumps(document, indent=2) + "\n")


def write_report(path, results):
    m = results["machine"]
    lines = [
        "",
        f"## Run of {m['date']}: {m['nproc']} x {m['cpu']}",
        "",
        f"Machine: `nproc` {m['nproc']}, CPU {m['cpu']} (/proc/cpuinfo), {m['memory_gib']} GiB, "
        f"Linux {m['kernel']}. Date: {m['date']}. birdhouse at commit {m['commit']}, release "
        f"build. Synthetic backend: {results['objects']} objects per tenant "
        f"({NETWORKS_PER_TENANT} networks), {results['latency_ms']} ms latency per request. "
        f"Whole run: {results['total_s']:.0f} s.",
        "",
        "### API calls per `plan` (budget out of the way)",
        "",
        "| tenants | calls seen by the backend | birdhouse's count (-v) | birdhouse formula | "
        "issue formula | per-object refresh | 429s | plan | wall |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for r in results["calls"]:
        verdict = "no changes" if r["no_changes"] and r["exit"] == 0 else f"exit {r['exit']}"
        lines.append(
            f"| {fmt(r['tenants'])} | {fmt(r['backend_calls'])} | {fmt(r['birdhouse_calls'])} | "
            f"{fmt(r['birdhouse_formula'])} | {fmt(r['issue_formula'])} | {fmt(r['per_object'])} "
            f"| {fmt(r['rate_limited'])} | {verdict} | {fmt(r['wall_s'], 2)} s |"
        )
    scoped = results.get("scoped")
    if scoped:
        lines += [
            "",
            "### A pull request that edits one policy in every tenant (`--changed-since`)",
            "",
            f"{fmt(scoped['edited'])} of {fmt(scoped['tenants'])} tenants edited (one policy "
            "each, as editing a baseline policy they all use would): "
            f"**{fmt(scoped['calls'])} calls** against {fmt(scoped['cold_calls'])} for the "
            "cold plan of every kind; each tenant reads its groups, policies and the network "
            "lists (which name the resources a rule may target), not its setup keys or users. "
            f"Exit {scoped['exit']} (2: changes planned), {fmt(scoped['rate_limited'])} 429s, "
            f"wall {fmt(scoped['wall_s'], 2)} s with the budget out of the way.",
        ]
    kept = results.get("kept")
    if kept:
        cold = results["calls"][-1]["backend_calls"]
        lines += [
            "",
            "### Snapshots kept between runs (`--snapshots`)",
            "",
            "Each tenant's snapshot is stored by the first plan and proven current by one "
            "`GET /api/events/audit` per tenant afterwards; the account answer (settings change "
            "without an event) and the account-wide resource list (a group edit changes resources' "
            "groups without one) are read every time, as docs/snapshots.md explains, unless "
            "`--unlogged-max-age` lets them be planned as stored for that long. Changed "
            "tenants got a group created through the API behind birdhouse's back. Cold plan "
            f"without snapshots: {fmt(cold)} calls.",
            "",
            "| scenario | tenants | changed | calls | of them audit-log checks | 429s | floor | wall "
            "| CPU | peak RSS | bytes read | tenants proven / read |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for r in kept:
            src = r["sources"]
            proven = src.get("stored", 0)
            read = src.get("read", 0) + src.get("reread", 0)
            lines.append(
                f"| {r['scenario']} | {fmt(r['tenants'])} | {fmt(r['changed'])} | "
                f"{fmt(r['calls'])} | {fmt(r['events_calls'])} | {fmt(r['rate_limited'])} | "
                f"{fmt(r['floor_s'])} s | {fmt(r['wall_s'], 2)} s | {fmt(r['cpu_s'], 2)} s | "
                f"{fmt(r['maxrss_mb'])} MB | {fmt((r['bytes_read'] or 0) / 1e6)} MB | "
                f"{fmt(proven)} / {fmt(read)} |"
            )
    largest = results["calls"][-1]
    lines += [
        "",
        "### Client CPU and memory of `plan`",
        "",
        f"At {fmt(largest['tenants'])} tenants x {results['objects']} objects: "
        f"**{fmt(largest['cpu_s'], 2)} s CPU** (user + system, wait4 rusage; the median of "
        f"{CPU_SAMPLES} runs, {span(largest['cpu_samples'])}) and "
        f"**{fmt(largest['maxrss_mb'])} MB peak RSS** (goal: under 2 s and 200 MB); wall "
        f"{fmt(largest['wall_s'], 2)} s with the budget out of the way. The backend runs on the "
        "same cores. Of that, loading and validating the "
        f"{fmt(largest['tenants'])} files alone (`birdhouse validate`, no API) takes "
        f"{fmt(results['validate']['cpu_s'], 2)} s CPU (median, "
        f"{span(results['validate']['cpu_samples'])}) and "
        f"{fmt(results['validate']['maxrss_mb'])} MB peak RSS. The plan read "
        f"{fmt((largest.get('bytes_read') or 0) / 1e6)} MB of API answers, "
        f"{fmt((largest.get('bytes_read') or 0) / 1e3 / largest['tenants'])} kB per tenant.",
        "",
        "### Wall time against the budget floor (Cloud budget, rate scaled up 100x)",
        "",
        "NetBird Cloud allows 120 requests/minute after a burst of 1,200. Here the rate is "
        "12,000/minute with the same burst of 1,200, set both in birdhouse (`--rate 12000 "
        "--burst 1200`) and in the backend: the burst covers the same calls, and the floor is "
        "100 times shorter than on Cloud.",
        "",
        "| command | tenants | calls | floor | wall | wall / floor | 429s | result |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results["budget"]:
        ratio = f"{r['wall_s'] / r['floor_s']:.2f}" if r["floor_s"] > 0 else "n/a (within burst)"
        verdict = "converged" if r["no_changes"] and r["exit"] == 0 else f"exit {r['exit']}"
        lines.append(
            f"| {r['command']} | {fmt(r['tenants'])} | {fmt(r['calls'])} | "
            f"{fmt(r['floor_s'])} s | {fmt(r['wall_s'])} s | {ratio} | {fmt(r['rate_limited'])} "
            f"| {verdict} |"
        )
    if not results.get("apply_available", False):
        lines += [
            "",
            "`birdhouse apply` was not available in this build, so only `plan` was measured "
            f"(it said: `{results.get('apply_probe', '')}`).",
        ]
    d = results["drain"]
    lines += [
        "",
        "### Another client draining the same token",
        "",
        f"A second client sends `GET /api/groups` with the same token at {d['drainer_per_s']} "
        f"requests/s while birdhouse plans {fmt(d['tenants'])} tenants under the same budget "
        f"(`--rate {d['rpm']} --burst {d['burst']}`, the backend enforcing it).",
        "",
        "| birdhouse calls | 429s birdhouse met | other client: ok / 429 | wall | floor for both "
        "clients' successful calls | exit | tenants planned | result |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        f"| {fmt(d['birdhouse_calls'])} | {fmt(d['birdhouse_429'])} | {fmt(d['drainer_ok'])} / "
        f"{fmt(d['drainer_429'])} | {fmt(d['wall_s'])} s | {fmt(d['floor_both_s'])} s | "
        f"{d['exit']} | {fmt(d['tenants_planned'])} | "
        f"{'no changes: nothing lost' if d['no_changes'] and d['exit'] == 0 else 'FAILED'} |",
    ]
    s = results["side_by_side"]
    lines += [
        "",
        "### Side by side with NetBird's Python client",
        "",
        f"The same listing job for {fmt(s['rows'][0]['tenants'])} tenants (groups, setup keys, "
        "users, policies, networks, routers, resources) under one budget, "
        f"`{s['rpm']}`/minute after a burst of `{s['burst']}` (Cloud's rate 10x, its burst "
        "1/10, so both clients outrun it). The Python client (`netbird` from PyPI) cannot pass "
        "`account` through its resource methods; bench/python_client.py calls its generic "
        "`client.get(path, params={\"account\": id})`, and on a 429 (which the client raises "
        "without retrying) waits 1 s and retries. It lists resources per network, as the "
        "client offers no account-wide resource list, and skips birdhouse's identity check.",
        "",
        "| client | calls | 429s | floor | wall | CPU | peak RSS | exit |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in s["rows"]:
        lines.append(
            f"| {r['client']} | {fmt(r['calls'])} | {fmt(r['rate_limited'])} | "
            f"{fmt(r['floor_s'])} s | {fmt(r['wall_s'])} s | {fmt(r['cpu_s'], 2)} s | "
            f"{fmt(r['maxrss_mb'])} MB | {r['exit']} |"
        )
    text = path.read_text() if path.exists() else HEADER
    path.write_text(text.rstrip("\n") + "\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
