"""Search latency on PostgreSQL: our n-gram index against a plain icontains scan, on the same data.

    .venv/bin/python bench/search_bench.py --articles 10000

Seeds N generated Japanese articles of about 5,000 characters into a database of its own,
allforces_search_bench (created if missing; reused while it holds exactly N articles, --reseed to start
again), builds the search index with rebuild_search_index(), then times the judged queries
(tests/search_judgements.toml) and generated ones. Each timing is what the search page does: count the
matches and fetch the first page (ours also builds the highlighted snippets). Besides wall time it reports
the CPU time of this process and its PostgreSQL backend, which other work on the machine disturbs less.
Not part of the test suite.
"""

import argparse
import os
import random
import secrets
import statistics
import sys
import time
import tomllib
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
PER_PAGE = 12
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/allforces_search_bench"  # bench/run.py has allforces_bench

COMMON = ["市場", "企業", "需要", "投資", "技術", "価格", "供給", "成長", "政策", "業績", "規制", "競争", "設備",
          "事業", "製品", "顧客", "資金", "金利", "為替", "物価", "収益", "費用", "人材", "戦略", "構造", "見通し",
          "課題", "効率", "品質", "生産", "販売", "輸出", "輸入", "在庫", "景気", "株価", "消費", "賃金", "利益",
          "調達"]  # fmt: skip
TOPICS = [
    ["半導体", "ファウンドリ", "後工程", "パッケージング", "前工程", "露光装置", "歩留まり", "TSMC", "NVIDIA"],
    ["データセンター", "電力", "冷却", "送電網", "再生可能エネルギー", "変電所", "GPU", "消費電力", "原子力", "立地"],
    ["生成AI", "推論", "学習", "大規模言語モデル", "量子化", "蒸留", "HBM", "AWS", "Trainium", "Inferentia"],
    ["金利", "為替", "円安", "円高", "日本株", "為替感応度", "輸出企業", "政策金利", "国債", "日銀"],
    ["電気自動車", "電池", "全固体電池", "正極材", "リチウム", "充電", "EV", "航続距離", "補助金", "ニッケル"],
    ["クラウド", "料金", "値下げ", "割引", "スポットインスタンス", "ストレージ", "データ転送", "請求", "Savings Plans"],
    ["量子コンピュータ", "量子ビット", "誤り訂正", "暗号", "耐量子暗号", "超伝導", "イオントラップ", "ロードマップ"],
    ["サイバーセキュリティ", "工場", "制御システム", "OT", "ランサムウェア", "脆弱性", "侵入", "スマートファクトリー"],
    ["物流", "倉庫", "自動化", "ロボット", "配送", "人手不足", "運賃", "トラック"],
    ["医薬品", "創薬", "臨床試験", "バイオ", "特許", "承認", "ワクチン", "製薬"],
]  # fmt: skip
TEMPLATES = [
    "{a}の{b}が{c}を左右する。",
    "{a}と{b}の関係を整理すると、{c}が重要になる。",
    "とくに{a}では、{b}の{c}が課題とされる。",
    "{a}への{b}は今後も拡大するとの見方が多い。",
    "市場では{a}に対する{b}が高まっている。",
    "{a}が{b}に与える影響は、{c}によって異なる。",
    "一方で、{a}の{b}には慎重な見方もある。",
    "{a}をめぐる{b}は、{c}の動向と切り離せない。",
    "各社は{a}の{b}を進めており、{c}にも目を配っている。",
    "ここで見落とされがちなのが、{a}と{c}のつながりである。",
]
SYLLABLES = list("アカサタナハマヤラワガザダバパキシチニヒミリギジビピクスツヌフムユルグズブプ")


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
    rng = random.Random(args.seed)  # noqa: S311 (generated text, not secrets)
    rare_words = ["".join(rng.choices(SYLLABLES, k=4)) for _ in range(3_000)]
    if args.reseed or article_count() != args.articles:
        seed(args.articles, args.characters, rng, rare_words)
        build_index()
    else:
        print(f"{args.articles} 件の記事をそのまま使います（--reseed で作り直し）")

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
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def article_count():
    from articles.models import Article

    return Article.objects.count()


def seed(count, characters, rng, rare_words, batch_size=250):
    from django.db import connection
    from django.utils import timezone
    from tqdm import tqdm

    from articles.models import Article, Author, Category

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE articles_article, articles_category, articles_author RESTART IDENTITY CASCADE")
    author = Author.objects.create(name="ベンチマーク編集部", slug="bench")
    categories = [Category.objects.create(name=f"分野{number}", slug=f"field-{number}") for number in range(6)]
    now = timezone.now()
    started = time.monotonic()
    with tqdm(total=count, desc="記事を生成", unit="件") as progress:
        for start in range(0, count, batch_size):
            batch = []
            for number in range(start, min(start + batch_size, count)):
                title, body, body_html = generate_article(rng, characters, rare_words)
                batch.append(
                    Article(
                        title=title,
                        slug=f"bench-{number}",
                        body=body,
                        body_html=body_html,
                        summary=body_html[3:120],
                        status=Article.Status.PUBLISHED if number % 50 else Article.Status.DRAFT,
                        published_at=now - timedelta(hours=number + 1),
                        author=author,
                        category=rng.choice(categories),
                        reading_time=characters // 500,
                    )
                )
            Article.objects.bulk_create(batch)
            progress.update(len(batch))
    print(f"{count} 件を {time.monotonic() - started:.0f} 秒で生成しました（2% は下書き）")


