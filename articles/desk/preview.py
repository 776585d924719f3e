"""Previews of what an article will look like, rendered with the real reader template (noindex)."""

import hashlib
import json
import secrets
from datetime import timedelta

from django.core.cache import cache
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from taggit.models import Tag

from articles.desk.revisions import apply_content
from articles.models import Article, Category, PreviewLink
from articles.slugs import slug_base

PREVIEW_RENDER_SECONDS = 60 * 60


def render_preview(request, article, *, shared_link=None):
    """The reader page of `article` with its pending edit applied, marked as a preview."""
    tags, categories = list(article.tags.all()), article.all_categories()
    if article.pending_revision_id:
        content = article.pending_revision.content
        tags, categories = _pending_relations(apply_content(article, content), content, article.category)
    for field, value in _rendered_fields(article).items():
        setattr(article, field, value)
    context = {
        "article": article,
        "article_tags": tags,
        "article_categories": categories,
        "is_preview": True,
        "shared_link": shared_link,
        "table_of_contents": article.table_of_contents(),
        "related_articles": Article.objects.related_to(article) if article.category_id else [],
        "previous_article": None,
        "next_article": None,
    }
    response = TemplateResponse(request, "articles/article_detail.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


def _rendered_fields(article):
    """What the preview shows of the Markdown, rendered once per text: an anonymous share-preview link
    re-rendered a 70 KB draft on every request (6.7 s of CPU). The key is a hash of what rendering reads."""
    source = json.dumps([article.body, article.excerpt, article.title])
    key = f"preview:rendered:{hashlib.sha256(source.encode()).hexdigest()}"
    fields = cache.get(key)
    if fields is None:
        fields = article.derive_rendered_fields()
        cache.set(key, fields, PREVIEW_RENDER_SECONDS)
    return fields


def _pending_relations(tag_names, content, category):
    """The tags and categories a pending edit gives the article (the live rows keep the live ones): a tag
    that does not exist yet is shown unsaved, with the slug it will get."""
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=tag_names)}
    tags = [existing.get(name) or Tag(name=name, slug=slug_base(name, fallback="tag")) for name in tag_names]
    others = Category.objects.filter(pk__in=content.get("secondary_category_ids", [])).exclude(pk=category.pk)
    return tags, [category, *others]


def create_preview_link(article, user, *, days):
    return PreviewLink.objects.create(
        article=article,
        created_by=user,
        token=secrets.token_urlsafe(32),
        expires_at=timezone.now() + timedelta(days=days),
    )


def revoke_preview_links(article, **which):
    """Revoke the article's share-preview links still in use (those matching `which`, e.g. pk=…)."""
    return article.preview_links.filter(revoked_at=None, **which).update(revoked_at=timezone.now())


def shared_preview(request, token):
    """Public view for an outside reviewer: only this article, only while the link is valid."""
    link = get_object_or_404(PreviewLink.objects.select_related("article__pending_revision"), token=token)
    if not link.is_usable():
        return TemplateResponse(request, "articles/preview_expired.html", {"link": link}, status=410)
    return render_preview(request, link.article, shared_link=link)
