"""The desk's multi-step actions: editorial steps, saves and revisions, comments, reviewers.

The admin, management commands and tests all call these functions. Who may do what is decided in
desk/permissions.py; every refusal raises WorkflowError with a reason an editor can read.
"""

from django.db import models, transaction
from django.utils import timezone

from articles.desk.permissions import TRANSITIONS, can_assign_reviewer, can_comment, edit_refusal, transition_refusal
from articles.desk.preview import revoke_preview_links
from articles.desk.revisions import apply_content, snapshot, store_pending_files
from articles.desk.roles import EDITOR, EDITOR_IN_CHIEF, role_of
from articles.models import Article, ArticleRedirect, ArticleRevision, EditorialComment, WorkflowEvent
from articles.side_effects import after_own_pages_change, after_visibility_change

Status = Article.Status


class WorkflowError(Exception):
    """A refused editorial step; str() is the reason, in Japanese."""


def step_label(action):
    """The words for a recorded step, as the desk saw its button."""
    if action == "publish_due":
        return "予約時刻に公開"
    transition = TRANSITIONS.get(action)
    return transition.label if transition else action


# --- steps -------------------------------------------------------------------------------------


def perform(name, article, user, *, comment="", when=None):
    """Take editorial step `name`, record it, and run its side effects after commit."""
    comment = (comment or "").strip()
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        reason = transition_refusal(user, article, name)
        transition = TRANSITIONS.get(name)
        if reason is None and transition.needs_comment and not comment:
            reason = f"「{transition.label}」には理由のコメントが必要です。"
        if reason is None and name == "schedule":
            reason = _schedule_refusal(when)
        if reason:
            raise WorkflowError(reason)
        from_status = article.status
        article.edit_version += 1  # a form loaded before this step can no longer save over it
        was_live = article.is_published()
        listed_before = article.listing_state() if was_live else None
        _apply_step(name, article, user, when)
        WorkflowEvent.objects.create(
            article=article,
            actor=user,
            action=name,
            from_status=from_status,
            to_status=article.status,
            comment=comment,
        )
        if was_live and article.is_published() and article.listing_state() == listed_before:
            transaction.on_commit(lambda: after_own_pages_change(article))
        elif was_live or article.is_published() or name in {"schedule", "unpublish"}:
            transaction.on_commit(lambda: after_visibility_change(article))
    return article


def _schedule_refusal(when):
    if when is None:
        return "予約公開の日時を指定してください。"
    if when <= timezone.now():
        return "予約公開の日時は未来の日時にしてください。"
    return None


def _apply_step(name, article, user, when):
    if name == "publish_changes":
        _publish_pending_revision(article, user)
        return
    if name == "unpublish":
        # Once readers no longer see it, the pending edit is simply the article's text (nothing is lost), and
        # no share-preview link keeps showing what the desk withdrew.
        _fold_pending_revision(article)
        revoke_preview_links(article)
    article.status = TRANSITIONS[name].target
    if name == "schedule":
        article.published_at = when
    elif name == "publish" and not article.is_published():
        article.published_at = timezone.now()  # a scheduled article already live keeps its date
    article.save()


def _publish_pending_revision(article, user):
    old_correction = article.correction_note
    _fold_pending_revision(article)
    if article.correction_note.strip() and article.correction_note != old_correction:
        article.corrected_at = timezone.now()
    article.save()


def _fold_pending_revision(article):
    """Make the pending edit the article's own content (saved; relations set)."""
    revision = article.pending_revision
    if revision is None:
        return
    tags = apply_content(article, revision.content)
    article.pending_revision = None
    article.save()
    article.secondary_categories.set(revision.content.get("secondary_category_ids", []))
    article.tags.set(tags)


def publish_due(now=None):
    """Scheduled articles whose time has come become 公開中; returns them. Safe to run every minute:
    readers already see them (published() checks the time), this only records it and runs side effects."""
    now = now or timezone.now()
    due = []
    for article in Article.objects.filter(status=Status.SCHEDULED, published_at__lte=now):
        with transaction.atomic():
            updated = Article.objects.filter(pk=article.pk, status=Status.SCHEDULED).update(
                status=Status.PUBLISHED, edit_version=models.F("edit_version") + 1
            )
            if not updated:
                continue  # someone else (another cron run) took it
            WorkflowEvent.objects.create(
                article=article, actor=None, action="publish_due", from_status=Status.SCHEDULED,
                to_status=Status.PUBLISHED, comment="予約時刻になりました",
            )  # fmt: skip
            article.status = Status.PUBLISHED
            transaction.on_commit(lambda article=article: after_visibility_change(article))
        due.append(article)
    return due


