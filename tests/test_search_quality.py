"""Search quality on the written judged set (tests/search_corpus.toml, tests/search_judgements.toml with
corpus = "written"): issue #20's bar, on whichever database the suite runs on (SQLite, or PostgreSQL with
DATABASE_URL). `-s` prints the table per kind."""

import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from articles.management.commands.evaluate_search import DEFAULT_JUDGEMENTS, by_kind, evaluate, load_judgements
from tests.factories import make_article, make_author, make_category

CORPUS = Path(__file__).resolve().parent / "search_corpus.toml"

pytestmark = pytest.mark.django_db


def load_written_corpus():
    """Every post of the written corpus as a published article, its tags in the index as the site's are."""
    author, category, now = make_author(), make_category(), timezone.now()
    with open(CORPUS, "rb") as file:
        posts = tomllib.load(file)["article"]
    for post in posts:
        make_article(
            title=post["title"],
            slug=post["slug"],
            body=post["body"],
            tags=post.get("tags", ()),
            published_at=now - timedelta(days=post["days"]),
            author=author,
            category=category,
        )
    return posts


def test_the_judged_set_is_as_large_as_issue_20_asks():
    judgements = load_judgements(DEFAULT_JUDGEMENTS, "written")
    with open(CORPUS, "rb") as file:
        posts = tomllib.load(file)["article"]

    kinds = {judgement.kind for judgement in judgements}
    assert len(judgements) >= 120 and len(posts) >= 60
    assert {
        "kanji2",
        "word3to6",
        "multiword",
        "latin",
        "long_vowel",
        "okurigana",
        "company",
        "trap",
        "nothing",
    } <= kinds
    assert any("\u3000" in judgement.query for judgement in judgements)
    assert any(judgement.query.isascii() for judgement in judgements if judgement.kind == "latin")
    assert any(not judgement.query.isascii() for judgement in judgements if judgement.kind == "latin")


def test_written_judged_set_ndcg_and_recall_per_kind():
    load_written_corpus()
    scores, _precision, _recall = evaluate(load_judgements(DEFAULT_JUDGEMENTS, "written"))

    table = by_kind(scores)
    for kind, (count, ndcg, precision, recall) in sorted(table.items()):
        print(f"{kind:12} {count:4}  nDCG@10 {ndcg:.3f}  P@5 {precision:.3f}  R@10 {recall:.3f}")
    misses = [(s.judgement.query, s.found[:5]) for s in scores if s.recall < 1 or s.ndcg < 0.9]
    print(*misses, sep="\n")
    assert table["all"][1] >= 0.95, misses
    for kind, (_count, _ndcg, _precision, recall) in table.items():
        assert recall >= 0.9, (kind, misses)
