"""Editorial rules: who may do what to an article, and the multi-step actions themselves.

The admin, management commands and tests all call these functions; the admin only decides which
buttons to show. Every refusal raises WorkflowError with a reason an editor can read.
"""

from dataclasses import dataclass
from urllib.parse import unquote

from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from articles.desk import roles
from articles.desk.revisions import apply_content, snapshot, store_pending_files
from articles.models import Article, ArticleRedirect, ArticleRevision, EditorialComment, WorkflowEvent
from articles.side_effects import after_own_pages_change, after_visibility_change

Status = Article.Status
WRITER, EDITOR, CHIEF = roles.WRITER, roles.EDITOR, roles.EDITOR_IN_CHIEF


class WorkflowError(Exception):
    """A refused editorial step; str() is the reason, in Japanese."""


@dataclass(frozen=True)
class Transition:
    label: str
    sources: frozenset
    target: str
    roles: frozenset
    needs_comment: bool = False


TRANSITIONS = {
    "submit": Transition("レビューに出す", frozenset({Status.DRAFT, Status.CHANGES_REQUESTED}), Status.IN_REVIEW,
                         frozenset({WRITER, EDITOR, CHIEF})),
    "request_changes": Transition("差し戻す", frozenset({Status.IN_REVIEW}), Status.CHANGES_REQUESTED,
                                  frozenset({EDITOR, CHIEF}), needs_comment=True),
    "approve": Transition("承認する", frozenset({Status.IN_REVIEW}), Status.APPROVED, frozenset({EDITOR, CHIEF})),
    "schedule": Transition("予約公開する", frozenset({Status.APPROVED, Status.SCHEDULED}), Status.SCHEDULED,
                           frozenset({CHIEF})),
    "publish": Transition("今すぐ公開する", frozenset({Status.APPROVED, Status.SCHEDULED, Status.UNPUBLISHED}),
                          Status.PUBLISHED, frozenset({CHIEF})),
    "publish_changes": Transition("編集内容を公開する", frozenset({Status.PUBLISHED, Status.SCHEDULED}),
                                  Status.PUBLISHED, frozenset({CHIEF})),
    "unpublish": Transition("非公開にする", frozenset({Status.PUBLISHED, Status.SCHEDULED}), Status.UNPUBLISHED,
                            frozenset({CHIEF}), needs_comment=True),
    "reopen": Transition("下書きに戻す", frozenset({Status.APPROVED, Status.UNPUBLISHED}), Status.DRAFT,
                         frozenset({EDITOR, CHIEF})),
}  # fmt: skip


def step_label(action):
    """The words for a recorded step, as the desk saw its button."""
    if action == "publish_due":
        return "予約時刻に公開"
    transition = TRANSITIONS.get(action)
    return transition.label if transition else action


def role_of(user):
    """The user's editorial role; superusers act as 編集長. None for anyone else."""
    if not user or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return CHIEF
    names = {group.name for group in user.groups.all()}
    return next((role for role in (CHIEF, EDITOR, WRITER) if role in names), None)


def is_owner(user, article):
    return article.created_by_id is not None and article.created_by_id == user.pk


# --- what a user may do ------------------------------------------------------------------------


def edit_refusal(user, article):
    """Why `user` may not edit `article`, or None when they may."""
    role = role_of(user)
    if role is None:
        return "編集部のアカウントではありません。"
    if role == WRITER:
        if article.pk and not is_owner(user, article):
            return "ライターは自分の記事だけを編集できます。"
        if article.status not in {Status.DRAFT, Status.CHANGES_REQUESTED}:
            return f"ライターは「{Status.DRAFT.label}」か「{Status.CHANGES_REQUESTED.label}」の記事だけを編集できます。"
    if role == EDITOR and article.status in Article.LIVE_STATUSES:
        return "公開中・予約公開中の記事の編集は編集長が行います。"
    return None


def can_edit(user, article):
    return edit_refusal(user, article) is None


