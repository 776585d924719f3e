"""アクセスランキング: the most read articles of the last 24 hours or 7 days, from ArticleViewCount rows
(articles/readership.py counts them)."""

from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from articles.models import Article

PERIODS = {"day": timedelta(hours=24), "week": timedelta(days=7)}


def top(period, limit=5, now=None):
    """The `limit` most viewed articles readers can see, over `period` ("day" or "week"), most views first
    (ties: the newer article). Each carries `period_views`. Hours are whole: "day" is the last 24 started hours."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {sorted(PERIODS)}, not {period!r}")
    now = now or timezone.now()
    since = (now - PERIODS[period]).replace(minute=0, second=0, microsecond=0)
    return list(
        Article.objects.published()
        .filter(view_counts__hour__gte=since, view_counts__hour__lte=now)
        .annotate(period_views=Sum("view_counts__views"))
        .filter(period_views__gt=0)
        .for_listing()
        .order_by("-period_views", "-published_at", "-pk")[:limit]
    )


def both(limit=5):
    """{"day": top("day", limit), "week": top("week", limit)}: what the ranking box (includes/_ranking.html) shows."""
    return {period: top(period, limit) for period in PERIODS}