# --- editing -----------------------------------------------------------------------------------


def check_edit_version(article, submitted_version):
    """Refuse a save based on an older copy than the one stored (no silent overwrite).

    The row stays locked until the caller's transaction ends (the admin saves in one), so two saves
    loaded from the same version cannot both pass: the second waits, then sees the new version."""
    with transaction.atomic():
        current = (
            Article.objects.select_for_update().filter(pk=article.pk).values_list("edit_version", flat=True).first()
        )
        if current is not None and submitted_version != current:
            raise WorkflowError(
                "この記事は、あなたが編集を始めた後に他の人が保存しました。上書きを防ぐため保存しませんでした。"
                "下の入力内容をコピーしてから記事を開き直し、最新の内容に反映してください。"
            )


def record_saved_edit(article, user, *, content=None, note=""):
    """After a save by `user`: store a revision and move the edit version on.

    A live article keeps what readers see: the edit becomes its pending revision, published later
    by 編集長 with "publish_changes". Any other article's row already holds the edit.
    """
    with transaction.atomic():
        if content is None:
            content = snapshot(article)
        revision = ArticleRevision.objects.create(article=article, created_by=user, content=content, note=note)
        changes = {"edit_version": models.F("edit_version") + 1}
        if article.is_released():
            # An edit that brings back the live text leaves nothing to publish, not an older pending edit.
            differs = content != snapshot(Article.objects.get(pk=article.pk))
            changes["pending_revision"] = revision if differs else None
        Article.objects.filter(pk=article.pk).update(**changes)
        article.edit_version = Article.objects.values_list("edit_version", flat=True).get(pk=article.pk)
        if "pending_revision" in changes:
            article.pending_revision = changes["pending_revision"]
    return revision


def stage_live_edit(article, user, content):
    """Store an edit of a live article without touching the live row; its files are saved now."""
    store_pending_files(article)
    return record_saved_edit(article, user, content=content, note="未公開の編集")


def restore_revision(article, revision, user):
    """Bring back an old revision as a new one (live articles: as a pending edit)."""
    if revision.article_id != article.pk:
        raise WorkflowError("この記事の版ではありません。")
    reason = edit_refusal(user, article)
    if reason:
        raise WorkflowError(reason)
    note = f"版 #{revision.pk} から復元"
    if article.is_released():
        return record_saved_edit(article, user, content=revision.content, note=note)
    with transaction.atomic():
        tags = apply_content(article, revision.content)
        article.save()
        article.secondary_categories.set(revision.content.get("secondary_category_ids", []))
        article.tags.set(tags)
        return record_saved_edit(article, user, note=note)


def add_comment(article, user, body):
    body = (body or "").strip()
    if not can_comment(user, article):
        raise WorkflowError("コメントできるのは編集部のアカウントだけです。")
    if not body:
        raise WorkflowError("コメントが空です。")
    return EditorialComment.objects.create(article=article, author=user, body=body)


def assign_reviewer(article, user, reviewer):
    if not can_assign_reviewer(user):
        raise WorkflowError("レビュー担当を決められるのは編集者と編集長だけです。")
    if reviewer is not None and role_of(reviewer) not in {EDITOR, EDITOR_IN_CHIEF}:
        raise WorkflowError("レビュー担当には編集者か編集長を選んでください。")
    Article.objects.filter(pk=article.pk).update(reviewer=reviewer, edit_version=models.F("edit_version") + 1)
    article.reviewer = reviewer
    return article


# Fields of a live article that take effect when saved instead of waiting with the pending edit: where it is
# placed and who reviews it, and old URLs that should lead to it. None is text that readers would see.
APPLIED_AT_ONCE_ON_LIVE = ("is_featured", "reviewer", "permalink")


def apply_live_settings(article, user, changes):
    """Apply `changes` (a subset of APPLIED_AT_ONCE_ON_LIVE) to a live article now; returns the labels of
    what changed. A new featured slot refreshes cached pages after commit; a permalink starts redirecting."""
    changes = {field: value for field, value in changes.items() if field in APPLIED_AT_ONCE_ON_LIVE}
    if not changes:
        return []
    Article.objects.filter(pk=article.pk).update(**changes)
    for field, value in changes.items():
        setattr(article, field, value)
    if changes.get("permalink"):
        ArticleRedirect.objects.remember(article, changes["permalink"])
    if "is_featured" in changes:
        transaction.on_commit(lambda: after_visibility_change(article))
    return [str(Article._meta.get_field(field).verbose_name) for field in changes]
