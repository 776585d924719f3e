"""アクセスランキング (articles/ranking.py): most viewed in the last 24 hours and 7 days, from the hourly rows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import ranking
from articles.models import Article, ArticleViewCount
from articles.readership import hour_of
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def views(article, hours_ago, count):
    ArticleViewCount.objects.add({(article.pk, hour_of(timezone.now() - timedelta(hours=hours_ago))): count})


def test_day_ranks_the_last_24_hours_and_week_the_last_7_days():
    today_hit, week_hit, old_hit = make_article(title="今日の話題"), make_article(title="今週の話題"), make_article()
    views(today_hit, 1, 50)
    views(week_hit, 30, 200)
    views(week_hit, 2, 10)
    views(old_hit, 8 * 24, 10_000)

    day = ranking.top("day")
    week = ranking.top("week")

    assert [(a.title, a.period_views) for a in day] == [("今日の話題", 50), ("今週の話題", 10)]
    assert [(a.title, a.period_views) for a in week] == [("今週の話題", 210), ("今日の話題", 50)]


def test_only_articles_readers_can_see_are_ranked_and_limit_applies():
    shown = [make_article() for _ in range(7)]
    hidden = make_article(status=Article.Status.UNPUBLISHED)
    upcoming = make_article(status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(days=1))
    for number, article in enumerate([*shown, hidden, upcoming]):
        views(article, 1, 100 + number)

    top = ranking.top("week", limit=5)

    assert len(top) == 5
    assert hidden not in top and upcoming not in top
    assert [a.period_views for a in top] == sorted((a.period_views for a in top), reverse=True)


def test_an_unknown_period_is_refused():
    with pytest.raises(ValueError, match="period"):
        ranking.top("month")


def test_the_ranking_costs_one_query(django_assert_num_queries):
    for article in [make_article() for _ in range(6)]:
        views(article, 3, 5)

    with django_assert_num_queries(1):
        top = ranking.top("day")
        [(article.title, article.category.name, article.period_views) for article in top]
