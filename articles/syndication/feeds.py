"""Site, category, tag and author feeds, each as RSS 2.0, Atom 1.0 and JSON Feed 1.1.

One Feed class per subject; the format is chosen per URL (`SiteFeed("atom")`). A feed holds the
FEED_LENGTH newest of Article.objects.published() for its subject, with absolute URLs built from
settings.SITE_URL, so what readers see does not depend on the host a feed was fetched through.
"""

import html
import mimetypes
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.utils.feedgenerator import Enclosure
from django.utils.formats import date_format
from django.utils.html import format_html
from taggit.models import Tag

from articles.models import Article, Author, Category, Series
from articles.phrasing import strip_wbr
from articles.slugs import slug_url
from articles.syndication.cache import feed_response, feed_version
from articles.syndication.formats import AtomFeed, JsonFeed, RssFeed

FEED_LENGTH = 20
FORMATS = {"rss": RssFeed, "atom": AtomFeed, "json": JsonFeed}
URL_NAME_SUFFIXES = {"rss": "", "atom": "-atom", "json": "-json"}
ICON_PATH = "/static/icons/icon-512.png"
URL_ATTRIBUTES = {"href", "src"}


def absolute_url(path):
    return settings.SITE_URL + path


def absolutize_urls(fragment, base_url):
    """`fragment` (sanitized HTML such as Article.body_html) with every href and src resolved against
    `base_url`; tags, text and entities are otherwise kept as written, comments are dropped.

    Feed readers show content away from our pages, so `/media/a.png` and a footnote's `#fn1` would
    otherwise point nowhere: they become `{SITE_URL}/media/a.png` and `{base_url}#fn1`.
    """
    parser = _UrlAbsolutizer(base_url)
    parser.feed(fragment or "")
    parser.close()
    return "".join(parser.output)


class _UrlAbsolutizer(HTMLParser):
    """Re-emits HTML token by token, rewriting only the start tags that carry a URL attribute."""

    def __init__(self, base_url):
        super().__init__(convert_charrefs=False)
        self.base_url = base_url
        self.output = []

    def handle_starttag(self, tag, attrs):
        if not any(name in URL_ATTRIBUTES and value for name, value in attrs):
            self.output.append(self.get_starttag_text())
            return
        written = []
        for name, value in attrs:
            if name in URL_ATTRIBUTES and value:
                value = iri_to_uri(urljoin(self.base_url, value.strip()))
            written.append(f" {name}" if value is None else f' {name}="{html.escape(value)}"')
        closing = "/>" if self.get_starttag_text().endswith("/>") else ">"
        self.output.append(f"<{tag}{''.join(written)}{closing}")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self.output.append(f"</{tag}>")

    def handle_data(self, data):
        self.output.append(data)

    def handle_entityref(self, name):
        self.output.append(f"&{name};")

    def handle_charref(self, name):
        self.output.append(f"&#{name};")


def correction_html(article):
    """The article's 訂正 note as its page ends with it (templates/articles/article_detail.html), or "" without
    one: escaped, dated, in markup the Markdown allow-list keeps (no <aside> or <time>), as the rest of the
    content. Subscribers read the article before it was corrected, so the note ends the item's content;
    publishing it moves the article's update time, and with it the feed's version (syndication/cache.py)."""
    if not article.correction_note:
        return ""
    heading = "訂正"
    if article.corrected_at:
        heading += f"（{date_format(timezone.localtime(article.corrected_at), 'DATE_FORMAT')}）"
    note = linebreaksbr(article.correction_note, autoescape=True)
    return format_html('<section class="correction"><h2>{}</h2><p>{}</p></section>', heading, note)


def article_guid(article):
    """A `tag:` URI (RFC 4151) from the site's host, the year the article was created and its pk.

    Feed readers key items on it, so it must survive edits: changing the title, slug or publication
    date keeps it, and the article is not shown again as new.
    """
    host = urlsplit(settings.SITE_URL).hostname
    return f"tag:{host},{timezone.localtime(article.created_at):%Y}:article:{article.pk}"


def local_time(moment):
    """Tokyo time to the second, so feeds show +09:00 as the pages do."""
    return timezone.localtime(moment).replace(microsecond=0)


