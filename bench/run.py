"""`make bench`: the benchmark that proves production serving (issue #7).

    .venv/bin/python bench/run.py [--articles N] [--duration S] [--json PATH] [--import-posts N]

1. Seeds N generated Japanese articles (bench/corpus.py) into a fresh PostgreSQL database
   `allforces_bench` (dropped and created on every run, then `manage.py migrate`), with bulk inserts;
   the Markdown is rendered through Article.derive_rendered_fields() in one process per CPU. Then
   `manage.py rebuild_search_index`.
2. Times `manage.py import_jekyll` of --import-posts generated Jekyll posts into a second fresh
   database, `allforces_bench_import`.
3. Starts the server as `make serve` does (collectstatic, check --deploy, gunicorn --config
   gunicorn.conf.py; DEBUG=0, a generated SECRET_KEY, STATIC_HASHED=1, Redis db 3 for the cache,
   flushed first) on a free loopback port, and always stops it at the end.
4. Loads it with wrk (loopback only, fixed connections and duration): home, article, category, tag,
   search and the RSS feed, each *cold* (Redis flushed, a different URL per request) and *warm* (one
   URL, primed), and a static file of the article page's size served by the same whitenoise (the
   ceiling), before and after the pages.
5. Reads the gunicorn workers' RSS, prints a table with the goals, and writes JSON
   (var/bench/latest.json). See bench/README.md for what each number means.
"""

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
sys.path[:0] = [str(ROOT), str(BENCH_DIR)]

import common  # noqa: E402 (bench/common.py, after the path is set)
import corpus  # noqa: E402
import gunicorn_process  # noqa: E402

PYTHON = sys.executable
PG_URL = "postgres://postgres@127.0.0.1:5432/{}"
BENCH_DB = "allforces_bench"
IMPORT_DB = "allforces_bench_import"
REDIS_URL = "redis://127.0.0.1:6379/3"
SEARCH_TERM = "半導体"
CEILING_DIR = "bench-ceiling"  # under STATIC_ROOT, removed at the end
# Settings the benchmark fixes; anything else in the environment (WEB_CONCURRENCY, …) passes through.
APP_VARIABLES_DROPPED = ("DATABASE_REPLICA_URL", "CDN_PURGE_URL", "GUNICORN_ACCESS_LOG", "SITE_URL", "HOST")

GOAL_WARM_RATIO = 0.5
GOAL_WARM_P99_MS = 20
GOAL_COLD_P99_MS = 100
GOAL_IMPORT_SECONDS = 60
GOAL_IMPORT_POSTS = 10_000
GOAL_RSS_MB = 150


