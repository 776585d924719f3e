"""The one Markdown renderer: stored article HTML, the admin preview and feeds all use it.

Pure functions, no database. Rendering goes Markdown -> HTML -> nh3 allow-list, so whatever
an editor or an imported file contains, only the tags, attributes and URL schemes below survive.
"""

import html
import math
import re

import markdown
import nh3
from markdown.extensions.toc import slugify_unicode

READING_CHARACTERS_PER_MINUTE = 500
SUMMARY_MAX_CHARACTERS = 120

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang"},
    "a": {"href"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height", "loading"},
    "ol": {"start", "type"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_EXTENSIONS = [
    "abbr", "attr_list", "def_list", "fenced_code", "footnotes", "tables", "sane_lists", "toc", "codehilite",
]  # fmt: skip
_EXTENSION_CONFIGS = {
    "toc": {"slugify": slugify_unicode, "permalink": False},
    "codehilite": {"css_class": "highlight", "guess_lang": False},
    "footnotes": {"BACKLINK_TITLE": "本文の注{}へ戻る", "SUPERSCRIPT_TEXT": "{}"},
}
_TAG = re.compile(r"<[^>]+>")
_BLOCK_BOUNDARY = re.compile(r"</?(?:p|div|li|h[1-6]|blockquote|pre|tr|td|th|dd|dt|br|hr|ul|ol|table)\b[^>]*>")
_WHITESPACE = re.compile(r"\s+")
_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)


def render_markdown(text):
    """Render Markdown to sanitized HTML; h1 is demoted because the page title is the h1."""
    converter = markdown.Markdown(extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)
    raw_html = converter.convert(text or "")
    raw_html = re.sub(r"<(/?)h1([ >])", r"<\1h2\2", raw_html)
    return sanitize_html(raw_html)


def sanitize_html(raw_html):
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def html_to_text(fragment):
    """Visible text of an HTML fragment: blocks separated by a space, inline tags joined as in
    Japanese text (no space is added around <strong>), entities decoded, whitespace collapsed."""
    text = _TAG.sub("", _BLOCK_BOUNDARY.sub(" ", fragment or ""))
    return _WHITESPACE.sub(" ", html.unescape(text)).strip()


def count_reading_characters(rendered_html):
    """Characters a reader reads: the rendered text without any whitespace."""
    return len(_WHITESPACE.sub("", html.unescape(_TAG.sub("", rendered_html or ""))))


def reading_time_minutes(rendered_html):
    """Minutes to read, at 500 characters a minute, rounded up; at least 1 for any text."""
    characters = count_reading_characters(rendered_html)
    return max(1, math.ceil(characters / READING_CHARACTERS_PER_MINUTE)) if characters else 0


def summarize(rendered_html, limit=SUMMARY_MAX_CHARACTERS):
    """Plain text of the first non-empty paragraph, cut to `limit` characters with an ellipsis."""
    for paragraph in _FIRST_PARAGRAPH.findall(rendered_html or ""):
        text = html_to_text(paragraph)
        if text:
            return truncate(text, limit)
    return truncate(html_to_text(rendered_html), limit)


def truncate(text, limit):
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
