import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles import search
from articles.models import Article

DEFAULT_JUDGEMENTS = settings.BASE_DIR / "tests" / "search_judgements.toml"
PRECISION_AT, RECALL_AT = 5, 10


@dataclass
class Judgement:
    query: str
    expected: frozenset
    acceptable: frozenset


@dataclass
class Score:
    judgement: Judgement
    found: list  # slugs, best first
    precision: float
    recall: float


def load_judgements(path):
    """The [[query]] tables of a judgements file (see tests/search_judgements.toml)."""
    with open(path, "rb") as file:
        tables = tomllib.load(file)["query"]
    return [
        Judgement(table["q"], frozenset(table.get("expected", ())), frozenset(table.get("acceptable", ())))
        for table in tables
    ]


def score(judgement, found):
    """precision@5: expected or acceptable articles among the top five (no result: 1 when none is expected);
    recall@10: the expected articles among the top ten (1 when none is expected)."""
    top = found[:PRECISION_AT]
    right = judgement.expected | judgement.acceptable
    precision = sum(slug in right for slug in top) / len(top) if top else float(not judgement.expected)
    hits = judgement.expected & set(found[:RECALL_AT])
    recall = len(hits) / len(judgement.expected) if judgement.expected else 1.0
    return Score(judgement, found, precision, recall)


def evaluate(judgements):
    """Run every judged query against Article.objects.published(); returns the scores and their means."""
    scores = []
    for judgement in judgements:
        query = search.parse_query(judgement.query)
        found = search.search(Article.objects.published(), query) if query else Article.objects.none()
        scores.append(score(judgement, list(found.values_list("slug", flat=True)[:RECALL_AT])))
    count = len(scores) or 1
    return scores, sum(s.precision for s in scores) / count, sum(s.recall for s in scores) / count


class Command(BaseCommand):
    help = "判定付きの検索語で検索の質（precision@5 と recall@10）を測ります。"

    def add_arguments(self, parser):
        parser.add_argument("--judgements", type=Path, default=DEFAULT_JUDGEMENTS, help="判定ファイル（TOML）")

    def handle(self, *args, judgements, **options):
        if not judgements.exists():
            raise CommandError(f"判定ファイルが見つかりません: {judgements}")
        scores, precision, recall = evaluate(load_judgements(judgements))
        for item in scores:
            if options["verbosity"] > 1 or item.precision < 1 or item.recall < 1:
                right = item.judgement.expected | item.judgement.acceptable
                wrong = [slug for slug in item.found[:PRECISION_AT] if slug not in right]
                missed = sorted(item.judgement.expected - set(item.found[:RECALL_AT]))
                self.stdout.write(
                    f"{item.judgement.query!r}: P@5 {item.precision:.2f} R@10 {item.recall:.2f}"
                    f"  上位の誤り {wrong or '-'}  見つからない {missed or '-'}"
                )
        self.stdout.write(f"{len(scores)} 件の検索語: precision@5 {precision:.3f} / recall@10 {recall:.3f}")
