"""What every benchmark prints the same way: the machine and its load, and per-round ratios.

Other work on a shared machine moves every absolute figure, so a benchmark's claims are ratios
against an anchor doing equivalent work in the same run, round by round (min, median and max over
the rounds, never a ratio of medians), with the load recorded at the start and the end so that a
reader can tell a quiet run from a busy one. tests/test_bench_smoke.py looks for these lines.
"""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Sequence


def cpu_model() -> str:
    """The CPU's model name (Linux /proc/cpuinfo), or what platform knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine(when: str) -> None:
    """Print ``machine <when>: load averages, CPUs, CPU model, Python`` (call with "start" and "end")."""
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"machine {when}: load average {load} (1, 5, 15 min); nproc {len(os.sched_getaffinity(0))} "
        f"of {os.cpu_count()} CPUs; {cpu_model()}; Python {platform.python_version()}",
        flush=True,
    )


def ratio(label: str, values: Sequence[float]) -> None:
    """Print one claim: ``ratio <label>: per round a, b, c; min a median b max c``.

    ``label`` must say what is divided by what, and which way is better.
    """
    rounds = ", ".join(f"{value:.3g}" for value in values)
    print(
        f"ratio {label}: per round {rounds}; "
        f"min {min(values):.3g} median {statistics.median(values):.3g} max {max(values):.3g}",
        flush=True,
    )
