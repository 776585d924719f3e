"""What happens after readers' view of the site changes: called explicitly, after commit, from
workflow.py, the importer, the admin and commands — never hidden in save()."""

from django.conf import settings
from django.urls import reverse

from articles.delivery.cdn import purge_cdn
from articles.delivery.page_cache import content_changed, paths_changed
from articles.delivery.websub import ping_hub
from articles.models import SeriesPart
from articles.search import forget_synonyms, update_search_index


def after_visibility_change(article):
    """The article appeared, changed or disappeared for readers: its live row is indexed again (search
    results are still filtered by published() at query time), and cached pages go."""
    update_search_index(article)
    after_site_change(paths=[article.get_absolute_url()])
    ping_hub([settings.SITE_URL + path for path in feed_paths(article)])


def after_own_pages_change(article):
    """A live article changed only where its own pages show it (Article.listing_state() is unchanged): its
    page, the feeds that carry its body, search results and the sitemap's dates are refreshed, and every
    other cached page stays warm."""
    update_search_index(article)
    paths = own_pages(article)
    paths_changed(paths)
    purge_cdn(paths, purge_all=False)
    ping_hub([settings.SITE_URL + path for path in feed_paths(article)])


def own_pages(article):
    """The paths whose pages show an article's body, update time or search text."""
    return [article.get_absolute_url(), *feed_paths(article), reverse("articles:search"), reverse("sitemap")]


def feed_paths(article):
    """Every feed (RSS, Atom and JSON Feed) that carries the article: the site's, its categories', tags',
    author's and series'."""
    feeds = [("articles:feed", {})]
    feeds += [("articles:category-feed", {"slug": category.slug}) for category in article.all_categories()]
    feeds += [("articles:tag-feed", {"slug": tag.slug}) for tag in article.tags.all()]
    feeds += [("articles:author-feed", {"slug": article.author.slug})]
    part = SeriesPart.objects.filter(article=article).select_related("series").first()
    if part:
        feeds += [("articles:series-feed", {"slug": part.series.slug})]
    return [reverse(name + suffix, kwargs=kwargs) for name, kwargs in feeds for suffix in ("", "-atom", "-json")]


def after_series_change(series_slugs=()):
    """A series was created, renamed, reordered or deleted: its parts' pages show it (連載：… 第N回) and their
    neighbours link to one another, so every cached page goes, and its feeds' subscribers are told."""
    after_site_change()
    ping_hub(
        [
            settings.SITE_URL + reverse("articles:series-feed" + suffix, kwargs={"slug": slug})
            for slug in series_slugs
            for suffix in ("", "-atom", "-json")
        ]
    )


def after_site_change(paths=()):
    """Something readers see changed: cached pages go, and a configured CDN is asked to purge."""
    content_changed()
    purge_cdn(paths)


def after_synonyms_change():
    """The 同義語辞書 changed: searches read the new entries, and cached search pages go."""
    forget_synonyms()
    after_site_change(paths=[reverse("articles:search")])
