"""The desk's day on the admin index: what each editor has to do next, the first thing each role sees.

A ライター sees what came back to them and why first, then their drafts and what is in review; an 編集者 or
編集長 sees the reviews waiting, with who submitted each, when, and the note they left; the 編集長 then sees the
approved articles that wait for a publication time, a step only they may take.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Prefetch, Q
from django.utils import timezone

from articles.desk.roles import EDITOR_IN_CHIEF, WRITER, role_of
from articles.models import Article, WorkflowEvent

Status = Article.Status
DASHBOARD_ROWS = 10


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    articles: list
    empty: str = "ありません"


def _with_last(articles, action, attribute):
    """Each article gets `attribute`: its latest workflow event of `action` (who, when, the comment), or None."""
    events = WorkflowEvent.objects.filter(action=action).select_related("actor")
    articles = list(articles.prefetch_related(Prefetch("workflow_events", queryset=events, to_attr="_events")))
    for article in articles:
        setattr(article, attribute, article._events[0] if article._events else None)
    return articles


def dashboard_sections(user):
    """The sections of the desk's dashboard for `user`, most urgent first; None for a user outside the desk."""
    role = role_of(user)
    if role is None:
        return None
    articles = Article.objects.select_related("author", "category", "created_by").order_by("-updated_at")
    mine = articles.filter(created_by=user)
    sent_back = Section(
        "sent-back",
        "差し戻された自分の記事",
        _with_last(mine.filter(status=Status.CHANGES_REQUESTED)[:DASHBOARD_ROWS], "request_changes", "send_back"),
    )
    drafts = Section("drafts", "自分の下書き", list(mine.filter(status=Status.DRAFT)[:DASHBOARD_ROWS]))
    week_ahead = timezone.now() + timedelta(days=7)
    scheduled = Section(
        "scheduled",
        "7日以内の予約公開",
        list(articles.upcoming().filter(published_at__lte=week_ahead).order_by("published_at")[:DASHBOARD_ROWS]),
    )
    published = Section(
        "published", "最近公開した記事", list(articles.published().order_by("-published_at")[:DASHBOARD_ROWS])
    )
    in_review = articles.filter(status=Status.IN_REVIEW)
    if role == WRITER:
        waiting = Section(
            "my-reviews",
            "レビュー中の自分の記事",
            _with_last(in_review.filter(created_by=user)[:DASHBOARD_ROWS], "submit", "submission"),
        )
        return [sent_back, drafts, waiting, scheduled, published]
    waiting = Section(
        "reviews",
        "レビュー待ち（自分の担当・未割り当て）",
        _with_last(
            in_review.filter(Q(reviewer=user) | Q(reviewer=None)).order_by("updated_at")[:DASHBOARD_ROWS],
            "submit",
            "submission",
        ),
    )
    if role == EDITOR_IN_CHIEF:
        approved = Section(
            "approved",
            "承認済み（公開日時の決定待ち）",
            _with_last(articles.filter(status=Status.APPROVED)[:DASHBOARD_ROWS], "approve", "approval"),
        )
        return [waiting, approved, sent_back, drafts, scheduled, published]
    return [waiting, sent_back, drafts, scheduled, published]
