import math
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles import search
from articles.models import Article

DEFAULT_JUDGEMENTS = settings.BASE_DIR / "tests" / "search_judgements.toml"
PRECISION_AT, RECALL_AT = 5, 10
CORPORA = ("demo", "written")  # demo/archive/, or tests/search_corpus.toml


@dataclass
class Judgement:
    query: str
    expected: frozenset
    acceptable: frozenset
    kind: str = ""
    corpus: str = "demo"


@dataclass
class Score:
    judgement: Judgement
    found: list  # slugs, best first
    precision: float
    recall: float
    ndcg: float = 0.0


def load_judgements(path, corpus="demo"):
    """The [[query]] tables of a judgements file (see tests/search_judgements.toml) about one corpus."""
    with open(path, "rb") as file:
        tables = tomllib.load(file)["query"]
    return [
        Judgement(
            table["q"],
            frozenset(table.get("expected", ())),
            frozenset(table.get("acceptable", ())),
            kind=table.get("kind", ""),
            corpus=table.get("corpus", "demo"),
        )
        for table in tables
        if table.get("corpus", "demo") == corpus
    ]


def score(judgement, found):
    """precision@5: expected or acceptable articles among the top five (no result: 1 when none is expected);
    recall@10: the expected articles among the top ten (1 when none is expected)."""
    top = found[:PRECISION_AT]
    right = judgement.expected | judgement.acceptable
    precision = sum(slug in right for slug in top) / len(top) if top else float(not judgement.expected)
    hits = judgement.expected & set(found[:RECALL_AT])
    recall = len(hits) / len(judgement.expected) if judgement.expected else 1.0
    return Score(judgement, found, precision, recall, ndcg(judgement, found))


def ndcg(judgement, found):
    """nDCG@10 with grades 2 (expected) and 1 (acceptable); a query that should find nothing scores 1 when
    nothing is found, else 0."""

    def grade(slug):
        return 2 if slug in judgement.expected else 1 if slug in judgement.acceptable else 0

    if not judgement.expected and not judgement.acceptable:
        return float(not found)
    gain = sum((2 ** grade(slug) - 1) / math.log2(rank + 2) for rank, slug in enumerate(found[:RECALL_AT]))
    ideal_grades = sorted(map(grade, judgement.expected | judgement.acceptable), reverse=True)[:RECALL_AT]
    ideal = sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(ideal_grades))
    return gain / ideal


def by_kind(scores):
    """{kind: (queries, nDCG@10, P@5, R@10)}, and "all"."""
    groups = defaultdict(list)
    for item in scores:
        groups[item.judgement.kind or "-"].append(item)
        groups["all"].append(item)
    return {
        kind: (
            len(items),
            sum(i.ndcg for i in items) / len(items),
            sum(i.precision for i in items) / len(items),
            sum(i.recall for i in items) / len(items),
        )
        for kind, items in groups.items()
    }


def evaluate(judgements):
    """Run every judged query against Article.objects.published(); returns the scores and their means."""
    scores = []
    for judgement in judgements:
        query = search.parse_query(judgement.query)
        found = search.search(Article.objects.published(), query)[:RECALL_AT] if query else []
        scores.append(score(judgement, [article.slug for article in found]))
    count = len(scores) or 1
    return scores, sum(s.precision for s in scores) / count, sum(s.recall for s in scores) / count


class Command(BaseCommand):
    help = "判定付きの検索語で検索の質（precision@5 と recall@10）を測ります。"

    def add_arguments(self, parser):
        parser.add_argument("--judgements", type=Path, default=DEFAULT_JUDGEMENTS, help="判定ファイル（TOML）")
        parser.add_argument(
            "--corpus",
            choices=CORPORA,
            default="demo",
            help="どの記事群についての判定か（データベースにその記事群があること）",
        )

    def handle(self, *args, judgements, corpus, **options):
        if not judgements.exists():
            raise CommandError(f"判定ファイルが見つかりません: {judgements}")
        scores, precision, recall = evaluate(load_judgements(judgements, corpus))
        for item in scores:
            if options["verbosity"] > 1 or item.precision < 1 or item.recall < 1:
                right = item.judgement.expected | item.judgement.acceptable
                wrong = [slug for slug in item.found[:PRECISION_AT] if slug not in right]
                missed = sorted(item.judgement.expected - set(item.found[:RECALL_AT]))
                self.stdout.write(
                    f"{item.judgement.query!r}: P@5 {item.precision:.2f} R@10 {item.recall:.2f}"
                    f"  上位の誤り {wrong or '-'}  見つからない {missed or '-'}"
                )
        for kind, (count, mean_ndcg, mean_precision, mean_recall) in sorted(by_kind(scores).items()):
            self.stdout.write(
                f"{kind:12} {count:4} 語  nDCG@10 {mean_ndcg:.3f}  P@5 {mean_precision:.3f}  R@10 {mean_recall:.3f}"
            )
        self.stdout.write(f"{len(scores)} 件の検索語: precision@5 {precision:.3f} / recall@10 {recall:.3f}")
