"""How fast the ``civicapps`` command starts: ``--help`` against ``flask --help``, ``pull --help`` against
``sqlite-utils --help`` (the issue #16 targets: within 1.5x each).

Every CLI call in a script pays the start, so it is measured as a person or a cron job runs it: the
console scripts installed beside this interpreter (not pyenv's shims, which add a shell each), in an
empty folder, each a fresh process. CPU seconds (user + system) of each process come from
``os.wait4``; wall seconds are printed too. Each round runs every command ``--repeat`` times,
interleaved (ours, its anchor, ours, ...), and takes each one's median; the ratios are per round.

    python bench/cli_start.py [--rounds 5] [--repeat 5]    # pip install sqlite-utils for its anchor
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

from report import machine, ratio

BIN = Path(sys.executable).parent
#: (label, console script and arguments, anchor label, anchor script and arguments)
PAIRS = [
    ("civicapps --help", ["civicapps", "--help"], "flask --help", ["flask", "--help"]),
    ("civicapps pull --help", ["civicapps", "pull", "--help"], "sqlite-utils --help", ["sqlite-utils", "--help"]),
]


def run(argv: list[str], cwd: str) -> tuple[float, float]:
    """CPU and wall seconds of one run of the console script ``argv[0]`` (from :data:`BIN`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "CIVICAPPS_"))}
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / argv[0]), *argv[1:]], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    errors = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {errors}")
    return usage.ru_utime + usage.ru_stime, wall


def version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="Rounds (each gives one ratio per pair).")
    parser.add_argument("--repeat", type=int, default=5, help="Runs of each command per round (median taken).")
    parser.add_argument("--smoke", action="store_true", help="Two rounds of one run: checks the script runs.")
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.repeat = 2, 1
    pairs = [pair for pair in PAIRS if (BIN / pair[3][0]).exists()]
    machine("start")
    print(
        f"commands from {BIN}: civicapps {version('civicapps')} (imported from {find_spec('civicapps').origin}), "
        f"Flask {version('flask')}, click {version('click')}, sqlite-utils {version('sqlite-utils')}"
    )
    for _, _, anchor, argv in PAIRS:
        if not (BIN / argv[0]).exists():
            print(f"  {anchor}: {argv[0]} is not installed beside {sys.executable}, that pair is not run")
    cpu: dict[str, list[float]] = {label: [] for pair in pairs for label in (pair[0], pair[2])}
    wall: dict[str, list[float]] = {label: [] for label in cpu}
    with tempfile.TemporaryDirectory() as empty:  # no app.py or civicapps.toml to find
        for number in range(1, args.rounds + 1):
            runs: dict[str, list[tuple[float, float]]] = {label: [] for label in cpu}
            for _ in range(args.repeat):
                for ours, ours_argv, anchor, anchor_argv in pairs:
                    runs[ours].append(run(ours_argv, empty))
                    runs[anchor].append(run(anchor_argv, empty))
            for label, measured in runs.items():
                cpu[label].append(statistics.median(c for c, _ in measured))
                wall[label].append(statistics.median(w for _, w in measured))
            print(
                f"round {number}: "
                + "; ".join(f"{label} {cpu[label][-1]:.3f} s CPU, {wall[label][-1]:.3f} s wall" for label in cpu),
                flush=True,
            )
    for ours, _, anchor, _ in pairs:
        ratio(
            f"{ours} / {anchor}, CPU seconds (lower is better; target <= 1.5)",
            [a / b for a, b in zip(cpu[ours], cpu[anchor], strict=True)],
        )
        ratio(
            f"{ours} / {anchor}, wall seconds (lower is better)",
            [a / b for a, b in zip(wall[ours], wall[anchor], strict=True)],
        )
    machine("end")


if __name__ == "__main__":
    main()
