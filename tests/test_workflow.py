from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from articles.desk import permissions, roles, workflow
from articles.desk.workflow import WorkflowError
from articles.models import Article, ArticleRedirect, WorkflowEvent
from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db
Status = Article.Status
WRITER, EDITOR, CHIEF = roles.WRITER, roles.EDITOR, roles.EDITOR_IN_CHIEF


def article_in(status, owner=None, **fields):
    fields.setdefault("published_at", timezone.now() - timedelta(hours=1) if status in Article.LIVE_STATUSES else None)
    return make_article(status=status, created_by=owner, **fields)


# (step, from status, role, own article?) -> allowed. Everything not listed is refused.
ALLOWED = {
    ("submit", Status.DRAFT, WRITER, True),
    ("submit", Status.CHANGES_REQUESTED, WRITER, True),
    *{("submit", s, r, o) for s in (Status.DRAFT, Status.CHANGES_REQUESTED) for r in (EDITOR, CHIEF) for o in (1, 0)},
    *{("request_changes", Status.IN_REVIEW, r, o) for r in (EDITOR, CHIEF) for o in (1, 0)},
    *{("approve", Status.IN_REVIEW, r, o) for r in (EDITOR, CHIEF) for o in (1, 0)},
    *{("schedule", s, CHIEF, o) for s in (Status.APPROVED, Status.SCHEDULED) for o in (1, 0)},
    *{("publish", s, CHIEF, o) for s in (Status.APPROVED, Status.SCHEDULED, Status.UNPUBLISHED) for o in (1, 0)},
    *{("unpublish", s, CHIEF, o) for s in (Status.PUBLISHED, Status.SCHEDULED) for o in (1, 0)},
    *{("reopen", s, r, o) for s in (Status.APPROVED, Status.UNPUBLISHED) for r in (EDITOR, CHIEF) for o in (1, 0)},
}
STEPS = ["submit", "request_changes", "approve", "schedule", "publish", "unpublish", "reopen"]
MATRIX = [(step, status, role, own) for step in STEPS for status in Status for role in (WRITER, EDITOR, CHIEF)
          for own in (True, False)]  # fmt: skip


@pytest.mark.parametrize(("step", "status", "role", "own"), MATRIX)
def test_permission_and_state_matrix(desk, step, status, role, own):
    """Every role × step × state × (own / someone else's article) is allowed exactly as the README says."""
    user = desk[role]
    article = article_in(status, owner=user if own else make_user(WRITER))
    expected = (step, status, role, own) in ALLOWED or (step, status, role, int(own)) in ALLOWED
    when = timezone.now() + timedelta(days=1)

    if expected:
        result = workflow.perform(step, article, user, comment="理由", when=when)
        assert result.status == permissions.TRANSITIONS[step].target
        event = WorkflowEvent.objects.get(article=article)
        assert (event.actor, event.from_status, event.to_status) == (user, status, result.status)
    else:
        with pytest.raises(WorkflowError) as refusal:
            workflow.perform(step, article, user, comment="理由", when=when)
        assert str(refusal.value)  # a reason, in words
        assert Article.objects.get(pk=article.pk).status == status
        assert not WorkflowEvent.objects.filter(article=article).exists()


def test_a_writer_cannot_publish_even_with_a_crafted_call(desk):
    article = article_in(Status.APPROVED, owner=desk[WRITER])

    with pytest.raises(WorkflowError, match="編集長だけ"):
        workflow.perform("publish", article, desk[WRITER])

    assert not Article.objects.published().exists()


def test_sending_back_needs_a_reason(desk):
    article = article_in(Status.IN_REVIEW)

    with pytest.raises(WorkflowError, match="理由のコメントが必要"):
        workflow.perform("request_changes", article, desk[EDITOR], comment="  ")

    workflow.perform("request_changes", article, desk[EDITOR], comment="数字の出典を追記してください")
    assert WorkflowEvent.objects.get().comment == "数字の出典を追記してください"


def test_scheduling_needs_a_future_time(desk):
    article = article_in(Status.APPROVED)

    with pytest.raises(WorkflowError, match="未来の日時"):
        workflow.perform("schedule", article, desk[CHIEF], when=timezone.now() - timedelta(minutes=1))
    with pytest.raises(WorkflowError, match="日時を指定"):
        workflow.perform("schedule", article, desk[CHIEF])


def test_scheduled_article_appears_at_its_time_with_no_process_running(desk):
    publish_at = timezone.now() + timedelta(hours=2)
    article = workflow.perform("schedule", article_in(Status.APPROVED), desk[CHIEF], when=publish_at)

    assert not Article.objects.published().filter(pk=article.pk).exists()
    with time_machine.travel(publish_at + timedelta(seconds=1)):
        assert Article.objects.published().filter(pk=article.pk).exists()
        assert Article.objects.get(pk=article.pk).is_published()


