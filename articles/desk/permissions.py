"""Every "may this user …" decision of the desk, in one place.

The admin, the desk's own views, the upload endpoint, commands and tests ask these functions; the admin only
decides which buttons to show from them, and every request is checked again here, whatever the page showed.
A `*_refusal()` returns the reason an editor reads, or None when the user may.
"""

from dataclasses import dataclass

from articles.desk.roles import EDITOR, EDITOR_IN_CHIEF, WRITER, role_of
from articles.models import Article

Status = Article.Status
CHIEF = EDITOR_IN_CHIEF


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


def is_owner(user, article):
    return article.created_by_id is not None and article.created_by_id == user.pk


def is_desk_member(user):
    return role_of(user) is not None


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
    if role == EDITOR and article.is_released():
        return "公開中・予約公開中の記事の編集は編集長が行います。"
    return None


def can_edit(user, article):
    return edit_refusal(user, article) is None


def autosave_refusal(user, article):
    """Why `user` may not keep an autosave of `article` (None: a new, never-saved article), or None when they
    may: whoever may edit it, or, for a new article, whoever may write one."""
    if article is None:
        if not is_desk_member(user) or not user.has_perm("articles.add_article"):
            return "記事を書けるのは編集部のアカウントだけです。"
        return None
    return edit_refusal(user, article)


def bulk_step_allowed(user, name):
    """Offer a bulk step in the article list only to a role that may take it at all (each article's own
    rules are still checked one by one when it runs)."""
    return role_of(user) in TRANSITIONS[name].roles


def can_delete(user, article):
    """Beyond the Django permission (編集長): an article readers can see is unpublished first, never deleted."""
    return not article.is_published()


def can_edit_front_page_fields(user):
    """The featured slot, the correction note and the archive permalink are 編集長's."""
    return role_of(user) == CHIEF


def can_comment(user, article):
    return is_desk_member(user)


def can_assign_reviewer(user):
    return role_of(user) in {EDITOR, CHIEF}


def can_create_articles(user):
    """The dashboard's 新規記事 button and the add form: every desk role writes articles."""
    return user.has_perm("articles.add_article")


def can_upload_images(user):
    """The Markdown editor's image upload: anyone who may write or edit articles."""
    return user.has_perm("articles.add_article") or user.has_perm("articles.change_article")


def can_share_preview(user, article):
    """Create or revoke an article's share-preview links: its owner, 編集者 and 編集長. A public link to
    someone else's draft is not a ライター's to hand out."""
    role = role_of(user)
    return role in {EDITOR, CHIEF} or (role == WRITER and is_owner(user, article))


def can_manage_tags(user):
    """Renaming or deleting a tag changes every page that shows it at once: 編集長 only. Anyone writing may
    still add tags to an article."""
    return role_of(user) == CHIEF


def can_manage_series(user):
    """Creating, numbering and deleting 連載: 編集者 and 編集長, who plan what runs; a ライター writes the parts."""
    return role_of(user) in {EDITOR, CHIEF}


def can_manage_synonyms(user):
    """The 同義語辞書 changes what every search finds: 編集長 only, to see and to change."""
    return role_of(user) == CHIEF


def can_proofread(user):
    """The 校正 panel: anyone at the desk. Its findings are advice and never block a save."""
    return is_desk_member(user)


def can_edit_house_style(user):
    """The house-style dictionary (表記ゆれ辞書) sets the spelling for everyone: 編集長 keeps it; others read it."""
    return role_of(user) == CHIEF


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
