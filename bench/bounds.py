"""make bench-bounds: the inputs that once cost seconds to minutes, timed (median of three runs).

20,000 repeated `## h` headings (117 KB of Markdown) rendered; one changed 40,000-character line diffed on the
revisions page; a 70 KB draft's share-preview fields, first and cached; a one-colour PNG of 24 megapixels
(accepted) and of 40 megapixels (refused) through the upload check, each in a process of its own so that its
peak memory can be read. No database: Django is set up for its renderer, with an in-memory cache. Prints a
table; exits non-zero if an input takes over its budget."""

import os
import statistics
import subprocess
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

BUDGET_SECONDS = {"headings": 5.0, "diff": 2.0, "repetitive diff": 2.0, "preview (cached)": 0.05, "40 MP PNG": 0.5}
# One decoded copy of 24 megapixels is 96 MB (Pillow keeps RGB as 4 bytes a pixel); before the copies were cut,
# a 40-megapixel PNG peaked at +458 MB.
BUDGET_PEAK_MB = {"24 MP PNG": 150, "40 MP PNG": 20}
IMAGE_CASE = """
import re, sys, time
import django
django.setup()
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from articles.uploads import clean_uploaded_image
data = sys.stdin.buffer.read()
started = time.perf_counter()
try:
    clean_uploaded_image(SimpleUploadedFile("image.png", data))
    outcome = "accepted"
except ValidationError:
    outcome = "refused"
seconds = time.perf_counter() - started
# VmHWM, not ru_maxrss: the latter carries the parent's high-water mark over fork and exec.
peak_kb = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
print(seconds, peak_kb // 1024, outcome)
"""


def median_seconds(work, runs=3):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def image_case(width, height):
    """(seconds, peak resident MB, outcome) of one upload check, in a fresh process: median seconds, highest
    peak of three runs."""
    from PIL import Image

    buffer = __import__("io").BytesIO()
    Image.new("RGB", (width, height), (30, 60, 90)).save(buffer, "PNG")
    runs = []
    for _ in range(3):
        result = subprocess.run(  # noqa: S603 (our own interpreter and code)
            [sys.executable, "-c", IMAGE_CASE], input=buffer.getvalue(), capture_output=True, check=True
        )
        seconds, peak_mb, outcome = result.stdout.decode().split()
        runs.append((float(seconds), int(peak_mb), outcome))
    return statistics.median(run[0] for run in runs), max(run[1] for run in runs), runs[0][2]


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
    baseline_mb = image_case(10, 10)[1]  # the same process checking a 10×10 PNG: Django and Pillow loaded
    images = {
        name: (seconds, peak_mb - baseline_mb, outcome)
        for name, (seconds, peak_mb, outcome) in {
            "24 MP PNG": image_case(6000, 4000),
            "40 MP PNG": image_case(8000, 5000),
        }.items()
    }
    print(f"load average before: {loadavg()}")
    print(f"{'input':<20}{'seconds':>10}{'budget':>10}")
    over = []
    for name, seconds in results.items():
        budget = BUDGET_SECONDS.get(name)
        print(f"{name:<20}{seconds:>10.3f}{budget if budget else '':>10}")
        if budget and seconds > budget:
            over.append(name)
    print(f"{'upload check':<20}{'seconds':>10}{'budget':>10}{'+peak MB':>10}{'budget':>10}  outcome")
    for name, (seconds, peak_mb, outcome) in images.items():
        budget, peak_budget = BUDGET_SECONDS.get(name, ""), BUDGET_PEAK_MB[name]
        print(f"{name:<20}{seconds:>10.3f}{budget:>10}{peak_mb:>10}{peak_budget:>10}  {outcome}")
        if (budget and seconds > budget) or peak_mb > peak_budget:
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
