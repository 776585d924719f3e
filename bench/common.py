"""What the scripts in bench/ share: the databases they drop and create, bench/corpus.py's articles seeded
into one, the CPU time a measurement costs the server and the rest of the machine, percentiles, and the
machine a run happened on.

bench/ is not a package: each script puts bench/ on sys.path, then imports `common` (and `corpus`). Django
is imported inside the functions that need it, after the script has set it up.
"""

import contextlib
import datetime as dt
import math
import multiprocessing
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import corpus

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
VERSION_COMMANDS = {
    "wrk": ["wrk", "-v"],
    "postgres": ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "show server_version"],
    "redis": ["redis-server", "--version"],
}


def recreate_database(name):
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")


def quote_path(path):
    """A site path with its Japanese slugs percent-encoded, as a browser sends it."""
    return urllib.parse.quote(path, safe="/?=&%")


# --- seeding ---------------------------------------------------------------------------------------


def seed_articles(count, batch_size=500, progress_label="記事を投入", **corpus_options):
    """The first `count` articles of bench/corpus.py (`corpus_options`: seed, characters, rare_words) into
    the empty database Django is set up with, their categories, bylines and tags first. Bulk inserts; the
    Markdown rendered through Article.derive_rendered_fields() in one process per CPU. Returns the seconds
    the articles took (what the scripts report: creating the categories, bylines and tags is not timed)."""
    from django.db import connections
    from django.db.models import F
    from django.db.models.functions import Coalesce
    from taggit.models import Tag
    from tqdm import tqdm

    from articles.importers.loader import analyze_imported_tables
    from articles.models import Article, Author, Category

    categories = {}
    for position, name in enumerate(corpus.CATEGORIES):
        categories[name] = Category.objects.create(name=name, position=position * 10)
    authors = {name: Author.objects.create(name=name) for name in corpus.AUTHORS}
    tags = {name: Tag.objects.create(name=name) for name in corpus.TAGS}
    related = (categories, authors, tags, _content_type(Article))

    connections.close_all()  # the pool forks: no shared database connection
    started = time.monotonic()
    work = ((index, {"total": count, **corpus_options}) for index in range(count))
    with _default_signals():
        pool = multiprocessing.get_context("fork").Pool(os.cpu_count() or 1)
    with pool, tqdm(total=count, desc=progress_label, unit="件", file=sys.stderr) as progress:
        batch = []
        for generated, rendered in pool.imap(_render, work, chunksize=32):
            batch.append((generated, rendered))
            if len(batch) == batch_size:
                _insert(batch, *related)
                progress.update(len(batch))
                batch = []
        if batch:
            _insert(batch, *related)
            progress.update(len(batch))
    # The corpus's dates, not the moment of seeding, say when each article was written.
    Article.objects.update(
        created_at=Coalesce(F("published_at"), F("created_at")), updated_at=Coalesce(F("published_at"), F("created_at"))
    )
    analyze_imported_tables()  # as import_jekyll does: a freshly filled database is planned from real statistics
    return time.monotonic() - started


@contextlib.contextmanager
def _default_signals():
    """SIGTERM and SIGHUP as the system handles them while the pool's processes are forked: Pool.terminate()
    must kill them. With install_signal_handlers()' handler inherited instead, a worker turns the signal into
    a KeyboardInterrupt that can strike mid-cleanup and leave it blocked on the pool's queue lock; leaving the
    pool then waits for it forever (seen once in three short runs of bench/run.py)."""
    saved = {number: signal.signal(number, signal.SIG_DFL) for number in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


def _render(index_and_options):
    """In a pool process: one corpus article and what Article.save() would store from its Markdown."""
    from articles.models import Article

    index, options = index_and_options
    article = corpus.generate_article(index, **options)
    return article, Article(title=article.title, body=article.body, excerpt=article.excerpt).derive_rendered_fields()


def _content_type(model):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model)


