"""Search latency on PostgreSQL: our n-gram index against a plain icontains scan, on the same data.

    .venv/bin/python bench/search_bench.py --articles 10000

Seeds the first N articles of bench/corpus.py (about 5,000 characters each, and two rare words each) into
a database of its own, allforces_search_bench (created if missing; reused while it holds exactly those N
articles, --reseed to start again), builds the search index with rebuild_search_index(), then times the
judged queries (tests/search_judgements.toml) and generated ones from the corpus's words. Each timing is
what the search page does: count the matches and fetch the first page (ours also builds the highlighted
snippets). Besides wall time it reports the CPU time of this process and its PostgreSQL backend, which
other work on the machine disturbs less. Not part of the test suite.
"""

import argparse
import os
import random
import secrets
import sys
import time
import tomllib
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import common  # noqa: E402 (bench/common.py, after the path is set)
import corpus  # noqa: E402

PER_PAGE = 12
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/allforces_search_bench"  # bench/run.py has allforces_bench
RARE_WORDS = 3_000  # made-up words, two in each article: a word in a handful of articles at 10,000
ABSENT = ["ビットコイン", "メタバース", "暗号資産", "xyzzy", "ブロックチェーン"]  # in no article of the corpus


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000, help="articles to seed (default 10000)")
    parser.add_argument("--characters", type=int, default=5_000, help="characters per article (default 5000)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("SEARCH_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="a PostgreSQL database for this benchmark only (default $SEARCH_BENCH_DATABASE_URL or %(default)s)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each query for our search (3)")
    parser.add_argument(
        "--baseline-every",
        type=int,
        default=3,
        help="time icontains on every n-th query only, once each: it reads every body (default 3)",
    )
    parser.add_argument(
        "--wait-idle",
        type=int,
        default=300,
        help="before timing, wait up to this many seconds for the load average to drop below the cores (300)",
    )
    parser.add_argument("--reseed", action="store_true", help="seed again even if the database holds N articles")
    parser.add_argument("--seed", type=int, default=6, help="random seed of the generated text and queries")
    args = parser.parse_args()

    create_database_if_missing(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if args.reseed or not holds_corpus(args.articles, args.seed):
        seed(args.articles, args.characters, args.seed)
        build_index()
    else:
        print(f"{args.articles} 件の記事をそのまま使います（--reseed で作り直し）")

    rare_words = corpus.rare_vocabulary(RARE_WORDS, args.seed)
    queries = benchmark_queries(random.Random(args.seed + 1), rare_words)  # noqa: S311
    print(f"検索語 {sum(len(items) for items in queries.values())} 件 ({', '.join(queries)})")
    show_plans()
    wait_until_idle(args.wait_idle)
    run(queries, args.repeat, args.baseline_every, args.articles)


def create_database_if_missing(url):
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
            print(f"データベース {name} を作成しました")


def setup_django(url):
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="allforces.settings",
        DEBUG="0",  # DEBUG would record every query
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(48),
    )
    import django

    django.setup()


def holds_corpus(count, seed_value):
    """The database holds `count` articles, the corpus's last one among them: the ones seed() would make."""
    from articles.models import Article

    if Article.objects.count() != count:
        return False
    return Article.objects.filter(slug=corpus.generate_article(count - 1, seed=seed_value, total=count).slug).exists()


def seed(count, characters, seed_value, batch_size=250):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE articles_article, articles_category, articles_author, taggit_tag RESTART IDENTITY CASCADE"
        )
    seconds = common.seed_articles(
        count, batch_size, "記事を生成", seed=seed_value, characters=characters, rare_words=RARE_WORDS
    )
    print(f"{count} 件を {seconds:.0f} 秒で生成しました（2% は下書き）")


def build_index():
    from django.db import connection
    from tqdm import tqdm

    from articles.models import Article
    from articles.search import rebuild_search_index

    started = time.monotonic()
    with tqdm(total=Article.objects.count(), desc="索引を作成", unit="件") as progress:
        rebuild_search_index(batch_size=500, on_batch=progress.update)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE articles_article")
        cursor.execute("VACUUM ANALYZE articles_articlesearchindex")
        cursor.execute("VACUUM ANALYZE articles_articlesearchgrams")
    print(f"索引を {time.monotonic() - started:.0f} 秒で作成しました")


def benchmark_queries(rng, rare_words):
    """The judged queries, then generated ones: topic and common words, two- and three-word queries,
    single characters, rare words, and words no article has."""
    judged = [table["q"] for table in tomllib.loads((ROOT / "tests" / "search_judgements.toml").read_text())["query"]]
    topics, common_words = corpus.TOPICS, corpus.METRICS
    return {
        "judged": judged,
        "topic": rng.sample(topics, 20),
        "common": rng.sample(common_words, 10),
        "two words": [" ".join(rng.sample(topics, 2)) for _ in range(15)],
        "three words": [" ".join(rng.sample(topics + common_words, 3)) for _ in range(10)],
        "one character": [rng.choice(word) for word in rng.sample(common_words, 5)],
        "rare": rng.sample(rare_words, 15),
        "absent": ABSENT,
    }


def ours(text):
    from articles import search
    from articles.models import Article

    query = search.parse_query(text)
    if not query:
        return 0
    results = search.search(Article.objects.published().select_related("category").defer("body"), query)
    count = results.count()
    [search.hit(article, query) for article in results[:PER_PAGE]]
    return count


