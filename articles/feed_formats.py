"""The three feed formats, as django.contrib.syndication generators.

RSS 2.0 and Atom 1.0 are Django's own generators plus what feed readers look for beyond them: the full
article (`content:encoded` / Atom `content`) and the site icon. JSON Feed 1.1 is a generator of its own so
that the same Feed classes drive all three formats.

Besides Django's keywords, the feed takes `icon` (absolute URL) and each item takes `content_html` (HTML
with absolute URLs), `summary` (plain text; `description` carries it HTML-escaped for RSS and Atom) and
`image` (absolute URL or None).
"""

import json

from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed, rfc3339_date

CONTENT_NAMESPACE = "http://purl.org/rss/1.0/modules/content/"
DUBLIN_CORE_NAMESPACE = "http://purl.org/dc/elements/1.1/"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


class RssFeed(Rss201rev2Feed):
    """RSS 2.0 with `content:encoded` and a channel `image`; authors go in `dc:creator` as RSS wants e-mails."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:content": CONTENT_NAMESPACE, "xmlns:dc": DUBLIN_CORE_NAMESPACE}

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        # The RSS profile asks for the image's title and link to repeat the channel's.
        handler.startElement("image", {})
        handler.addQuickElement("url", self.feed["icon"])
        handler.addQuickElement("title", self.feed["title"])
        handler.addQuickElement("link", self.feed["link"])
        handler.endElement("image")

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["content_html"])


class AtomFeed(Atom1Feed):
    """Atom 1.0 with the full article as `content` and the site icon as `icon`."""

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        handler.addQuickElement("icon", self.feed["icon"])

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content_html"], {"type": "html"})


class JsonFeed(SyndicationFeed):
    """JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/). Items also carry the 1.0 `author` object,
    which readers written for 1.0 still look for; the 1.1 spec allows both side by side."""

    content_type = "application/feed+json; charset=utf-8"

    def write(self, outfile, encoding):
        outfile.write(json.dumps(self.as_dict(), ensure_ascii=False, indent=2))

    def as_dict(self):
        feed = {
            "version": JSON_FEED_VERSION,
            "title": self.feed["title"],
            "home_page_url": self.feed["link"],
            "feed_url": self.feed["feed_url"],
            "description": self.feed["description"],
            "icon": self.feed["icon"],
            "language": self.feed["language"],
            "items": [self.item_dict(item) for item in self.items],
        }
        return {key: value for key, value in feed.items() if value is not None}

    def item_dict(self, item):
        author = {"name": item["author_name"], "url": item["author_link"]}
        entry = {
            "id": item["unique_id"],
            "url": item["link"],
            "title": item["title"],
            "content_html": item["content_html"],
            "summary": item["summary"],
            "image": item["image"],
            "date_published": rfc3339_date(item["pubdate"]),
            "date_modified": rfc3339_date(item["updateddate"]),
            "authors": [author],
            "author": author,
            "tags": list(item["categories"]),
        }
        return {key: value for key, value in entry.items() if value is not None}