def test_publish_due_records_due_articles_once(desk):
    publish_at = timezone.now() + timedelta(minutes=5)
    article = workflow.perform("schedule", article_in(Status.APPROVED), desk[CHIEF], when=publish_at)
    later = article_in(Status.APPROVED)
    workflow.perform("schedule", later, desk[CHIEF], when=publish_at + timedelta(days=1))

    assert workflow.publish_due() == []
    with time_machine.travel(publish_at + timedelta(minutes=1)):
        assert [a.pk for a in workflow.publish_due()] == [article.pk]
        assert workflow.publish_due() == []  # idempotent

    assert Article.objects.get(pk=article.pk).status == Status.PUBLISHED
    assert Article.objects.get(pk=later.pk).status == Status.SCHEDULED
    assert WorkflowEvent.objects.filter(action="publish_due").count() == 1


def test_publish_sets_the_publication_time_now(desk):
    article = workflow.perform("publish", article_in(Status.APPROVED), desk[CHIEF])

    assert abs(article.published_at - timezone.now()) < timedelta(seconds=5)
    assert article.is_published()


@pytest.mark.parametrize(
    ("role", "status", "own", "allowed"),
    [
        (WRITER, Status.DRAFT, True, True),
        (WRITER, Status.CHANGES_REQUESTED, True, True),
        (WRITER, Status.IN_REVIEW, True, False),
        (WRITER, Status.PUBLISHED, True, False),
        (WRITER, Status.DRAFT, False, False),
        (EDITOR, Status.DRAFT, False, True),
        (EDITOR, Status.IN_REVIEW, False, True),
        (EDITOR, Status.APPROVED, False, True),
        (EDITOR, Status.PUBLISHED, False, False),
        (EDITOR, Status.SCHEDULED, False, False),
        (CHIEF, Status.PUBLISHED, False, True),
        (CHIEF, Status.UNPUBLISHED, False, True),
    ],
)
def test_who_may_edit(desk, role, status, own, allowed):
    article = article_in(status, owner=desk[role] if own else make_user(WRITER))

    assert permissions.can_edit(desk[role], article) is allowed
    assert (permissions.edit_refusal(desk[role], article) is None) is allowed


def test_users_without_a_role_may_do_nothing():
    outsider = make_user(None)
    article = article_in(Status.DRAFT, owner=outsider)

    assert not permissions.can_edit(outsider, article)
    assert permissions.available_transitions(outsider, article) == []
    with pytest.raises(WorkflowError):
        workflow.add_comment(article, outsider, "こんにちは")


def test_edit_of_a_live_article_waits_for_publication(desk):
    article = article_in(Status.PUBLISHED, title="公開中のタイトル", body="公開中の本文", tags=["AI"])
    content = workflow.snapshot(article)
    content.update(
        title="直したタイトル", body="直した本文", correction_note="数値を訂正しました。", tags=["AI", "訂正"]
    )

    workflow.stage_live_edit(article, desk[CHIEF], content)

    live = Article.objects.get(pk=article.pk)
    assert live.title == "公開中のタイトル" and live.body == "公開中の本文"
    assert live.pending_revision is not None

    workflow.perform("publish_changes", live, desk[CHIEF])

    live = Article.objects.get(pk=article.pk)
    assert (live.title, live.body) == ("直したタイトル", "直した本文")
    assert sorted(live.tags.names()) == ["AI", "訂正"]
    assert live.pending_revision is None
    assert live.corrected_at is not None


def test_publishing_changes_needs_pending_changes(desk):
    with pytest.raises(WorkflowError, match="未公開の編集がありません"):
        workflow.perform("publish_changes", article_in(Status.PUBLISHED), desk[CHIEF])


def test_lost_update_is_refused(desk):
    article = article_in(Status.DRAFT, owner=desk[WRITER])
    first_copy_version = article.edit_version
    workflow.record_saved_edit(article, desk[EDITOR])

    with pytest.raises(WorkflowError, match="他の人が保存しました"):
        workflow.check_edit_version(article, first_copy_version)
    workflow.check_edit_version(article, first_copy_version + 1)


def test_every_save_stores_a_revision_and_restore_creates_a_new_one(desk):
    article = article_in(Status.DRAFT, owner=desk[WRITER], title="最初")
    first = workflow.record_saved_edit(article, desk[WRITER])
    article.title = "二番目"
    article.save()
    workflow.record_saved_edit(article, desk[WRITER])

    restored = workflow.restore_revision(article, first, desk[WRITER])

    assert Article.objects.get(pk=article.pk).title == "最初"
    assert restored.pk not in (first.pk,)
    assert article.revisions.count() == 3
    assert restored.note == f"版 #{first.pk} から復元"


