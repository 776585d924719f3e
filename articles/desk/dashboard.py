"""The desk's day on the admin index: what each editor has to do next."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from articles.desk.roles import WRITER, role_of
from articles.models import Article

Status = Article.Status
DASHBOARD_ROWS = 10


def dashboard_sections(user):
    """(heading, articles) for my drafts, reviews waiting for me, sent back to me, scheduled in the next
    7 days and just published; None for a user outside the desk."""
    role = role_of(user)
    if role is None:
        return None
    articles = Article.objects.select_related("author", "category", "created_by").order_by("-updated_at")
    waiting = articles.filter(status=Status.IN_REVIEW)
    waiting = waiting.none() if role == WRITER else waiting.filter(Q(reviewer=user) | Q(reviewer=None))
    week_ahead = timezone.now() + timedelta(days=7)
    return [
        ("自分の下書き", articles.filter(created_by=user, status=Status.DRAFT)[:DASHBOARD_ROWS]),
        ("レビュー待ち（自分の担当・未割り当て）", waiting[:DASHBOARD_ROWS]),
        ("差し戻された自分の記事", articles.filter(created_by=user, status=Status.CHANGES_REQUESTED)[:DASHBOARD_ROWS]),
        (
            "7日以内の予約公開",
            articles.upcoming().filter(published_at__lte=week_ahead).order_by("published_at")[:DASHBOARD_ROWS],
        ),
        ("最近公開した記事", articles.published().order_by("-published_at")[:DASHBOARD_ROWS]),
    ]
