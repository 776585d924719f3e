from articles.models.content import (
    Article,
    ArticleQuerySet,
    ArticleRedirect,
    Author,
    Category,
    CategoryQuerySet,
    article_path,
    refuse_deleting_categories_in_use,
    rendered_fields,
)
from articles.models.editorial import ArticleRevision, Autosave, EditorialComment, PreviewLink, WorkflowEvent
from articles.models.readership import ArticleViewCount
from articles.models.series import Series, SeriesPart
from articles.models.style import HouseStyleTerm
from articles.models.tags import ensure_tag_slug
from articles.search_index import ArticleSearchGrams, ArticleSearchIndex, Synonym

__all__ = [
    "Article",
    "ArticleQuerySet",
    "ArticleRedirect",
    "ArticleRevision",
    "ArticleSearchGrams",
    "ArticleSearchIndex",
    "ArticleViewCount",
    "Author",
    "Autosave",
    "Category",
    "CategoryQuerySet",
    "EditorialComment",
    "HouseStyleTerm",
    "PreviewLink",
    "Series",
    "SeriesPart",
    "Synonym",
    "WorkflowEvent",
    "article_path",
    "ensure_tag_slug",
    "refuse_deleting_categories_in_use",
    "rendered_fields",
]