def main():
    args = parse_args()
    started = time.monotonic()
    secret_key = secrets.token_urlsafe(50)
    base_env = {k: v for k, v in os.environ.items() if k not in APP_VARIABLES_DROPPED}
    base_env.update(DEBUG="0", SECRET_KEY=secret_key, STATIC_HASHED="1", ALLOWED_HOSTS="127.0.0.1")
    base_env.pop("REDIS_URL", None)
    bench_env = {**base_env, "DATABASE_URL": PG_URL.format(BENCH_DB)}

    # This process is Django too (seeding, URL lists, query counts): the bench database and, without REDIS_URL,
    # its cache table; query_counts() counts with a local-memory cache instead.
    os.environ.clear()
    os.environ.update(bench_env, DJANGO_SETTINGS_MODULE="allforces.settings")
    import django

    django.setup()
    common.install_signal_handlers()

    report = {"meta": machine_meta(args), "goals": []}
    if args.skip_seed:
        log(f"--skip-seed: using {BENCH_DB} as it is")
        report["seed"] = {"skipped": True, **database_counts()}
    else:
        report["seed"] = seed(args.articles, args.seed, bench_env)
    if args.import_posts:
        report["import"] = import_benchmark(args.import_posts, args.seed, base_env, args.import_timeout)
    else:
        report["import"] = {"skipped": True}

    server = Server(bench_env)
    try:
        report["server"] = server.start()
        report["results"], report["pairs"] = load_test(server, args)
        report["memory"] = server.memory()
    finally:
        server.stop()
    report["queries"] = query_counts(report["results"])
    report["goals"] = goals(report)
    report["meta"]["total_seconds"] = round(time.monotonic() - started, 1)
    report["meta"]["loadavg_end"] = common.loadavg()

    print_report(report)
    json_path = Path(args.json)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    log(f"JSON: {json_path}")


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=10_000, help="articles to seed (default 10000)")
    parser.add_argument("--import-posts", type=int, default=10_000, help="Jekyll posts to import, 0 to skip (10000)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per measurement (default 10)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--cold-urls", type=int, default=2000, help="article URLs cycled in the cold run (2000)")
    parser.add_argument("--seed", type=int, default=corpus.SEED, help="corpus seed (same seed, same articles)")
    parser.add_argument("--json", default=str(ROOT / "var" / "bench" / "latest.json"), help="where to write JSON")
    parser.add_argument("--skip-seed", action="store_true", help="reuse the allforces_bench database as it is")
    parser.add_argument(
        "--probe-connections",
        type=int,
        default=os.cpu_count() or 2,
        help="also load the article cold and warm with this few connections (service time without queueing; 0: no)",
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=3,
        help="static file and warm article back to back, 5 s each, this many times: the ratio goal (0: no)",
    )
    parser.add_argument("--only", default="", help="comma-separated pages to load (home,article,…); default all")
    parser.add_argument(
        "--import-timeout",
        type=int,
        default=180,
        help="stop the import after this many seconds and extrapolate (default 180, 3× the goal; 0: no limit)",
    )
    parser.add_argument(
        "--wait-idle",
        type=int,
        default=20,
        help="before each measurement, wait up to this many seconds for other processes to use < 25%% CPU (20)",
    )
    return parser.parse_args()


# --- 1. seeding ----------------------------------------------------------------------------------


def run_manage(env, *arguments, capture=False):
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [PYTHON, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )


def seed(count, seed_value, env, batch_size=500):
    from django.db import connection

    timings = {}
    started = time.monotonic()
    log(f"database {BENCH_DB}: drop, create, migrate")
    common.recreate_database(BENCH_DB)
    run_manage(env, "migrate", "--noinput", "-v0")
    timings["migrate_seconds"] = round(time.monotonic() - started, 1)

    timings["articles_seconds"] = round(common.seed_articles(count, batch_size, seed=seed_value), 1)

    started = time.monotonic()
    if (ROOT / "articles" / "management" / "commands" / "rebuild_search_index.py").exists():
        run_manage(env, "rebuild_search_index")
        timings["search_index_seconds"] = round(time.monotonic() - started, 1)
    with connection.cursor() as cursor:  # statistics for the planner, as autovacuum would have them
        cursor.execute("VACUUM ANALYZE")
    counts = database_counts()
    log(f"seeded: {counts}, {timings}")
    return {**counts, **timings, "seed": seed_value}


def database_counts():
    from django.db.models import Avg, Count
    from django.db.models.functions import Length
    from taggit.models import Tag, TaggedItem

    from articles.models import Article, Author, Category

    sizes = Article.objects.aggregate(
        n=Count("pk"), minutes=Avg("reading_time"), markdown=Avg(Length("body")), html=Avg(Length("body_html"))
    )
    return {
        "articles": sizes["n"],
        "published": Article.objects.published().count(),
        "categories": Category.objects.count(),
        "tags": Tag.objects.count(),
        "authors": Author.objects.count(),
        "tagged_items": TaggedItem.objects.count(),
        "mean_markdown_characters": round(sizes["markdown"] or 0),
        "mean_html_characters": round(sizes["html"] or 0),
        "mean_reading_minutes": round(sizes["minutes"] or 0, 1),
    }


# --- 2. Jekyll import ----------------------------------------------------------------------------


