"""``civicapps pull`` of the Isle of Man weekly file while postcodes.io is unreachable: this checkout
against git main (the old path), side by side, on the same file, mapping and postcode table.

The file is tests/fixtures/iom-planning-applications-weekly-2023-2024.csv (2,498 rows, ~1,300
distinct postcodes inside free text). The mapping is the ``isle_of_man`` preset as this checkout's
``civicapps planning-alerts presets isle_of_man`` prints it (its keys that git main's ``pull --mapping``
also reads). The postcode table is imported with ``civicapps postcodes import``: an ONSPD-shaped CSV of
the file's postcodes, nine in ten of them with coordinates (made up around Douglas: real IoM postcodes
have none in ONSPD), so the rest go to "postcodes.io", which is unreachable in two ways, both on
127.0.0.1 and counted:

* ``refused``: nothing listens; each connection fails at once (the cheapest failure there is);
* ``slow``: each connection is dropped after ``--failure-seconds`` (default 0.2 s, what one failed
  lookup cost on the offline machine of issue #13: 263 s for the file's ~1,300 postcodes), as a
  machine without network spends its resolver's or connect timeout (a firewall that drops packets
  costs the full connect timeout instead: 3 s now, 10 s before).

Each side runs the real command (``civicapps pull``, through click, app creation included) in its own
Python process, once to warm up (imports: ~2 s here, the same for both) and then ``--repeat`` times
timed; the rows written out must be identical.

Run: ``PYTHONPATH=. python bench/pull_iom.py [--repeat 3] [--baseline REV] [--smoke]``. ``--smoke``
pulls the first 60 rows once (CI runs every bench script that way). Prints a table, per-round
ratios and the machine lines of bench/report.py.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from report import machine, ratio  # noqa: E402

WEEKLY = ROOT / "tests" / "fixtures" / "iom-planning-applications-weekly-2023-2024.csv"
PLUGINS = ("plugins/planning-alerts", "plugins/street-reports", "plugins/organogram")
MAPPING_KEYS = ("dataset", "format", "options", "mapping", "location", "authority")  # what the old path reads
#: The last commit of main before bulk, once-per-pull postcode lookups (issue #13); "main" would
#: compare this code with itself once it has landed.
OLD_PATH = "98fa072"


#: Installed plugins other than the ones both sides take from their own tree (PLUGINS) are switched off:
#: the pull needs none of them, and one newer than the old revision's core would not even import there.
NO_PLUGINS = {
    "CIVICAPPS_DISABLED_PLUGINS": json.dumps(
        sorted(
            {e.name for e in entry_points(group="civicapps.plugins")}
            - {Path(p).name.replace("-", "_") for p in PLUGINS}
        )
    )
}


def pythonpath(tree: Path) -> str:
    return os.pathsep.join(str(tree / p) for p in ("", *PLUGINS))


def civicapps(tree: Path, args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env, **NO_PLUGINS, "PYTHONPATH": pythonpath(tree)}
    return subprocess.run(
        [sys.executable, "-m", "civicapps", *args],
        env=environment,
        cwd=tree,
        capture_output=True,
        check=False,
        **kwargs,
    )


class Unreachable:
    """A "postcodes.io" on 127.0.0.1 that never answers: ``delay`` None refuses connections (nothing
    listens), otherwise each connection is accepted and dropped after ``delay`` seconds. Counts them."""

    def __init__(self, delay: float | None):
        self.delay, self.connections = delay, 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        if delay is None:
            self.sock.close()  # the port is free again: connections are refused
        else:
            self.sock.listen(128)
            threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Timer(self.delay, conn.close).start()

    def close(self) -> None:
        self.sock.close()


def postcode_table(source: Path, target: Path) -> tuple[int, int]:
    """An ONSPD-shaped CSV of the file's postcodes; one in ten left out (looked up online)."""
    sys.path.insert(0, str(ROOT))
    from civicapps.geo.postcodes import find_postcode

    with source.open(encoding="utf-8") as fh:
        found = sorted({pc for row in csv.DictReader(fh) if (pc := find_postcode(row["Details"].replace("\\n", " ")))})
    kept = [pc for pc in found if int(hashlib.sha1(pc.encode()).hexdigest(), 16) % 10]
    with target.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["pcds", "osgrdind", "doterm", "lat", "long"])
        for pc in kept:
            h = int(hashlib.sha1(pc.encode()).hexdigest(), 16)
            writer.writerow(
                [pc, 1, "", f"{54.10 + (h % 1000) / 10000:.6f}", f"{-4.55 + (h // 1000 % 1000) / 10000:.6f}"]
            )
    return len(found), len(kept)


def main() -> None:
    machine("start")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (the median is shown)")
    parser.add_argument(
        "--baseline",
        default=OLD_PATH,
        help=f"git revision of the old path (default: {OLD_PATH}, main before bulk postcode lookups)",
    )
    parser.add_argument("--smoke", action="store_true", help="60 rows, one run: checks the script works")
    parser.add_argument(
        "--failure-seconds", type=float, default=0.2, help="how long each failed connection takes (slow case)"
    )
    args = parser.parse_args()
    repeat = 1 if args.smoke else args.repeat

    with tempfile.TemporaryDirectory(prefix="bench-pull-iom-") as tmp_name:
        tmp = Path(tmp_name)
        old: Path | None = tmp / "old"
        added = subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.baseline],
            capture_output=True,
            text=True,
        )
        if added.returncode:
            if not args.smoke:
                sys.exit(f"Cannot check out {args.baseline!r} for the old path: {added.stderr.strip()}")
            print(f"(no {args.baseline!r} here, e.g. a shallow CI checkout: this checkout against itself)")
            old = None
        try:
            run(tmp, old, repeat, args)
        finally:
            if old is not None:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], capture_output=True)