def _insert(batch, categories, authors, tags, article_type):
    from django.db import transaction
    from taggit.models import TaggedItem

    from articles.models import Article

    SecondaryLink = Article.secondary_categories.through
    articles = []
    for generated, rendered in batch:
        articles.append(
            Article(
                title=generated.title,
                slug=generated.slug,
                body=generated.body,
                excerpt=generated.excerpt,
                author=authors[generated.author],
                category=categories[generated.category],
                status=Article.Status.DRAFT if generated.is_draft else Article.Status.PUBLISHED,
                published_at=generated.published_at,
                is_featured=generated.is_featured,
                **rendered,
            )
        )
    with transaction.atomic():
        Article.objects.bulk_create(articles)
        TaggedItem.objects.bulk_create(
            TaggedItem(content_type=article_type, object_id=article.pk, tag=tags[name])
            for article, (generated, _rendered) in zip(articles, batch, strict=True)
            for name in generated.tags
        )
        SecondaryLink.objects.bulk_create(
            SecondaryLink(article_id=article.pk, category_id=categories[name].pk)
            for article, (generated, _rendered) in zip(articles, batch, strict=True)
            for name in generated.secondary_categories
        )


# --- CPU -------------------------------------------------------------------------------------------


class CpuMeter:
    """CPU time used during a measurement by the whole machine, by the server (the gunicorn master and
    workers, and the PostgreSQL backends of `database`), by the client (`client`: "wrk", this script's
    child processes once they have exited; "script", this process itself) and by the rest: other processes
    on a shared machine, the noise in the numbers. Shares are of the whole machine (all CPUs = 100%); the
    CPU milliseconds per request of gunicorn and PostgreSQL hardly depend on that noise. `redis_pid`, a
    callable, names a redis-server of the script's own (or None while it is down): it counts as server."""

    CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

    def __init__(self, server_pid, database, client, redis_pid=None):
        self.server_pid = server_pid
        self.database = database
        self.client = client
        self.redis_pid = redis_pid

    def snapshot(self):
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        groups = {"gunicorn": {}, "postgres": {}}
        if self.redis_pid:  # one killed meanwhile was reaped by this script: its life is in our children's time
            own = os.times()
            groups["redis"] = {"reaped": (own.children_user + own.children_system) * self.CLOCK_TICKS}
            pid = self.redis_pid()
            if pid:
                groups["redis"][pid] = process_ticks(pid)
        if self.server_pid:  # the master's reaped-children time holds recycled workers
            groups["gunicorn"][self.server_pid] = process_ticks(self.server_pid, children=True)
            for pid in child_pids(self.server_pid):
                groups["gunicorn"][pid] = process_ticks(pid)
        for pid in backend_pids(self.database):
            groups["postgres"][pid] = process_ticks(pid)
        if self.client == "wrk":
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            client = (usage.ru_utime + usage.ru_stime) * self.CLOCK_TICKS
        else:
            own = os.times()
            client = (own.user + own.system) * self.CLOCK_TICKS
        return {
            "total": sum(fields[:8]),
            "busy": sum(fields[:8]) - fields[3] - fields[4],  # not idle, not iowait
            "groups": groups,
            "client": client,
        }

    @staticmethod
    def _delta(before, after, reaped):
        if reaped:
            # gunicorn: a worker recycled meanwhile is gone from `after`, and its whole life is now in the
            # master's reaped-children time; subtracting what it had used by `before` leaves the run's share.
            # Our redis-server likewise, once killed: its life is in this script's reaped-children time.
            return sum(after.values()) - sum(before.values())
        # PostgreSQL backends: one that closed meanwhile is lost (a little under-counted), a new one counts whole.
        return sum(ticks - before.get(pid, 0) for pid, ticks in after.items())

    def _server_ticks(self, before, after):
        return {
            name: self._delta(before["groups"][name], after["groups"][name], reaped=name in {"gunicorn", "redis"})
            for name in before["groups"]
        }

    def shares(self, before, after, requests=0):
        total = max(after["total"] - before["total"], 1)
        used = self._server_ticks(before, after)
        server = sum(used.values())
        used[self.client] = max(after["client"] - before["client"], 0)
        ours = sum(used.values())
        busy = after["busy"] - before["busy"]
        out = {
            "machine_pct": round(100 * busy / total, 1),
            "server_pct": round(100 * server / total, 1),
            "client_pct": round(100 * used[self.client] / total, 1),
            "bench_pct": round(100 * min(ours, busy) / total, 1),
            "other_pct": round(100 * max(busy - ours, 0) / total, 1),
        }
        if requests:
            for name, ticks in used.items():
                out[f"{name}_ms_per_request"] = round(1000 * ticks / self.CLOCK_TICKS / requests, 3)
        return out

    def drain(self, limit=60, window=0.5):
        """Wait until the server has finished what the client left in flight (requests still queued or running
        when it stopped), so that it neither writes into a flushed cache nor takes CPU from the next run."""
        started = time.monotonic()
        while time.monotonic() - started < limit:
            before = self.snapshot()
            time.sleep(window)
            busy = sum(self._server_ticks(before, self.snapshot()).values())
            if busy <= 0.04 * window * self.CLOCK_TICKS:  # under 4% of one CPU
                break
        return round(time.monotonic() - started, 1)

    def wait_until_quiet(self, limit, threshold_pct=25, window=2.0):
        """Wait (at most `limit` seconds) until other processes use under `threshold_pct` of the machine."""
        started = time.monotonic()
        while True:
            before = self.snapshot()
            time.sleep(window)
            other = self.shares(before, self.snapshot())["other_pct"]
            waited = time.monotonic() - started
            if other < threshold_pct or waited >= limit:
                return {"waited_seconds": round(waited, 1), "other_pct_before": other, "quiet": other < threshold_pct}