def import_benchmark(count, seed_value, base_env, timeout):
    env = {**base_env, "DATABASE_URL": PG_URL.format(IMPORT_DB)}
    folder = Path(tempfile.mkdtemp(prefix="allforces-bench-jekyll-"))
    try:
        started = time.monotonic()
        corpus.write_jekyll_archive(count, folder, seed=seed_value)
        write_seconds = time.monotonic() - started
        size = sum(path.stat().st_size for path in folder.rglob("*.md"))
        log(f"{count} Jekyll posts written to {folder} ({size / 1e6:.1f} MB) in {write_seconds:.1f} s")
        log(f"database {IMPORT_DB}: drop, create, migrate")
        common.recreate_database(IMPORT_DB)
        run_manage(env, "migrate", "--noinput", "-v0")
        limit = f" (stopped after {timeout} s if not done)" if timeout else ""
        log(f"timing: manage.py import_jekyll {folder}{limit}")
        started = time.monotonic()
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
            [PYTHON, "manage.py", "import_jekyll", str(folder)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        try:
            output, _ = process.communicate(timeout=timeout or None)
            finished = process.returncode == 0
        except subprocess.TimeoutExpired:
            process.terminate()
            output, _ = process.communicate()
            finished = False
        except BaseException:  # Ctrl-C, SIGTERM: no import left running
            process.kill()
            process.wait()
            raise
        seconds = time.monotonic() - started
        print(output.strip(), file=sys.stderr)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    imported = _count_rows(IMPORT_DB, "articles_article")
    match = re.search(r"([\d.]+) 秒で処理", output)
    rate = imported / seconds if seconds else 0
    if not finished:
        log(f"import stopped after {seconds:.0f} s with {imported} of {count} posts imported")
    return {
        "posts": count,
        "imported": imported,
        "finished": finished,
        "seconds": round(seconds, 1),
        "command_seconds": float(match.group(1)) if match else None,
        "posts_per_second": round(rate, 1),
        "seconds_for_10000": round(GOAL_IMPORT_POSTS / rate, 1) if rate else None,
        "archive_megabytes": round(size / 1e6, 1),
        "output": output.strip(),
    }


def _count_rows(database, table):
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={database}") as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 (our constant)


# --- 3. the server -------------------------------------------------------------------------------


class Server:
    """gunicorn as `make serve` starts it, on a free loopback port; stop() is safe to call always."""

    def __init__(self, bench_env):
        self.port = gunicorn_process.free_loopback_port()
        self.env = {**bench_env, "REDIS_URL": REDIS_URL, "PORT": str(self.port)}
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.log_path = ROOT / "var" / "bench" / "gunicorn.log"
        self.static_root = None
        self.rss_peak = {}
        self.worker_pids_seen = set()
        self._sampling = threading.Event()

    def start(self):
        from django.conf import settings

        self.static_root = Path(settings.STATIC_ROOT)
        log("collectstatic, check --deploy")
        run_manage(self.env, "collectstatic", "--noinput", "-v0")
        run_manage(self.env, "check", "--deploy", "--fail-level", "ERROR")
        flush_redis()
        self.ceiling = self._write_ceiling_file()
        self.process = gunicorn_process.start(self.env, self.log_path, self.url, log)
        workers = self.worker_pids()
        self.worker_pids_seen.update(workers)
        threading.Thread(target=self._sample_rss, daemon=True).start()
        return {
            "url": self.url,
            "workers": len(workers),
            "worker_class": gunicorn_process.configuration()["worker_class"],
            "threads": gunicorn_process.configuration()["threads"],
            "command": gunicorn_process.COMMAND,
            "env": {k: self.env[k] for k in ("DEBUG", "STATIC_HASHED", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS")},
            "web_concurrency": self.env.get("WEB_CONCURRENCY", ""),
            "ceiling_file": self.ceiling,
        }

    def _write_ceiling_file(self):
        """The ceiling: a static file of the article page's size (its own HTML), served by whitenoise.
        whitenoise lists STATIC_ROOT when the app loads, so the file is written before gunicorn starts."""
        from django.test import Client

        path = article_paths(1)[0]
        response = Client(HTTP_HOST="127.0.0.1").get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code} in-process")
        folder = self.static_root / CEILING_DIR
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "article.html").write_bytes(response.content)
        return {"path": f"/static/{CEILING_DIR}/article.html", "bytes": len(response.content), "copy_of": path}

    def worker_pids(self):
        return common.child_pids(self.process.pid) if self.process else []

    def _sample_rss(self):
        while not self._sampling.wait(0.5):
            for pid in self.worker_pids():
                self.worker_pids_seen.add(pid)
                rss = _rss_kb(pid)
                if rss:
                    self.rss_peak[pid] = max(self.rss_peak.get(pid, 0), rss)

    def memory(self):
        self._sampling.set()
        workers = {pid: _rss_kb(pid) for pid in self.worker_pids()}
        workers = {pid: kb for pid, kb in workers.items() if kb}
        after = [kb / 1024 for kb in workers.values()]
        peak = [kb / 1024 for kb in self.rss_peak.values()]
        return {
            "workers_after_run": len(after),
            "rss_mb_after_run": {str(pid): round(kb / 1024, 1) for pid, kb in workers.items()},
            "rss_mb_max": round(max(after), 1) if after else None,
            "rss_mb_mean": round(statistics.mean(after), 1) if after else None,
            "rss_mb_peak_during_run": round(max(peak), 1) if peak else None,
            "master_rss_mb": round(_rss_kb(self.process.pid) / 1024, 1) if self.process else None,
            # PSS shares the pages a worker still has in common with the master (preload_app) among them
            "pss_mb_mean": round(statistics.mean(_pss_kb(pid) for pid in workers) / 1024, 1) if workers else None,
            "worker_processes_seen": len(self.worker_pids_seen),  # more than the worker count: recycled
        }

    def stop(self):
        self._sampling.set()
        if self.static_root:
            shutil.rmtree(self.static_root / CEILING_DIR, ignore_errors=True)
        gunicorn_process.stop(self.process, log)


def _rss_kb(pid):
    return _proc_kb(pid, "status", "VmRSS:")


def _pss_kb(pid):
    return _proc_kb(pid, "smaps_rollup", "Pss:")


def _proc_kb(pid, file, label):
    """The kB on the line of /proc/<pid>/<file> that starts with `label`; 0 once the process is gone."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(label):
                return int(line.split()[1])
    return 0


def flush_redis():
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # db 3 only


def http_get(url):
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (our loopback server)
        response.body = response.read()
        return response


# --- 4. load -------------------------------------------------------------------------------------


def article_paths(count):
    """`count` published article URLs spread evenly over the whole archive, newest first."""
    from articles.models import Article

    slugs = list(Article.objects.published().order_by("-published_at", "-pk").values_list("slug", flat=True))
    step = max(len(slugs) / max(count, 1), 1)
    chosen = [slugs[int(i * step)] for i in range(min(count, len(slugs)))]
    return [common.quote_path(f"/articles/{slug}/") for slug in chosen]


def _pages(total):
    from django.conf import settings

    return max(1, -(-total // settings.ARTICLES_PER_PAGE))


def _interleave(lists):
    """Round-robin over several URL lists, so a cold run spreads over every category/tag."""
    out = []
    for position in range(max(map(len, lists), default=0)):
        out.extend(items[position] for items in lists if position < len(items))
    return out


def scenarios(cold_urls):
    """(page, cold URL list, warm URL) for each reader page; cold lists hold distinct URLs only."""
    from django.db.models import Count, Q
    from taggit.models import Tag

    from articles import search
    from articles.models import Article, Category

    published = Article.objects.published()
    total = published.count()
    home = ["/"] + [f"/?page={page}" for page in range(2, _pages(total) + 1)]
    articles = article_paths(cold_urls)
    warm_article = articles[len(articles) // 2] if articles else "/"

    category_sizes = {c: published.in_category(c).count() for c in Category.objects.all()}
    largest_category = max(category_sizes, key=category_sizes.get)
    category_lists = [
        [common.quote_path(c.get_absolute_url()) + ("" if p == 1 else f"?page={p}") for p in range(1, _pages(n) + 1)]
        for c, n in category_sizes.items()
    ]
    tags = Tag.objects.annotate(
        n=Count("taggit_taggeditem_items", filter=Q(taggit_taggeditem_items__object_id__in=published.values("pk")))
    ).order_by("-n")
    tag_lists = [
        [common.quote_path(f"/tag/{t.slug}/") + ("" if p == 1 else f"?page={p}") for p in range(1, _pages(t.n) + 1)]
        for t in tags
    ]
    hits = search.search(published, search.parse_query(SEARCH_TERM)).count()
    quoted = urllib.parse.quote(SEARCH_TERM)
    searches = [f"/search/?q={quoted}"] + [f"/search/?q={quoted}&page={p}" for p in range(2, _pages(hits) + 1)]
    feeds = (
        ["/feed/"]
        + [common.quote_path(f"/category/{c.slug}/feed/") for c in category_sizes]
        + [common.quote_path(f"/tag/{t.slug}/feed/") for t in tags]
    )
    return [
        ("home", home, "/", f"/ and ?page=2…{len(home)} ({total} published)"),
        ("article", articles, warm_article, f"{len(articles)} articles spread over the archive"),
        (
            "category",
            _interleave(category_lists),
            category_lists[list(category_sizes).index(largest_category)][0],
            f"every page of {len(category_lists)} categories; "
            f"warm: {largest_category.name} ({category_sizes[largest_category]} articles)",
        ),
        (
            "tag",
            _interleave(tag_lists),
            tag_lists[0][0],
            f"every page of {len(tag_lists)} tags; warm: {tags[0].name} ({tags[0].n} articles)",
        ),
        ("search", searches, searches[0], f"q={SEARCH_TERM} ({hits} hits), pages 1…{len(searches)}"),
        ("feed", feeds, "/feed/", f"RSS: site, {len(category_sizes)} category and {len(tag_lists)} tag feeds"),
    ]


def load_test(server, args):
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    all_plans = scenarios(args.cold_urls)
    plans = [plan for plan in all_plans if not only or plan[0] in only]
    scratch = Path(tempfile.mkdtemp(prefix="allforces-bench-wrk-"))
    meter = common.CpuMeter(server.process.pid, BENCH_DB, client="wrk")
    results, pairs = [], []
    try:
        # Warm-up, not reported: every worker opens its database connection and compiles its templates,
        # as in a server that has been up for a while. Article URLs outside the cold list.
        cold_articles = set(next(plan[1] for plan in all_plans if plan[0] == "article"))
        extra = [path for path in article_paths(len(cold_articles) + 50) if path not in cold_articles][:50]
        warm_up = [plan[2] for plan in all_plans] + extra
        run_wrk(server, args, scratch, "warm-up", "", warm_up, "", meter, 3, wait=False)
        ceiling = server.ceiling["path"]
        results.append(
            run_wrk(server, args, scratch, "static", "ceiling", [ceiling], f"{server.ceiling['bytes']} B", meter)
        )
        for page, cold, warm, note in plans:
            flush_redis()
            results.append(run_wrk(server, args, scratch, page, "cold", cold, note, meter))
            flush_redis()
            http_get(server.url + warm)  # the priming request
            results.append(run_wrk(server, args, scratch, page, "warm", [warm], warm, meter))
        probe = args.probe_connections
        article = next((plan for plan in plans if plan[0] == "article"), None)
        if probe and article:  # service time without queueing: one connection per CPU
            flush_redis()
            results.append(
                run_wrk(server, args, scratch, "article", f"cold c{probe}", article[1][::-1], "", meter, None, probe)
            )
            flush_redis()
            http_get(server.url + article[2])
            results.append(
                run_wrk(server, args, scratch, "article", f"warm c{probe}", [article[2]], "", meter, None, probe)
            )
        pairs = []
        if args.pairs and article:  # the ratio goal, measured back to back so that noise hits both alike
            flush_redis()
            http_get(server.url + article[2])
            for number in range(1, args.pairs + 1):
                static = run_wrk(server, args, scratch, "static", f"pair {number}", [ceiling], "", meter, 5)
                warm = run_wrk(
                    server, args, scratch, "article", f"warm pair {number}", [article[2]], "", meter, 5, wait=False
                )
                pairs.append({
                    "static_rps": static["requests_per_second"], "article_rps": warm["requests_per_second"],
                    "ratio": round(warm["requests_per_second"] / static["requests_per_second"], 3),
                    "other_pct": [static["cpu"].get("other_pct"), warm["cpu"].get("other_pct")],
                    "app_ms_per_request": [
                        static["cpu"].get("gunicorn_ms_per_request"), warm["cpu"].get("gunicorn_ms_per_request")
                    ],
                })  # fmt: skip
        results.append(
            run_wrk(server, args, scratch, "static", "ceiling-end", [ceiling], "again, after the pages", meter)
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    ceilings = [r["requests_per_second"] for r in results if r["page"] == "static"]
    ceiling_rate = statistics.mean(ceilings)
    for result in results:
        result["ratio_to_static"] = round(result["requests_per_second"] / ceiling_rate, 3)
    return results, pairs


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _milliseconds(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def run_wrk(server, args, scratch, page, mode, paths, note, meter=None, duration=None, connections=None, wait=True):
    duration = duration or args.duration
    connections = connections or args.connections
    threads = min(args.threads, connections)
    paths_file = scratch / f"{page}-{mode}.txt".replace(" ", "-")
    paths_file.write_text("\n".join(paths) + "\n", encoding="ascii")
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency",
        "-s", str(BENCH_DIR / "wrk.lua"), server.url, "--", str(paths_file), str(threads),
    ]  # fmt: skip
    quiet = meter.wait_until_quiet(args.wait_idle) if meter and args.wait_idle and wait else {}
    log(
        f"wrk {page} {mode}: {len(paths)} URL(s), {duration} s"
        + (f" (waited {quiet['waited_seconds']} s for a quiet machine)" if quiet.get("waited_seconds", 0) > 3 else "")
    )
    loadavg = common.loadavg()
    before = meter.snapshot() if meter else None
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603 (wrk, our args)
    after = meter.snapshot() if meter else None
    drained = meter.drain() if meter else None
    try:
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
        stats = json.loads(re.search(r"^BENCH (.*)$", output, re.M).group(1))
    except AttributeError:
        raise RuntimeError(f"unexpected wrk output:\n{output}") from None
    latency = stats["latency_us"]
    distribution = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", output, re.M))
    for percent in ("50", "90", "99"):  # the text, else the script's own numbers (microseconds)
        distribution.setdefault(percent, f"{latency['p' + percent]}us")
    answered = stats["cache"]["hit"] + stats["cache"]["miss"] + stats["cache"]["none"]
    cpu = meter.shares(before, after, stats["requests"]) if meter else {}
    result = {
        "page": page,
        "mode": mode,
        "urls": len(paths),
        "connections": connections,
        "example": paths[0],
        "note": note,
        "requests": stats["requests"],
        "requests_per_second": rate,
        "p50_ms": round(_milliseconds(distribution["50"]), 2),
        "p90_ms": round(_milliseconds(distribution["90"]), 2),
        "p99_ms": round(_milliseconds(distribution["99"]), 2),
        "max_ms": round(stats["latency_us"]["max"] / 1000, 2),
        "cache": stats["cache"],
        "cache_hit_ratio": round(stats["cache"]["hit"] / answered, 3) if answered else None,
        "status": stats["status"],
        "errors": stats["errors"],
        "mean_bytes": round(stats["bytes"] / stats["requests"]) if stats["requests"] else 0,
        "loadavg_before": loadavg,
        "cpu": cpu,
        "quiet_wait": quiet,
        "drain_seconds": drained,
        "wrk_output": output,
    }
    bad = stats["status"]["4xx"] + stats["status"]["5xx"] + sum(stats["errors"].values())
    if bad:
        log(f"  ! {bad} errors or non-2xx answers: {stats['status']} {stats['errors']}")
    log(
        f"  {rate:8.1f} req/s  p50 {result['p50_ms']:.2f} ms  p99 {result['p99_ms']:.2f} ms  "
        f"cache hit {result['cache_hit_ratio']}  CPU: {cpu}"
    )
    return result


# --- 5. queries per page, goals, report ----------------------------------------------------------


def query_counts(results):
    """Queries and time for one uncached request of each measured URL, in this process (no page cache
    hit: a local-memory cache, cleared first, so that the cache's own look-ups are not counted as the
    database cache's would be). Tells what a cold request asks of PostgreSQL for its content."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client(HTTP_HOST="127.0.0.1")
    out = {}
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}):
        for result in results:
            if result["mode"] != "warm":
                continue
            cache.clear()
            client.get(result["example"])  # connection and templates warmed, as in a running worker
            cache.clear()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(result["example"])
                elapsed = time.perf_counter() - started
            sql_ms = sum(float(query["time"]) for query in queries.captured_queries) * 1000
            out[result["page"]] = {
                "url": result["example"],
                "status": response.status_code,
                "queries": len(queries),
                "sql_ms": round(sql_ms, 1),
                "total_ms": round(elapsed * 1000, 1),
                "bytes": len(response.content),
            }
    return out


