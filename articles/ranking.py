"""アクセスランキング: the most read articles of a period, as the front page's ranking column shows them.

PLACEHOLDER (issue #19 item 1's layout only): `top()` returns the newest published articles, not the most read.
The view counting and the real ranking (item 2) are written on another branch, with this signature; on merge
that version replaces this file.
"""

from articles.models import Article

PERIODS = ("day", "week")


def top(period, limit=5):
    """The `limit` most read published articles of `period` ("day": 24 hours, "week": 7 days), most read first.
    Placeholder: the newest published articles, whatever the period."""
    if period not in PERIODS:
        raise ValueError(f"unknown ranking period: {period!r}")
    return list(Article.objects.published().for_listing()[:limit])
