"""The ingest report staff read after a pull: what was stored, and which rows are not on the map and why."""

from __future__ import annotations

from civicapps import PullResult


def ingest_report(result: PullResult) -> list[str]:
    """Lines for one pull: the core's summary, then unplaced and skipped rows counted by reason."""
    lines = [result.summary()]
    unplaced = {
        reason.removeprefix("warning - "): n for reason, n in result.reasons.items() if reason.startswith("warning")
    }
    skipped = {
        reason.removeprefix("skipped - "): n for reason, n in result.reasons.items() if reason.startswith("skipped")
    }
    if unplaced:
        lines.append(f"  {sum(unplaced.values())} rows could not be placed on the map (kept, but no alerts by area):")
        lines += [f"    {n:>6}  {reason}" for reason, n in sorted(unplaced.items(), key=lambda kv: -kv[1])]
    if skipped:
        lines.append(f"  {sum(skipped.values())} rows were skipped:")
        lines += [f"    {n:>6}  {reason}" for reason, n in sorted(skipped.items(), key=lambda kv: -kv[1])]
        lines += [f"    e.g. {issue}" for issue in result.issues if issue.severity == "skipped"][:5]
    return lines
