"""Where an article stands, as the top of its desk page says it: state colour, who has it, when it goes live
and why it was last sent back."""

from articles.desk.roles import EDITOR, EDITOR_IN_CHIEF
from articles.models import Article

Status = Article.Status

# White text on each colour has a contrast of at least 4.5:1 (WCAG AA).
STATUS_COLOURS = {
    Status.DRAFT: "#4b5563",
    Status.IN_REVIEW: "#92400e",
    Status.CHANGES_REQUESTED: "#b91c1c",
    Status.APPROVED: "#047857",
    Status.SCHEDULED: "#1d4ed8",
    Status.PUBLISHED: "#15803d",
    Status.UNPUBLISHED: "#374151",
}


# Steps that take an article back rather than forward: shown as plain buttons, the forward ones as primary.
BACKWARD_STEPS = ("request_changes", "unpublish", "reopen")


def status_colour(article):
    return STATUS_COLOURS[Status.PUBLISHED if article.is_published() else article.status]


def holder(article):
    """Whose move it is: the writer while it is being written, the reviewer (or the desk) while in review,
    the editor-in-chief from approval on."""
    if article.status in {Status.DRAFT, Status.CHANGES_REQUESTED}:
        return f"{article.created_by}（執筆）" if article.created_by else "執筆者"
    if article.status == Status.IN_REVIEW:
        return f"{article.reviewer}（レビュー）" if article.reviewer else f"{EDITOR}・{EDITOR_IN_CHIEF}（レビュー）"
    return EDITOR_IN_CHIEF


def last_send_back(article):
    """The latest 差し戻し with its reason, while the article is still sent back or back with the writer."""
    if article.status not in {Status.CHANGES_REQUESTED, Status.DRAFT, Status.IN_REVIEW}:
        return None
    return article.workflow_events.filter(action="request_changes").select_related("actor").first()


def summary(article):
    return {
        "colour": status_colour(article),
        "holder": holder(article),
        "scheduled_at": article.published_at
        if article.status == Status.SCHEDULED and not article.is_published()
        else None,
        "send_back": last_send_back(article),
        "backward_steps": BACKWARD_STEPS,
    }
