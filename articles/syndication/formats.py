"""The three feed formats, as django.contrib.syndication generators.

RSS 2.0 and Atom 1.0 are Django's own generators plus what feed readers look for beyond them: the full
article (`content:encoded` / Atom `content`) and the site icon. JSON Feed 1.1 is a generator of its own so
that the same Feed classes drive all three formats.

Besides Django's keywords, the feed takes `icon` (absolute URL) and `hub` (a WebSub hub's URL or None), and
each item takes `content_html` (HTML with absolute URLs), `summary` (plain text; `description` carries it
HTML-escaped for RSS and Atom) and `image` (absolute URL or None).
"""

import json
import re

from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed, rfc3339_date

CONTENT_NAMESPACE = "http://purl.org/rss/1.0/modules/content/"
DUBLIN_CORE_NAMESPACE = "http://purl.org/dc/elements/1.1/"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
# Characters XML 1.0 cannot carry at all, even escaped (a vertical tab pasted from Word, an ESC, U+FFFE).
NOT_XML_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(value):
    """`value` (a string, or lists and dicts of them) without characters that XML 1.0 cannot carry."""
    if isinstance(value, str):
        return NOT_XML_CHARACTERS.sub("", value)
    if isinstance(value, dict):
        return {key: xml_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(xml_safe(item) for item in value)
    return value


class XmlSafeFeed(SyndicationFeed):
    """Drops what XML cannot carry from the feed and every item before Django writes them: otherwise one stray
    control character in a title or tag makes the whole feed a 500, or an ill-formed document readers reject."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.feed = xml_safe(self.feed)

    def add_item(self, *args, **kwargs):
        super().add_item(*args, **kwargs)
        self.items[-1] = xml_safe(self.items[-1])


class RssFeed(XmlSafeFeed, Rss201rev2Feed):
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
        if self.feed.get("hub"):
            handler.addQuickElement("atom:link", None, {"rel": "hub", "href": self.feed["hub"]})

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["content_html"])


class AtomFeed(XmlSafeFeed, Atom1Feed):
    """Atom 1.0 with the full article as `content` and the site icon as `icon`."""

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        handler.addQuickElement("icon", self.feed["icon"])
        if self.feed.get("hub"):
            handler.addQuickElement("link", "", {"rel": "hub", "href": self.feed["hub"]})

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
            "hubs": [{"type": "WebSub", "url": self.feed["hub"]}] if self.feed.get("hub") else None,
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
