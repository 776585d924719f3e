"""Store parsed Jekyll posts as articles: one transaction per post, idempotent by file name."""

from dataclasses import dataclass, field
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from articles.models import Article, Author, Category, unique_slug
from articles.search import update_search_index
from articles.workflow import remember_old_path


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class SaveResult:
    outcome: Outcome
    article: Article | None
    warnings: list[str] = field(default_factory=list)


def save_post(post, *, dry_run=False):
    """Create or update the article imported from `post.source_name`; unchanged files are skipped."""
    article = Article.objects.filter(source_name=post.source_name).first()
    if article is not None and article.source_checksum == post.checksum:
        return SaveResult(Outcome.UNCHANGED, article)
    outcome = Outcome.CREATED if article is None else Outcome.UPDATED
    if dry_run:
        return SaveResult(outcome, article)
    with transaction.atomic():
        article = _store(post, article or Article(source_name=post.source_name))
        update_search_index(article)
        if outcome is Outcome.CREATED:
            # The archive's own dates, not the moment of import, say when the text last changed.
            article.updated_at = post.last_modified_at or post.published_at or article.updated_at
            Article.objects.filter(pk=article.pk).update(updated_at=article.updated_at)
    warnings = []
    if post.reading_time and post.reading_time != article.reading_time:
        warnings.append(
            f"reading_time {post.reading_time} 分は本文から計算した {article.reading_time} 分と異なるため、"
            "計算値を使いました"
        )
    return SaveResult(outcome, article, warnings)


def _store(post, article):
    if not article.pk or post.slug:
        article.slug = unique_slug(Article, post.slug or post.title, fallback="article", exclude_pk=article.pk)
    article.title = post.title
    article.body = post.body
    article.excerpt = post.excerpt
    article.permalink = post.permalink
    article.published_at = post.published_at
    article.status = _status(post)
    article.author, _ = Author.objects.get_or_create(name=post.author or settings.DEFAULT_AUTHOR_NAME)
    categories = [
        Category.objects.get_or_create(name=name)[0] for name in post.categories or [settings.DEFAULT_CATEGORY_NAME]
    ]
    article.category = categories[0]
    article.source_checksum = post.checksum
    article.save()
    article.secondary_categories.set(categories[1:])
    article.tags.set(list(post.tags))
    if post.permalink:
        remember_old_path(article, post.permalink)
    return article


def _status(post):
    if post.is_draft:
        return Article.Status.DRAFT
    if post.published_at > timezone.now():
        return Article.Status.SCHEDULED
    return Article.Status.PUBLISHED