def child_pids(pid):
    """The processes whose parent is `pid` (a gunicorn master's workers), from /proc."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(entry.name))
    return sorted(out)


def process_ticks(pid, children=False):
    """User and system CPU time of `pid` in clock ticks; with `children`, also that of its reaped children."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime
        return ticks + (int(fields[13]) + int(fields[14]) if children else 0)  # cutime, cstime
    return 0


def backend_pids(database):
    """The PostgreSQL backends connected to `database`, but the one that asks."""
    import psycopg

    with contextlib.suppress(psycopg.Error), psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        query = "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
        return [row[0] for row in connection.execute(query, (database,))]
    return []


def loadavg():
    with contextlib.suppress(OSError):
        return Path("/proc/loadavg").read_text().split()[:3]
    return []


# --- numbers ---------------------------------------------------------------------------------------


def percentile(values, p, interpolate=False):
    """The `p`th percentile (1…99) of `values` (not empty): by nearest rank, a value that occurred; with
    `interpolate`, between the two nearest values (statistics.quantiles, method "inclusive")."""
    if interpolate:
        return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


# --- the run ---------------------------------------------------------------------------------------


def machine_meta(settings, detailed=False):
    """When a run started, at which commit, on how many CPUs, with which `settings` (the script's options).
    `detailed` adds what bench/run.py's numbers also depend on: uncommitted files, the CPU model, memory, and
    the versions of wrk, PostgreSQL and Redis."""
    meta = {
        "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": _first_line(["git", "-C", str(ROOT), "rev-parse", "HEAD"]),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    if detailed:
        meta |= {
            "uncommitted_files": _uncommitted_files(),
            "cpu_model": _cpu_model(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9, 1),
            **{name: _first_line(command) for name, command in VERSION_COMMANDS.items()},
        }
    return meta | settings | {"loadavg_start": loadavg()}


def _first_line(command):
    """The first line a command prints (its version, a commit), or "" when it cannot run."""
    with contextlib.suppress(OSError, subprocess.CalledProcessError, IndexError):
        result = subprocess.run(command, capture_output=True, text=True)  # noqa: S603 (fixed commands)
        return (result.stdout or result.stderr).strip().splitlines()[0]
    return ""


def _uncommitted_files():
    """How far the measured working tree is from the commit (shared tree: others edit it meanwhile)."""
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        command = ["git", "-C", str(ROOT), "status", "--porcelain"]
        status = subprocess.run(command, capture_output=True, text=True)  # noqa: S603 (git from PATH)
        return len([line for line in status.stdout.splitlines() if not line.endswith(" bench/")])
    return None


def _cpu_model():
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def install_signal_handlers():
    """SIGTERM and SIGHUP stop the script as Ctrl-C does, so that it stops the server it started."""

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