def generate_article(rng, characters, rare_words):
    """A title and a Markdown body with its HTML: one main topic, a second one, common words, two rare words."""
    main, other = rng.sample(TOPICS, 2)
    rare = rng.sample(rare_words, 2)
    vocabulary = main * 6 + other * 2 + COMMON * 2 + rare

    def word():
        return rng.choice(vocabulary)

    title = f"{rng.choice(main)}と{rng.choice(main)}の{rng.choice(COMMON)}を読む：{rare[0]}の事例"
    markdown, html, length = [], [], 0
    while length < characters:
        if len(markdown) % 8 == 0:
            heading = f"{word()}の{rng.choice(COMMON)}"
            markdown.append(f"## {heading}")
            html.append(f'<h2 id="section-{len(markdown)}">{heading}</h2>')
        paragraph = "".join(rng.choice(TEMPLATES).format(a=word(), b=word(), c=word()) for _ in range(5))
        markdown.append(paragraph)
        html.append(f"<p>{paragraph}</p>")
        length += len(paragraph)
    return title, "\n\n".join(markdown), "\n".join(html)


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
    print(f"索引を {time.monotonic() - started:.0f} 秒で作成しました")


def benchmark_queries(rng, rare_words):
    """The judged queries, then generated ones: topic and common words, two- and three-word queries,
    single characters, rare words, and words no article has."""
    judged = [table["q"] for table in tomllib.loads((ROOT / "tests" / "search_judgements.toml").read_text())["query"]]
    topic_words = [word for topic in TOPICS for word in topic]
    return {
        "judged": judged,
        "topic": rng.sample(topic_words, 20),
        "common": rng.sample(COMMON, 10),
        "two words": [" ".join(rng.sample(topic_words, 2)) for _ in range(15)],
        "three words": [" ".join(rng.sample(topic_words + COMMON, 3)) for _ in range(10)],
        "one character": [rng.choice(word) for word in rng.sample(COMMON, 5)],
        "rare": rng.sample(rare_words, 15),
        "absent": ["ビットコイン", "メタバース", "暗号資産", "xyzzy", "自動運転"],
    }


def ours(text):
    from articles import search
    from articles.models import Article

    query = search.parse_query(text)
    if not query:
        return 0
    results = search.search(Article.objects.published(), query).select_related("category").defer("body")
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
        plan = search.search(Article.objects.published(), search.parse_query(text)).explain(analyze=True)
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

    clock = CpuClock()
    timings = {"ours": {}, "icontains": {}}  # kind -> [(wall ms, CPU ms)]
    everything = [(kind, text) for kind, texts in queries.items() for text in texts]
    for _kind, text in everything:  # warm the caches for our search once
        ours(text)
    load = os.getloadavg()[0]
    for position, (kind, text) in enumerate(tqdm(everything, desc="計測", unit="語")):
        timings["ours"].setdefault(kind, []).extend(clock.time(ours, text) for _ in range(repeat))
        if position % baseline_every == 0:
            timings["icontains"].setdefault(kind, []).append(clock.time(icontains, text))

    published = articles - articles // 50
    print(f"\n{articles} 件（約 5,000 字）、公開中 {published} 件。1 回 = 件数 + 1 ページ目 {PER_PAGE} 件")
    print(f"ours は各語 {repeat} 回、icontains は {baseline_every} 語に 1 語を 1 回。単位 ms")
    print(f"load average: 計測前 {load:.2f} / 計測後 {os.getloadavg()[0]:.2f}（{os.cpu_count()} コア）")
    print("CPU = この Python プロセスと PostgreSQL のバックエンドが使った CPU 時間（他の処理の影響を受けにくい）")
    print(f"{'':16} {'method':10} {'runs':>5} {'p50':>8} {'p95':>8} {'max':>8} {'CPU p50':>8} {'CPU p95':>8}")
    for kind in [*queries, "all"]:
        for method in ("ours", "icontains"):
            runs = [run for k, v in timings[method].items() if kind in (k, "all") for run in v]
            if not runs:
                continue
            wall, cpu = [run[0] for run in runs], [run[1] for run in runs]
            print(
                f"{kind:16} {method:10} {len(runs):5} {percentile(wall, 50):8.1f} {percentile(wall, 95):8.1f} "
                f"{max(wall):8.1f} {percentile(cpu, 50):8.1f} {percentile(cpu, 95):8.1f}"
            )


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


def percentile(values, p):
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


if __name__ == "__main__":
    main()
