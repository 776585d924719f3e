"""Medians of several bench/run.py results: one table, each number the median over the runs.

    .venv/bin/python bench/median.py var/bench/run-1.json var/bench/run-2.json var/bench/run-3.json

Also prints each run's req/s for the warm article and the static file, so the spread is visible.
"""

import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import GOAL_COLD_P99_MS, GOAL_IMPORT_SECONDS, GOAL_RSS_MB, GOAL_WARM_P99_MS, GOAL_WARM_RATIO

NUMBERS = ("requests_per_second", "p50_ms", "p99_ms", "max_ms", "ratio_to_static", "cache_hit_ratio")


def main(paths):
    reports = [json.loads(Path(path).read_text(encoding="utf-8")) for path in paths]
    keys = [(r["page"], r["mode"]) for r in reports[0]["results"]]
    rows = [("page", "mode", "req/s", "p50 ms", "p99 ms", "max ms", "× static", "cache hit", "app CPU ms/req",
             "db CPU ms/req", "other CPU", "req/s per run")]  # fmt: skip
    medians = {}
    for key in keys:
        runs = [next(r for r in report["results"] if (r["page"], r["mode"]) == key) for report in reports]
        median = {name: _median([run.get(name) for run in runs]) for name in NUMBERS}
        for name in ("other_pct", "gunicorn_ms_per_request", "postgres_ms_per_request"):
            median[name] = _median([run.get("cpu", {}).get(name) for run in runs])
        medians[key] = median
        rows.append((
            key[0], key[1], f"{median['requests_per_second']:.1f}", f"{median['p50_ms']:.2f}",
            f"{median['p99_ms']:.2f}", f"{median['max_ms']:.1f}", f"{median['ratio_to_static']:.2f}",
            "—" if key[0] == "static" or median["cache_hit_ratio"] is None else f"{median['cache_hit_ratio']:.0%}",
            _format(median["gunicorn_ms_per_request"], "{:.2f}"), _format(median["postgres_ms_per_request"], "{:.2f}"),
            _format(median["other_pct"], "{:.0f}%"),
            " / ".join(f"{run['requests_per_second']:.0f}" for run in runs),
        ))  # fmt: skip
    print(f"medians of {len(reports)} runs: {', '.join(str(p) for p in paths)}")
    print(_table(rows))

    static = statistics.mean(medians[key]["requests_per_second"] for key in keys if key[0] == "static")
    warm, cold = medians.get(("article", "warm")), medians.get(("article", "cold"))
    imports = [r["import"] for r in reports if not r["import"].get("skipped") and r["import"].get("seconds_for_10000")]
    rss = _median([max(r["memory"]["rss_mb_max"], r["memory"].get("rss_mb_peak_during_run") or 0) for r in reports])
    print()
    if warm:
        ratio = warm["requests_per_second"] / static
        paired = [statistics.median(p["ratio"] for p in r["pairs"]) for r in reports if r.get("pairs")]
        detail = f"{ratio:.0%} from the table"
        if paired:
            detail = f"{statistics.median(paired):.0%} back to back (per run: " + ", ".join(f"{p:.0%}" for p in paired)
            detail += f"); {ratio:.0%} from the table"
            ratio = statistics.median(paired)
        _goal("warm article ≥ 50% of the static file's req/s", ratio >= GOAL_WARM_RATIO, detail)
        probe = medians.get(("article", "warm c2"))
        detail = f"{warm['p99_ms']:.1f} ms" + (f" (2 connections: {probe['p99_ms']:.1f} ms)" if probe else "")
        _goal("warm article p99 < 20 ms", warm["p99_ms"] < GOAL_WARM_P99_MS, detail)
    if cold:
        probe = medians.get(("article", "cold c2"))
        detail = f"{cold['p99_ms']:.1f} ms" + (f" (2 connections: {probe['p99_ms']:.1f} ms)" if probe else "")
        _goal("cold article p99 < 100 ms", cold["p99_ms"] < GOAL_COLD_P99_MS, detail)
    if imports:
        seconds = _median(
            [i["seconds"] if i["finished"] and i["imported"] >= 10_000 else i["seconds_for_10000"] for i in imports]
        )
        rates = " / ".join(f"{i['posts_per_second']:.1f}" for i in imports)
        _goal(
            "import of 10,000 posts < 60 s",
            seconds < GOAL_IMPORT_SECONDS,
            f"{seconds:.0f} s (posts/s per run: {rates})",
        )
    if rss is not None:
        _goal("worker RSS < 150 MB", rss < GOAL_RSS_MB, f"max {rss:.0f} MB")


def _format(value, form):
    return "—" if value is None else form.format(value)


def _median(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def _goal(name, met, detail):
    print(f"{'✓' if met else '✗'} {name:<48} {detail}")


def _table(rows):
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        lines.append(
            "  ".join(
                c.ljust(widths[i]) if i < 2 or i == len(row) - 1 else c.rjust(widths[i]) for i, c in enumerate(row)
            ).rstrip()
        )
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