def _result(report, page, mode):
    return next((r for r in report.get("results", []) if r["page"] == page and r["mode"] == mode), None)


def goals(report):
    out = []
    statics = [r for r in report["results"] if r["page"] == "static"]
    static = statistics.mean(r["requests_per_second"] for r in statics)
    warm, cold = _result(report, "article", "warm"), _result(report, "article", "cold")
    probe = report["meta"].get("probe_connections")
    warm_probe, cold_probe = _result(report, "article", f"warm c{probe}"), _result(report, "article", f"cold c{probe}")
    if warm:
        ratio = warm["requests_per_second"] / static
        detail = f"{ratio:.0%} ({warm['requests_per_second']:.0f} / {static:.0f} req/s)"
        static_cpu = [r["cpu"].get("gunicorn_ms_per_request") for r in statics if r.get("cpu")]
        warm_cpu = warm.get("cpu", {}).get("gunicorn_ms_per_request")
        if static_cpu and warm_cpu:  # what the noise cannot move much: app CPU per request
            static_ms = statistics.mean(static_cpu)
            detail += f"; app CPU/request {warm_cpu:.2f} vs {static_ms:.2f} ms = {static_ms / warm_cpu:.0%}"
        pairs = report.get("pairs") or []
        if pairs:  # back-to-back measurements are the fairer comparison on a noisy machine
            ratio = statistics.median(pair["ratio"] for pair in pairs)
            each = ", ".join(f"{pair['ratio']:.2f}" for pair in pairs)
            detail = f"{ratio:.0%} back to back ({each}); table: " + detail
        out.append(_goal("warm article ≥ 50% of the static file's req/s", ratio >= GOAL_WARM_RATIO, detail))
        detail = f"{warm['p99_ms']:.1f} ms" + (
            f" (at {probe} connections: {warm_probe['p99_ms']:.1f} ms)" if warm_probe else ""
        )
        out.append(_goal("warm article p99 < 20 ms", warm["p99_ms"] < GOAL_WARM_P99_MS, detail))
    if cold:
        detail = f"{cold['p99_ms']:.1f} ms" + (
            f" (at {probe} connections: {cold_probe['p99_ms']:.1f} ms)" if cold_probe else ""
        )
        out.append(_goal("cold article p99 < 100 ms", cold["p99_ms"] < GOAL_COLD_P99_MS, detail))
    imported = report.get("import", {})
    if not imported.get("skipped") and imported.get("seconds_for_10000"):
        complete = imported["finished"] and imported["imported"] >= GOAL_IMPORT_POSTS
        seconds = imported["seconds"] if complete else imported["seconds_for_10000"]
        detail = f"{seconds:.0f} s ({imported['posts_per_second']:.1f} posts/s)"
        if not complete:
            detail += f", extrapolated from {imported['imported']} posts in {imported['seconds']:.0f} s"
        out.append(_goal("import of 10,000 posts < 60 s", seconds < GOAL_IMPORT_SECONDS, detail))
    memory = report.get("memory", {})
    if memory.get("rss_mb_max") is not None:
        highest = max(memory["rss_mb_max"], memory.get("rss_mb_peak_during_run") or 0)
        out.append(_goal("worker RSS < 150 MB", highest < GOAL_RSS_MB,
                         f"max {memory['rss_mb_max']:.0f} MB, mean {memory['rss_mb_mean']:.0f} MB after the run; "
                         f"peak {memory['rss_mb_peak_during_run']:.0f} MB"))  # fmt: skip
    return out


