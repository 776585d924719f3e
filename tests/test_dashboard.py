"""The desk's dashboard (articles/desk/dashboard.py) on the admin index: the next thing to do for each role,
with who submitted a review, when and why, and why an article was sent back."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from articles.desk import roles, workflow
from articles.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db
Status = Article.Status
WRITER, EDITOR, CHIEF = roles.WRITER, roles.EDITOR, roles.EDITOR_IN_CHIEF


def when(event):
    return date_format(timezone.localtime(event.created_at), "DATETIME_FORMAT")


def section(html, heading):
    """The HTML from a section's heading to the next one."""
    start = html.index(heading)
    end = html.find("<h3", start)
    return html[start : end if end != -1 else None]


def test_an_editor_sees_each_review_with_submitter_time_and_note(client, desk):
    article = make_article(status=Status.DRAFT, published_at=None, created_by=desk[WRITER], title="半導体の行方")
    workflow.perform("submit", article, desk[WRITER], comment="図表の出典を確認してください")
    submitted = article.workflow_events.get(action="submit")
    client.force_login(desk[EDITOR])

    html = client.get(reverse("admin:index")).content.decode()

    reviews = section(html, "レビュー待ち")
    assert "半導体の行方" in reviews
    assert f"{desk[WRITER].username} さんが {when(submitted)} に提出：「図表の出典を確認してください」" in reviews
    assert html.index("レビュー待ち") < html.index("自分の下書き")  # an editor's first task comes first


def test_the_chief_sees_approved_articles_waiting_for_a_publication_time(client, desk):
    article = make_article(status=Status.DRAFT, published_at=None, created_by=desk[WRITER], title="承認された分析")
    workflow.perform("submit", article, desk[WRITER])
    workflow.perform("approve", article, desk[EDITOR])
    approved = article.workflow_events.get(action="approve")

    client.force_login(desk[CHIEF])
    chief_html = client.get(reverse("admin:index")).content.decode()
    client.force_login(desk[EDITOR])
    editor_html = client.get(reverse("admin:index")).content.decode()

    waiting = section(chief_html, "承認済み（公開日時の決定待ち）")
    assert "承認された分析" in waiting and f"{desk[EDITOR].username} さんが {when(approved)} に承認" in waiting
    assert chief_html.index("レビュー待ち") < chief_html.index("承認済み") < chief_html.index("自分の下書き")
    assert "承認済み（公開日時の決定待ち）" not in editor_html  # scheduling is the chief's step


def test_a_writer_sees_why_an_article_came_back_first(client, desk):
    article = make_article(status=Status.DRAFT, published_at=None, created_by=desk[WRITER], title="電池の現在")
    workflow.perform("submit", article, desk[WRITER])
    workflow.perform("request_changes", article, desk[EDITOR], comment="結論の根拠となる数字を足してください")
    sent_back = article.workflow_events.get(action="request_changes")
    make_article(status=Status.DRAFT, published_at=None, created_by=desk[WRITER], title="書きかけ")
    client.force_login(desk[WRITER])

    html = client.get(reverse("admin:index")).content.decode()

    came_back = section(html, "差し戻された自分の記事")
    assert "電池の現在" in came_back
    assert (
        f"差し戻し理由（{desk[EDITOR].username}、{when(sent_back)}）：結論の根拠となる数字を足してください" in came_back
    )
    assert html.index("差し戻された自分の記事") < html.index("自分の下書き") < html.index("レビュー中の自分の記事")
    assert "レビュー待ち（" not in html  # a writer reviews nothing


def test_a_writer_sees_their_article_in_review_with_its_submission_time(client, desk):
    article = make_article(status=Status.DRAFT, published_at=None, created_by=desk[WRITER], title="提出済み")
    workflow.perform("submit", article, desk[WRITER])
    client.force_login(desk[WRITER])

    html = client.get(reverse("admin:index")).content.decode()

    in_review = section(html, "レビュー中の自分の記事")
    assert "提出済み" in in_review and when(article.workflow_events.get()) in in_review


@pytest.mark.parametrize("role", [WRITER, EDITOR, CHIEF])
def test_every_role_has_a_new_article_button(client, desk, role):
    client.force_login(desk[role])

    html = client.get(reverse("admin:index")).content.decode()

    assert (
        f'<a class="button desk-dashboard__new" href="{reverse("admin:articles_article_add")}">新規記事を書く</a>'
        in html
    )


def test_the_dashboard_costs_a_fixed_number_of_queries(client, desk, django_assert_max_num_queries):
    for number in range(8):
        article = make_article(status=Status.DRAFT, published_at=None, created_by=desk[WRITER], title=f"記事{number}")
        workflow.perform("submit", article, desk[WRITER], comment=f"メモ{number}")
    make_article(status=Status.SCHEDULED, published_at=timezone.now() + timedelta(days=1))
    client.force_login(desk[EDITOR])

    with django_assert_max_num_queries(20):
        html = client.get(reverse("admin:index")).content.decode()

    assert html.count("さんが") == 8
