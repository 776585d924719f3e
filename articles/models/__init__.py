from articles.models.content import (
    SLUG_MAX_LENGTH,
    Article,
    ArticleQuerySet,
    Author,
    Category,
    CategoryQuerySet,
    refuse_deleting_categories_in_use,
    rendered_fields,
    slug_base,
    slug_url,
    unique_slug,
)
from articles.models.editorial import ArticleRedirect, ArticleRevision, EditorialComment, PreviewLink, WorkflowEvent
from articles.models.tags import ensure_tag_slug
from articles.search_index import ArticleSearchIndex

__all__ = [
    "SLUG_MAX_LENGTH",
    "Article",
    "ArticleQuerySet",
    "ArticleRedirect",
    "ArticleRevision",
    "ArticleSearchIndex",
    "Author",
    "Category",
    "CategoryQuerySet",
    "EditorialComment",
    "PreviewLink",
    "WorkflowEvent",
    "ensure_tag_slug",
    "refuse_deleting_categories_in_use",
    "rendered_fields",
    "slug_base",
    "slug_url",
    "unique_slug",
]