def _goal(name, met, detail):
    return {"goal": name, "met": bool(met), "value": detail}


def print_report(report):
    meta, server = report["meta"], report["server"]
    print()
    print(
        f"ALLFORCES bench {meta['started']} — {report['seed']['published']} published articles, "
        f"gunicorn {server['workers']} {server['worker_class']} workers, wrk -t{meta['wrk_threads']} "
        f"-c{meta['wrk_connections']} -d{meta['duration']}s, {meta['cpus']} CPUs, commit {meta['commit'][:9]}"
    )
    print(format_results(report["results"]))
    print()
    for number, pair in enumerate(report.get("pairs") or [], 1):
        print(
            f"back to back {number}: static {pair['static_rps']:.0f} req/s, warm article {pair['article_rps']:.0f} "
            f"req/s = {pair['ratio']:.0%} (other CPU {pair['other_pct'][0]:.0f}% / {pair['other_pct'][1]:.0f}%; "
            f"app CPU ms/req {pair['app_ms_per_request'][0]} / {pair['app_ms_per_request'][1]})"
        )
    imported = report["import"]
    if not imported.get("skipped"):
        state = "" if imported["finished"] else f" — stopped at the time limit, {imported['posts']} asked"
        print(
            f"import_jekyll: {imported['imported']} posts in {imported['seconds']:.1f} s "
            f"({imported['posts_per_second']:.1f} posts/s; ~{imported['seconds_for_10000']} s for 10,000){state}"
        )
    seed_info = report["seed"]
    if not seed_info.get("skipped"):
        print(
            f"seeding: {seed_info['articles']} articles in {seed_info['articles_seconds']} s, "
            f"search index {seed_info.get('search_index_seconds', '—')} s"
        )
    memory = report["memory"]
    print(
        f"worker RSS after the run: max {memory['rss_mb_max']} MB, mean {memory['rss_mb_mean']} MB "
        f"({memory['workers_after_run']} workers; peak during run {memory['rss_mb_peak_during_run']} MB; "
        f"master {memory['master_rss_mb']} MB; {memory['worker_processes_seen']} worker processes seen; "
        f"mean PSS {memory.get('pss_mb_mean')} MB)"
    )
    print("queries for one uncached request (in-process):")
    for page, info in report["queries"].items():
        print(
            f"  {page:<9} {info['queries']:>3} queries  SQL {info['sql_ms']:>6.1f} ms  "
            f"total {info['total_ms']:>6.1f} ms  {info['bytes']:>7} B"
        )
    print()
    for goal in report["goals"]:
        print(f"{'✓' if goal['met'] else '✗'} {goal['goal']:<48} {goal['value']}")
    print(f"\nload average: start {meta['loadavg_start']}, end {meta['loadavg_end']}; total {meta['total_seconds']} s")


