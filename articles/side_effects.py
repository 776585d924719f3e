"""What happens after readers' view of the site changes: called explicitly, after commit, from
workflow.py, the importer, the admin and commands — never hidden in save()."""

from django.urls import reverse

from articles.delivery.cdn import purge_cdn
from articles.delivery.page_cache import content_changed, paths_changed
from articles.search import forget_synonyms, update_search_index


def after_visibility_change(article):
    """The article appeared, changed or disappeared for readers: its live row is indexed again (search
    results are still filtered by published() at query time), and cached pages go."""
    update_search_index(article)
    after_site_change(paths=[article.get_absolute_url()])


def after_own_pages_change(article):
    """A live article changed only where its own pages show it (Article.listing_state() is unchanged): its
    page, the feeds that carry its body, search results and the sitemap's dates are refreshed, and every
    other cached page stays warm."""
    update_search_index(article)
    paths = own_pages(article)
    paths_changed(paths)
    purge_cdn(paths, purge_all=False)


def own_pages(article):
    """The paths whose pages show an article's body, update time or search text."""
    feeds = [("articles:feed", {})]
    feeds += [("articles:category-feed", {"slug": category.slug}) for category in article.all_categories()]
    feeds += [("articles:tag-feed", {"slug": tag.slug}) for tag in article.tags.all()]
    feeds += [("articles:author-feed", {"slug": article.author.slug})]
    feed_paths = [reverse(name + suffix, kwargs=kwargs) for name, kwargs in feeds for suffix in ("", "-atom", "-json")]
    return [article.get_absolute_url(), *feed_paths, reverse("articles:search"), reverse("sitemap")]


def after_site_change(paths=()):
    """Something readers see changed: cached pages go, and a configured CDN is asked to purge."""
    content_changed()
    purge_cdn(paths)


def after_synonyms_change():
    """The 同義語辞書 changed: searches read the new entries, and cached search pages go."""
    forget_synonyms()
    after_site_change(paths=[reverse("articles:search")])