def can_comment(user, article):
    return role_of(user) is not None


def can_assign_reviewer(user):
    return role_of(user) in {EDITOR, CHIEF}


def transition_refusal(user, article, name):
    """Why `user` may not take step `name` on `article` now, or None when they may."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        return "その操作はありません。"
    role = role_of(user)
    if role not in transition.roles:
        allowed = "・".join(sorted(transition.roles))
        return f"「{transition.label}」は{allowed}だけが行えます。"
    if role == WRITER and not is_owner(user, article):
        return "ライターは自分の記事だけをレビューに出せます。"
    if article.status not in transition.sources:
        return f"「{article.get_status_display()}」の記事は「{transition.label}」ことができません。"
    if name == "publish_changes" and article.pending_revision_id is None:
        return "公開する未公開の編集がありません。"
    return None


def available_transitions(user, article):
    return [(name, TRANSITIONS[name]) for name in TRANSITIONS if transition_refusal(user, article, name) is None]


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
    article.status = TRANSITIONS[name].target
    if name == "schedule":
        article.published_at = when
    elif name == "publish" and not article.is_published():
        article.published_at = timezone.now()  # a scheduled article already live keeps its date
    article.save()


def _publish_pending_revision(article, user):
    revision = article.pending_revision
    old_slug, old_correction = article.slug, article.correction_note
    tags = apply_content(article, revision.content)
    if article.correction_note.strip() and article.correction_note != old_correction:
        article.corrected_at = timezone.now()
    article.pending_revision = None
    article.save()
    article.secondary_categories.set(revision.content.get("secondary_category_ids", []))
    article.tags.set(tags)
    remember_old_slug(article, old_slug)


def publish_due(now=None):
    """Scheduled articles whose time has come become 公開中; returns them. Safe to run every minute:
    readers already see them (published() checks the time), this only records it and runs side effects."""
    now = now or timezone.now()
    due = []
    for article in Article.objects.filter(status=Status.SCHEDULED, published_at__lte=now):
        with transaction.atomic():
            updated = Article.objects.filter(pk=article.pk, status=Status.SCHEDULED).update(status=Status.PUBLISHED)
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
        if article.status in Article.LIVE_STATUSES and content != snapshot(Article.objects.get(pk=article.pk)):
            changes["pending_revision"] = revision
        Article.objects.filter(pk=article.pk).update(**changes)
        article.edit_version = Article.objects.values_list("edit_version", flat=True).get(pk=article.pk)
        if "pending_revision" in changes:
            article.pending_revision = revision
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
    if article.status in Article.LIVE_STATUSES:
        return record_saved_edit(article, user, content=revision.content, note=note)
    with transaction.atomic():
        old_slug = article.slug
        tags = apply_content(article, revision.content)
        article.save()
        article.secondary_categories.set(revision.content.get("secondary_category_ids", []))
        article.tags.set(tags)
        remember_old_slug(article, old_slug)
        return record_saved_edit(article, user, note=note)


def remember_old_slug(article, old_slug):
    """Keep the old URL answering with a 301 once the slug changes."""
    if old_slug and old_slug != article.slug:
        remember_old_path(article, reverse("articles:detail", kwargs={"slug": old_slug}))


def remember_old_path(article, old_path):
    """Answer `old_path` (a former URL or the archive's permalink) with a 301 to the article."""
    old_path = unquote(old_path)
    if old_path and old_path != unquote(article.get_absolute_url()):
        ArticleRedirect.objects.update_or_create(old_path=old_path, defaults={"article": article})
    ArticleRedirect.objects.filter(old_path=unquote(article.get_absolute_url())).delete()


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
    if reviewer is not None and role_of(reviewer) not in {EDITOR, CHIEF}:
        raise WorkflowError("レビュー担当には編集者か編集長を選んでください。")
    Article.objects.filter(pk=article.pk).update(reviewer=reviewer)
    article.reviewer = reviewer
    return article