def icontains(text):
    from django.db.models import Q

    from articles.models import Article

    results = Article.objects.published()
    for word in text.split()[:8]:
        results = results.filter(Q(title__icontains=word) | Q(body__icontains=word))
    results = results.select_related("category").defer("body").order_by("-published_at", "-pk")
    count = results.count()
    list(results[:PER_PAGE])
    return count


def show_plans():
    from articles import search
    from articles.models import Article

    for text in ("推論", "市場 需要"):
        plan = search.search(Article.objects.published(), search.parse_query(text)).matching().explain(analyze=True)
        lines = [line.strip() for line in plan.splitlines() if "Scan" in line or "Execution Time" in line]
        print(f"EXPLAIN ANALYZE 「{text}」:\n    " + "\n    ".join(lines))


def wait_until_idle(seconds):
    """Other work on the machine shows up as latency: wait (a while) for the 1-minute load to settle."""
    deadline = time.monotonic() + seconds
    while os.getloadavg()[0] >= (os.cpu_count() or 1) and time.monotonic() < deadline:
        time.sleep(5)
    if os.getloadavg()[0] >= (os.cpu_count() or 1):
        print(f"注意: load average {os.getloadavg()[0]:.1f} のまま計測します（他の処理が動いています）")


def run(queries, repeat, baseline_every, articles):
    from tqdm import tqdm

    from articles.models import Article

    clock = CpuClock()
    timings = {"ours": {}, "icontains": {}}  # kind -> [(wall ms, CPU ms)]
    everything = [(kind, text) for kind, texts in queries.items() for text in texts]
    for _kind, text in everything:  # warm the caches for our search once
        ours(text)
    load, reference = os.getloadavg()[0], machine_speed()
    machine_before, own_before, started = machine_busy_ms(), clock.cpu_ms(), time.monotonic()
    for position, (kind, text) in enumerate(tqdm(everything, desc="計測", unit="語")):
        timings["ours"].setdefault(kind, []).extend(clock.time(ours, text) for _ in range(repeat))
        if position % baseline_every == 0:
            timings["icontains"].setdefault(kind, []).append(clock.time(icontains, text))

    elapsed_ms = (time.monotonic() - started) * 1000
    others = (machine_busy_ms() - machine_before - (clock.cpu_ms() - own_before)) / (elapsed_ms * (os.cpu_count() or 1))
    published = Article.objects.published().count()
    print(f"\n{articles} 件（約 5,000 字）、公開中 {published} 件。1 回 = 件数 + 1 ページ目 {PER_PAGE} 件")
    print(f"ours は各語 {repeat} 回、icontains は {baseline_every} 語に 1 語を 1 回。単位 ms")
    print(f"load average: 計測前 {load:.2f} / 計測後 {os.getloadavg()[0]:.2f}（{os.cpu_count()} コア）")
    print(f"計測中に他のプロセスが使った CPU: 全コアの {max(others, 0):.0%}（/proc/stat から、この計測の分を除く）")
    after = machine_speed()
    print(
        "この機械の速さ（同じ仕事の時間、短いほど速い。共有の機械では他の VM の負荷で変わります）: "
        f"Python {reference[0]:.0f} → {after[0]:.0f} ms、"
        f"PostgreSQL {reference[1]:.0f} → {after[1]:.0f} ms（計測前 → 後）"
    )
    print("CPU = この Python プロセスと PostgreSQL のバックエンドが使った CPU 時間（他の処理の影響を受けにくい）")
    print(f"{'':16} {'method':10} {'runs':>5} {'p50':>8} {'p95':>8} {'max':>8} {'CPU p50':>8} {'CPU p95':>8}")
    for kind in [*queries, "all"]:
        for method in ("ours", "icontains"):
            runs = [run for k, v in timings[method].items() if kind in (k, "all") for run in v]
            if not runs:
                continue
            wall, cpu = [run[0] for run in runs], [run[1] for run in runs]
            wall50, wall95, cpu50, cpu95 = (
                common.percentile(values, p, interpolate=True) for values in (wall, cpu) for p in (50, 95)
            )
            print(
                f"{kind:16} {method:10} {len(runs):5} {wall50:8.1f} {wall95:8.1f} {max(wall):8.1f} "
                f"{cpu50:8.1f} {cpu95:8.1f}"
            )


def machine_speed():
    """Milliseconds for a fixed piece of Python work and a fixed query: two runs of the benchmark are comparable
    only when these agree (a shared host slows a VM without any process of its own showing it)."""
    from django.db import connection

    started = time.perf_counter()
    total = 0
    for number in range(3_000_000):
        total += number
    python = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM generate_series(1, 2000000)")
    return python, (time.perf_counter() - started) * 1000


def machine_busy_ms():
    """CPU time all processes of the machine have used (/proc/stat, every core), in ms."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) * 1000 / os.sysconf("SC_CLK_TCK")


class CpuClock:
    """Wall time, and CPU time of this process plus its PostgreSQL backend (/proc/<pid>/schedstat, in ns)."""

    def __init__(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.backend = Path(f"/proc/{cursor.fetchone()[0]}/schedstat")

    def cpu_ms(self):
        backend = int(self.backend.read_text().split()[0]) / 1e6 if self.backend.exists() else 0.0
        return time.process_time() * 1000 + backend

    def time(self, function, text):
        wall, cpu = time.perf_counter(), self.cpu_ms()
        function(text)
        return (time.perf_counter() - wall) * 1000, self.cpu_ms() - cpu


if __name__ == "__main__":
    main()