def test_slug_change_leaves_a_redirect(client, desk):
    article = article_in(Status.PUBLISHED, title="旧タイトル")
    old_url = article.get_absolute_url()
    content = workflow.snapshot(article)
    content["slug"] = "新しいスラッグ"
    workflow.stage_live_edit(article, desk[CHIEF], content)
    workflow.perform("publish_changes", Article.objects.get(pk=article.pk), desk[CHIEF])

    assert ArticleRedirect.objects.filter(article=article).exists()
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == "/articles/%E6%96%B0%E3%81%97%E3%81%84%E3%82%B9%E3%83%A9%E3%83%83%E3%82%B0/"


def test_reviewer_must_be_an_editor_or_chief(desk):
    article = article_in(Status.IN_REVIEW)

    with pytest.raises(WorkflowError):
        workflow.assign_reviewer(article, desk[WRITER], desk[EDITOR])
    with pytest.raises(WorkflowError):
        workflow.assign_reviewer(article, desk[EDITOR], desk[WRITER])
    workflow.assign_reviewer(article, desk[EDITOR], desk[CHIEF])
    assert Article.objects.get(pk=article.pk).reviewer == desk[CHIEF]


def test_publish_due_command_reports_and_is_idempotent(desk):
    from io import StringIO

    from django.core.management import call_command

    publish_at = timezone.now() + timedelta(minutes=1)
    workflow.perform("schedule", article_in(Status.APPROVED, title="予約記事"), desk[CHIEF], when=publish_at)

    with time_machine.travel(publish_at + timedelta(seconds=30)):
        first, second = StringIO(), StringIO()
        call_command("publish_due", stdout=first)
        call_command("publish_due", stdout=second)

    assert "公開: 予約記事" in first.getvalue() and "1 件" in first.getvalue()
    assert "0 件" in second.getvalue()


def test_publishing_through_the_workflow_makes_the_article_searchable(desk, django_capture_on_commit_callbacks):
    from articles.search_index import ArticleSearchIndex

    article = article_in(Status.APPROVED, title="検索できるようになる記事")

    with django_capture_on_commit_callbacks(execute=True):
        workflow.perform("publish", article, desk[CHIEF])

    assert ArticleSearchIndex.objects.filter(article=article).exists()


def test_publishing_a_scheduled_article_already_live_keeps_its_date(desk):
    when = timezone.now() + timedelta(minutes=5)
    article = workflow.perform("schedule", article_in(Status.APPROVED), desk[CHIEF], when=when)

    with time_machine.travel(when + timedelta(hours=1)):
        published = workflow.perform("publish", article, desk[CHIEF])

    assert published.published_at == when


@pytest.mark.parametrize("step", ["submit", "approve", "publish", "unpublish", "schedule"])
def test_every_step_moves_the_edit_version(desk, step):
    """A form loaded before a step is stale after it, so its save cannot write the old state back."""
    status = {"submit": Status.DRAFT, "approve": Status.IN_REVIEW, "unpublish": Status.PUBLISHED}.get(
        step, Status.APPROVED
    )
    article = article_in(status, owner=desk[CHIEF])
    loaded = article.edit_version

    workflow.perform(step, article, desk[CHIEF], comment="理由", when=timezone.now() + timedelta(days=1))

    with pytest.raises(WorkflowError, match="他の人が保存しました"):
        workflow.check_edit_version(article, loaded)


def test_publish_due_and_assigning_a_reviewer_move_the_edit_version(desk):
    article = article_in(Status.SCHEDULED, published_at=timezone.now() - timedelta(minutes=1))
    loaded = article.edit_version
    workflow.publish_due()
    assert Article.objects.get(pk=article.pk).edit_version == loaded + 1
    workflow.assign_reviewer(article, desk[EDITOR], desk[CHIEF])
    assert Article.objects.get(pk=article.pk).edit_version == loaded + 2


def test_a_renamed_drafts_changes_never_re_point_another_articles_redirect(desk):
    """Even outside the admin (a script), renaming a draft through a published article's old slug and on
    again leaves the old URL with the published article."""
    published = article_in(Status.PUBLISHED, slug="old-name")
    published = Article.objects.get(pk=published.pk)
    published.slug = "new-name"
    published.save()
    draft = Article.objects.get(pk=article_in(Status.DRAFT, owner=desk[WRITER], slug="draft").pk)

    draft.slug = "old-name"
    draft.save()
    draft.slug = "elsewhere"
    draft.save()

    assert ArticleRedirect.objects.get(old_path="/articles/old-name/").article == published
