from datetime import timedelta

from django import template
from django.db.models import Q
from django.utils import timezone

from articles.desk import workflow
from articles.models import Article

register = template.Library()
DASHBOARD_ROWS = 10


@register.inclusion_tag("admin/articles/_dashboard.html")
def editorial_dashboard(user):
    """The desk's day: my drafts, reviews waiting for me, sent back to me, scheduled soon, just published."""
    if workflow.role_of(user) is None:
        return {"show": False}
    Status = Article.Status
    now = timezone.now()
    articles = Article.objects.select_related("author", "category", "created_by").order_by("-updated_at")
    waiting = articles.filter(status=Status.IN_REVIEW)
    if workflow.role_of(user) == workflow.WRITER:
        waiting = waiting.none()
    else:
        waiting = waiting.filter(Q(reviewer=user) | Q(reviewer=None))
    return {
        "show": True,
        "sections": [
            ("自分の下書き", articles.filter(created_by=user, status=Status.DRAFT)[:DASHBOARD_ROWS]),
            ("レビュー待ち（自分の担当・未割り当て）", waiting[:DASHBOARD_ROWS]),
            (
                "差し戻された自分の記事",
                articles.filter(created_by=user, status=Status.CHANGES_REQUESTED)[:DASHBOARD_ROWS],
            ),
            (
                "7日以内の予約公開",
                articles.filter(
                    status=Status.SCHEDULED, published_at__gt=now, published_at__lte=now + timedelta(days=7)
                ).order_by("published_at")[:DASHBOARD_ROWS],
            ),
            ("最近公開した記事", articles.published().order_by("-published_at")[:DASHBOARD_ROWS]),
        ],
    }
