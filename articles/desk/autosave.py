"""Autosaves: what a person typed into an article's form and has not saved yet, one per person and article.

Kept apart from revisions (a revision is a save the desk agreed to keep; an autosave is a safety net that the
next save discards) and never read by reader pages. An autosave obeys the lost-update rule of saves: it is
refused once someone else has saved the article (or taken a step) after the form was loaded, so restoring
it can never silently undo their work.
"""

from django.db import transaction
from django.utils import timezone

from articles.desk.diff import compare_revisions
from articles.desk.permissions import autosave_refusal
from articles.desk.workflow import WorkflowError, check_edit_version
from articles.markdown import body_length_refusal
from articles.models import Autosave

# The form's text fields: what a person types. Choices (author, categories, tags) are quick to set again.
FIELDS = ("title", "slug", "body", "excerpt", "hero_image_alt", "correction_note")
# Every field but the body is short in the form; a bound keeps a crafted request from storing megabytes.
OTHER_FIELD_MAX_CHARACTERS = 5_000


class AutosaveRefused(WorkflowError):
    """status: the HTTP status the endpoint answers with (403 not allowed, 409 stale, 413 too large)."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


def content_of(article):
    """The autosaved fields of an article as its form shows it (None: an empty new-article form)."""
    return {field: (getattr(article, field) or "") if article else "" for field in FIELDS}


def store(user, article, loaded_version, data):
    """Keep `data` (the form's FIELDS) as `user`'s autosave of `article` (None: a never-saved article)."""
    refusal = autosave_refusal(user, article)
    if refusal:
        raise AutosaveRefused(refusal, 403)
    content = {field: str(data.get(field, "")) for field in FIELDS}
    too_long = body_length_refusal(content["body"])
    if too_long:
        raise AutosaveRefused(too_long, 413)
    for field in FIELDS:
        if field != "body" and len(content[field]) > OTHER_FIELD_MAX_CHARACTERS:
            limit = f"{OTHER_FIELD_MAX_CHARACTERS:,}"
            raise AutosaveRefused(f"入力が長すぎるため自動保存できません（本文以外は {limit} 文字まで）。", 413)
    with transaction.atomic():
        if article is not None:
            try:
                check_edit_version(article, loaded_version)  # holds the row lock until the autosave is written
            except WorkflowError as stale:
                raise AutosaveRefused(str(stale), 409) from None
        autosave, _ = Autosave.objects.update_or_create(
            user=user,
            article=article,
            defaults={"content": content, "base_version": loaded_version or 0, "saved_at": timezone.now()},
        )
    return autosave


def discard(user, article):
    Autosave.objects.filter(user=user, article=article).delete()


def offer(user, article, shown):
    """What the form offers to restore: None, or the autosave with its differences from `shown` (the form's
    content) and whether it may be restored (it was typed on the version the form now shows). An autosave
    that says nothing new is discarded here."""
    autosave = Autosave.objects.filter(user=user, article=article).first()
    if autosave is None:
        return None
    differences = compare_revisions(
        {field: shown.get(field, "") for field in FIELDS},
        {field: autosave.content.get(field, "") for field in FIELDS},
    )
    if not differences:
        autosave.delete()
        return None
    restorable = article is None or autosave.base_version == article.edit_version
    return {"autosave": autosave, "differences": differences, "restorable": restorable, "fields": autosave.content}