class SiteFeed(Feed):
    """The newest published articles of the whole site. Subclasses narrow the subject."""

    url_name = "feed"
    language = "ja"
    item_guid_is_permalink = False

    def __init__(self, format="rss"):
        self.format = format
        self.feed_type = FORMATS[format]

    def __call__(self, request, **kwargs):
        """The feed, or 304 if the client has this version; 404 for an unknown subject (in get_object)."""
        subject = self.get_object(request, **kwargs)
        identity = [
            self.format,
            self.title(subject),
            self.description(subject),
            self.link(subject),
            self.feed_url(subject),
            absolute_url(ICON_PATH),
            settings.WEBSUB_HUB_URL,
        ]
        version = feed_version(identity, self.shown(subject), self.subject_articles(subject), FEED_LENGTH)
        return feed_response(request, version, lambda: self.render(subject, request))

    def render(self, subject, request):
        feed = self.get_feed(subject, request)
        return feed.content_type, feed.writeString("utf-8")

    def subject_articles(self, subject):
        """Every article of the subject, whatever its status."""
        return Article.objects.all()

    def shown(self, subject):
        return self.subject_articles(subject).published().for_reading()

    def items(self, subject):
        return self.shown(subject).prefetch_related("tags", "secondary_categories")[:FEED_LENGTH]

    def title(self, subject):
        return settings.SITE_NAME

    def description(self, subject):
        return settings.SITE_DESCRIPTION

    def link(self, subject):
        return absolute_url(reverse("articles:home"))

    def feed_url(self, subject):
        kwargs = {"slug": subject.slug} if subject is not None else {}
        return absolute_url(reverse(f"articles:{self.url_name}{URL_NAME_SUFFIXES[self.format]}", kwargs=kwargs))

    def feed_extra_kwargs(self, subject):
        return {"icon": absolute_url(ICON_PATH), "hub": settings.WEBSUB_HUB_URL or None}

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        return html.escape(article.summary)

    def item_link(self, article):
        return absolute_url(article.get_absolute_url())

    def item_guid(self, article):
        return article_guid(article)

    def item_pubdate(self, article):
        return local_time(article.published_at)

    def item_updateddate(self, article):
        """The last edit, or the publication if later: a scheduled article is new when it appears."""
        return local_time(max(article.updated_at, article.published_at))

    def item_author_name(self, article):
        return article.author.name

    def item_author_link(self, article):
        return absolute_url(article.author.get_absolute_url())

    def item_categories(self, article):
        names = [category.name for category in article.all_categories()]
        names += [tag.name for tag in article.tags.all()]  # .all() uses the prefetch; .names() would not
        return list(dict.fromkeys(names))

    def item_enclosures(self, article):
        """The hero image with its size; none if there is no hero or its file is missing."""
        if not article.hero_image:
            return []
        try:
            length = article.hero_image.size
        except OSError:
            return []
        mime_type = mimetypes.guess_type(article.hero_image.name)[0] or "application/octet-stream"
        return [Enclosure(self.hero_image_url(article), str(length), mime_type)]

    def item_extra_kwargs(self, article):
        return {
            "content_html": absolutize_urls(strip_wbr(article.body_html), self.item_link(article))
            + correction_html(article),
            "summary": article.summary,
            "image": self.hero_image_url(article),
        }

    def hero_image_url(self, article):
        return urljoin(settings.SITE_URL + "/", article.hero_image.url) if article.hero_image else None


class CategoryFeed(SiteFeed):
    """Articles whose primary or other categories include the category."""

    url_name = "category-feed"

    def get_object(self, request, slug):
        return get_object_or_404(Category, slug=slug)

    def subject_articles(self, category):
        return Article.objects.in_category(category)

    def title(self, category):
        return f"{category.name} | {settings.SITE_NAME}"

    def description(self, category):
        return category.description or f"{settings.SITE_NAME}のカテゴリ「{category.name}」の記事"

    def link(self, category):
        return absolute_url(category.get_absolute_url())


class TagFeed(SiteFeed):
    url_name = "tag-feed"

    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def subject_articles(self, tag):
        return Article.objects.tagged_with(tag)

    def title(self, tag):
        return f"#{tag.name} | {settings.SITE_NAME}"

    def description(self, tag):
        return f"{settings.SITE_NAME}のタグ「{tag.name}」の記事"

    def link(self, tag):
        return absolute_url(slug_url("articles:tag", tag.slug))


class AuthorFeed(SiteFeed):
    url_name = "author-feed"

    def get_object(self, request, slug):
        return get_object_or_404(Author, slug=slug)

    def subject_articles(self, author):
        return Article.objects.filter(author=author)

    def title(self, author):
        return f"{author.name} | {settings.SITE_NAME}"

    def description(self, author):
        return author.bio or f"{settings.SITE_NAME}の{author.name}による記事"

    def link(self, author):
        return absolute_url(author.get_absolute_url())


class SeriesFeed(SiteFeed):
    """A 連載's published parts, newest first like every feed: a subscriber is told of each new part."""

    url_name = "series-feed"

    def get_object(self, request, slug):
        return get_object_or_404(Series, slug=slug)

    def subject_articles(self, series):
        return series.articles()

    def title(self, series):
        return f"連載：{series.title} | {settings.SITE_NAME}"

    def description(self, series):
        return series.description or f"{settings.SITE_NAME}の連載「{series.title}」"

    def link(self, series):
        return absolute_url(series.get_absolute_url())
