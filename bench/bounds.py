"""make bench-bounds: the inputs that once cost seconds to minutes, timed (median of three runs).

20,000 repeated `## h` headings (117 KB of Markdown) rendered; one changed 40,000-character line diffed on the
revisions page; a 70 KB draft's share-preview fields, first and cached. No database: Django is set up for its
renderer, with an in-memory cache. Prints a table; exits non-zero if an input takes over its budget."""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allforces.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.core.cache import caches  # noqa: E402

from articles.desk.diff import compare_revisions  # noqa: E402
from articles.markdown import render_markdown  # noqa: E402
from bench.common import loadavg  # noqa: E402

BUDGET_SECONDS = {"headings": 5.0, "diff": 2.0, "repetitive diff": 2.0, "preview (cached)": 0.05}


def median_seconds(work, runs=3):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    headings = "## h\n\n" * 20_000
    old_line = "".join("半導体の需要は強い。"[index % 10] for index in range(40_000))
    new_line = old_line[:20_000] + "とても" + old_line[20_000:].replace("強", "弱")
    draft = ("## 見出し\n\n" + "半導体の供給網は、設計・製造・後工程の三つに分かれます。" * 20 + "\n\n") * 45
    cache = caches["default"]
    cache.clear()

    def preview_fields():
        from articles.desk.preview import _rendered_fields
        from articles.models import Article

        return _rendered_fields(Article(body=draft, excerpt=""))

    results = {
        "headings": median_seconds(lambda: render_markdown(headings)),
        "diff": median_seconds(lambda: compare_revisions({"body": old_line}, {"body": new_line})),
        # diff-match-patch's half-match step ignored the deadline here: 19 s before it was switched off.
        "repetitive diff": median_seconds(
            lambda: compare_revisions({"body": "ab" * 100_000}, {"body": "ba" * 100_000})
        ),
        "preview (first)": median_seconds(lambda: (cache.clear(), preview_fields()), runs=1),
        "preview (cached)": median_seconds(preview_fields),
    }
    print(f"load average before: {loadavg()}")
    print(f"{'input':<20}{'seconds':>10}{'budget':>10}")
    over = []
    for name, seconds in results.items():
        budget = BUDGET_SECONDS.get(name)
        print(f"{name:<20}{seconds:>10.3f}{budget if budget else '':>10}")
        if budget and seconds > budget:
            over.append(name)
    print(f"70 KB draft: {len(draft.encode()) // 1024} KB; 20,000 headings: {len(headings.encode()) // 1024} KB")
    if over:
        print(f"over budget: {', '.join(over)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    from django.test.utils import override_settings

    # No database here: the preview's render cache lives in memory for the run.
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}):
        sys.exit(main())