def run(tmp: Path, old: Path | None, repeat: int, args: argparse.Namespace) -> None:
    source = tmp / "weekly.csv"
    lines = WEEKLY.read_text(encoding="utf-8").splitlines(keepends=True)
    source.write_text("".join(lines[:61] if args.smoke else lines), encoding="utf-8")
    os.environ.pop("CIVICAPPS_CONFIG", None)
    env = {"CIVICAPPS_INSTANCE_PATH": str(tmp / "instance")}

    printed = civicapps(ROOT, ["planning-alerts", "presets", "isle_of_man", "--url", str(source)], env, text=True)
    if printed.returncode:
        sys.exit(f"presets failed: {printed.stderr}")
    table = next(iter(tomllib.loads(printed.stdout)["feeds"].values()))
    mapping = tmp / "iom.json"
    kept = {k: table[k] for k in MAPPING_KEYS if k in table}
    # Words for codes (``labels``) came later than the old path: both sides pull the codes as published,
    # so that their rows can be compared (the words cost nothing measurable here).
    kept["mapping"] = {
        field: {k: v for k, v in spec.items() if k != "labels"} if isinstance(spec, dict) else spec
        for field, spec in kept.get("mapping", {}).items()
    }
    mapping.write_text(json.dumps(kept))

    distinct, in_table = postcode_table(source, tmp / "onspd.csv")
    for step in (["db", "upgrade"], ["postcodes", "import", str(tmp / "onspd.csv")]):
        done = civicapps(ROOT, step, env, text=True)
        if done.returncode:
            sys.exit(f"{' '.join(step)} failed: {done.stderr}")

    sides = {"git " + args.baseline: old or ROOT, "this checkout": ROOT}
    print(
        f"civicapps pull, Isle of Man weekly file: {60 if args.smoke else len(lines) - 1:,} rows, "
        f"{distinct:,} distinct postcodes, {in_table:,} of them in the imported table; "
        f"python {platform.python_version()}, {os.cpu_count()} cores"
    )
    failed = False
    for delay in (None, args.failure_seconds):
        failed |= compare(delay, sides, source, mapping, env, repeat, tmp)
    print()
    machine("end")
    if failed:
        sys.exit(1)


#: Runs in each side's own interpreter: the command once untimed (imports), then timed.
DRIVER = """
import json, sys, time
from civicapps.cli import cli
args, repeat, out = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
times = []
for run in range(repeat + 1):
    started = time.perf_counter()
    try:
        cli.main([*args, "-o", out], prog_name="civicapps", standalone_mode=False)
    finally:
        sys.stdout.flush()
    if run:
        times.append(time.perf_counter() - started)
print(json.dumps(times))
"""


def compare(
    delay: float | None,
    sides: dict[str, Path],
    source: Path,
    mapping: Path,
    env: dict[str, str],
    repeat: int,
    tmp: Path,
) -> bool:
    """Pull with each side against an unreachable postcodes.io; print times, connections, ratio."""
    pull = ["pull", str(source), "--mapping", str(mapping), "--output", "csv"]
    timings: dict[str, list[float]] = {}
    connections: dict[str, int] = {}
    outputs: dict[str, bytes] = {}
    summaries: dict[str, str] = {}
    for name, tree in sides.items():
        server = Unreachable(delay)
        out = tmp / f"out-{name.replace(' ', '-')}.csv"
        try:
            done = subprocess.run(
                [sys.executable, "-c", DRIVER, json.dumps(pull), str(repeat), str(out)],
                env={
                    **os.environ,
                    **env,
                    **NO_PLUGINS,
                    "PYTHONPATH": pythonpath(tree),
                    "CIVICAPPS_PLUGINS__GEO__POSTCODES_IO_URL": server.url,
                },
                cwd=tree,
                capture_output=True,
                text=True,
                check=False,
            )
        finally:
            server.close()
        if done.returncode:
            sys.exit(f"{name}: pull failed: {done.stderr[-2000:]}")
        timings[name] = json.loads(done.stdout.strip().splitlines()[-1])
        connections[name] = server.connections // (repeat + 1)
        outputs[name] = out.read_bytes()
        summaries[name] = next(line for line in done.stderr.splitlines() if line.startswith("Read "))
    what = "connections refused" if delay is None else f"each connection dropped after {delay} s"
    print(f"\npostcodes.io unreachable: {what}")
    print(f"  {'code':<16} {'median s':>9} {'connections':>12}   runs")
    for name, values in timings.items():
        count = "-" if delay is None else str(connections[name])
        print(f"  {name:<16} {statistics.median(values):>9.2f} {count:>12}   {', '.join(f'{v:.2f}' for v in values)}")
    same = len(set(outputs.values())) == 1
    placed = sum(1 for r in csv.DictReader(outputs["this checkout"].decode().splitlines()) if r["latitude"])
    print(f"  same rows written: {'yes' if same else 'NO'} ({placed:,} placed); {summaries['this checkout']}")
    old, new = timings.values()
    how = "refused" if delay is None else f"dropped after {delay} s"
    rounds = [o / n for o, n in zip(old, new, strict=True)]
    ratio(f"old/new seconds, postcodes.io {how} (higher: this checkout faster)", rounds)
    return not same


if __name__ == "__main__":
    main()