def _cpu(result, name, form):
    value = result.get("cpu", {}).get(name)
    return "—" if value is None else form.format(value)


def _hit_ratio(result):
    if result["page"] == "static" or not result["requests"]:
        return "—"
    if result["cache"]["hit"] + result["cache"]["miss"] == 0:
        return "uncached"
    return f"{result['cache_hit_ratio']:.0%}"


def format_results(results):
    header = ("page", "mode", "URLs", "req/s", "p50 ms", "p99 ms", "max ms", "× static", "cache hit", "non-2xx",
              "app CPU ms/req", "db CPU ms/req", "other CPU")  # fmt: skip
    rows = [header]
    for r in results:
        non_2xx = r["status"]["3xx"] + r["status"]["4xx"] + r["status"]["5xx"] + sum(r["errors"].values())
        rows.append((
            r["page"], r["mode"], str(r["urls"]), f"{r['requests_per_second']:.1f}", f"{r['p50_ms']:.2f}",
            f"{r['p99_ms']:.2f}", f"{r['max_ms']:.1f}", f"{r['ratio_to_static']:.2f}",
            _hit_ratio(r), str(non_2xx), _cpu(r, "gunicorn_ms_per_request", "{:.2f}"),
            _cpu(r, "postgres_ms_per_request", "{:.2f}"), _cpu(r, "other_pct", "{:.0f}%"),
        ))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for number, row in enumerate(rows):
        cells = [cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def machine_meta(args):
    settings = {
        "duration": args.duration,
        "wrk_threads": args.threads,
        "wrk_connections": args.connections,
        "probe_connections": args.probe_connections,
        "articles": args.articles,
        "import_posts": args.import_posts,
    }
    return common.machine_meta(settings, detailed=True)


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)
