from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from taggit.models import Tag

from articles.models import Article, Author, Category, Series
from articles.slugs import slug_url


class SiteSitemap(Sitemap):
    """Absolute URLs from SITE_URL, whatever host the request came in on."""

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme


class ArticleSitemap(SiteSitemap):
    changefreq = "weekly"

    def items(self):
        return Article.objects.published().order_by("-published_at").only("slug", "updated_at")

    def lastmod(self, article):
        return article.updated_at


class SubjectSitemap(SiteSitemap):
    """Categories, tags or authors that have published articles, dated by their newest update."""

    changefreq = "daily"
    model = None
    article_lookup = ""

    def items(self):
        published = Article.objects.published()
        return (
            self.model.objects.filter(**{f"{self.article_lookup}__in": published})
            .annotate(last_updated=Max(f"{self.article_lookup}__updated_at"))
            .order_by("slug")
        )

    def lastmod(self, subject):
        return subject.last_updated


class CategorySitemap(SubjectSitemap):
    model = Category
    article_lookup = "primary_articles"


class TagSitemap(SubjectSitemap):
    model = Tag
    article_lookup = "article"

    def location(self, tag):
        return slug_url("articles:tag", tag.slug)


class AuthorSitemap(SubjectSitemap):
    model = Author
    article_lookup = "articles"


class SeriesSitemap(SubjectSitemap):
    model = Series
    article_lookup = "parts__article"


SITEMAPS = {
    "articles": ArticleSitemap,
    "categories": CategorySitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
    "series": SeriesSitemap,
}
