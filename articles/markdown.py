"""The one Markdown renderer: stored article HTML, the admin preview and feeds all use it.

Pure functions, no database. CommonMark (markdown-it-py, close to the kramdown the archive was
written for: a list may follow a paragraph line directly) -> HTML -> nh3 allow-list, so whatever an
editor or an imported file contains, only the tags, attributes and URL schemes below survive.
"""

import html
import math
import re
import unicodedata
from functools import cache

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from articles.markdown_cjk import cjk_friendly_emphasis
from articles.phrasing import phrase_html

READING_CHARACTERS_PER_MINUTE = 500
# The longest body the desk, the preview and the importer accept: ten times the longest analysis we publish
# (~20,000 characters), and rendered in well under a second.
BODY_MAX_CHARACTERS = 200_000
BODY_TOO_LONG = "本文が長すぎます（{length:,} 文字）。1 本の記事は {limit:,} 文字までです。分割を検討してください。"


def body_length_refusal(text):
    """The Japanese message for a body over BODY_MAX_CHARACTERS, or "" when it is within."""
    if len(text or "") > BODY_MAX_CHARACTERS:
        return BODY_TOO_LONG.format(length=len(text), limit=BODY_MAX_CHARACTERS)
    return ""


SUMMARY_MAX_CHARACTERS = 120

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp", "section", "small",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "u", "ul", "wbr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang"},
    "a": {"href"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height", "loading", "decoding"},
    "ol": {"start", "type"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Only table-cell alignment from Markdown's `:---:`; every other style is dropped.
ALLOWED_STYLE_PROPERTIES = {"text-align"}

_TAG = re.compile(r"<[^>]+>")
_BLOCK_BOUNDARY = re.compile(r"</?(?:p|div|li|h[1-6]|blockquote|pre|tr|td|th|dd|dt|br|hr|ul|ol|table|section)\b[^>]*>")
_WHITESPACE = re.compile(r"\s+")
_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_FOOTNOTE_REFERENCE = re.compile(r'<sup class="footnote-ref">.*?</sup>', re.S)
_HEADING = re.compile(r'<h([2-3]) id="([^"]+)">(.*?)</h\1>', re.S)
_PHRASED_HEADING = re.compile(r"(?P<open><h(?P<level>[2-6])\b[^>]*>)(?P<inner>.*?)(?P<close></h(?P=level)>)", re.S)
_SLUG_DROP = re.compile(r"[^\w\s-]")
_SLUG_SPACES = re.compile(r"[-\s]+")


def render_markdown(text):
    """Render Markdown to sanitized HTML. Headings start at h2 because the page title is the h1; their text gets
    <wbr> between phrases (articles/phrasing.py), added after sanitizing, to text the sanitizer has escaped."""
    return _PHRASED_HEADING.sub(_phrase_heading, sanitize_html(_parser().render(text or "")))


def _phrase_heading(match):
    return f"{match['open']}{phrase_html(match['inner'])}{match['close']}"


def sanitize_html(raw_html):
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        filter_style_properties=ALLOWED_STYLE_PROPERTIES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def heading_slug(text):
    """Anchor ids that keep Japanese: NFKC-folded, lower-cased, spaces to hyphens."""
    text = _SLUG_DROP.sub("", unicodedata.normalize("NFKC", text)).strip().lower()
    return _SLUG_SPACES.sub("-", text) or "section"


def table_of_contents(rendered_html):
    """[(level, anchor id, text), …] for the h2/h3 headings of rendered HTML, in order."""
    return [(int(level), anchor, html_to_text(inner)) for level, anchor, inner in _HEADING.findall(rendered_html)]


def html_to_text(fragment):
    """Visible text of an HTML fragment: blocks separated by a space, inline tags joined as in
    Japanese text (no space is added around <strong>), entities decoded, whitespace collapsed."""
    text = _TAG.sub("", _BLOCK_BOUNDARY.sub(" ", fragment or ""))
    return _WHITESPACE.sub(" ", html.unescape(text)).strip()


def count_reading_characters(rendered_html):
    """Characters a reader reads: the rendered text without any whitespace."""
    return len(_WHITESPACE.sub("", html.unescape(_TAG.sub("", rendered_html or ""))))


def reading_time_minutes(rendered_html):
    """Minutes to read, at 500 characters a minute, rounded up; 0 only for an empty body."""
    characters = count_reading_characters(rendered_html)
    return math.ceil(characters / READING_CHARACTERS_PER_MINUTE)


def summarize(rendered_html, limit=SUMMARY_MAX_CHARACTERS):
    """Plain text of the first non-empty paragraph, cut to `limit` characters with an ellipsis."""
    for paragraph in _FIRST_PARAGRAPH.findall(_FOOTNOTE_REFERENCE.sub("", rendered_html or "")):
        text = html_to_text(paragraph)
        if text:
            return truncate(text, limit)
    return truncate(html_to_text(rendered_html), limit)


def truncate(text, limit):
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@cache
def _parser():
    parser = MarkdownIt("commonmark", {"html": True, "highlight": _highlight_code})
    parser.enable(["table", "strikethrough"])
    parser.use(footnote_plugin).use(deflist_plugin).use(cjk_friendly_emphasis)
    parser.core.ruler.push("promote_bold_headings", _promote_bold_paragraphs)
    parser.core.ruler.push("demote_headings", _demote_headings)
    parser.core.ruler.push("anchor", _heading_anchors)
    parser.core.ruler.push("captioned_images", _captioned_images)
    parser.add_render_rule("image", _render_lazy_image)
    return parser


ANCHORED_HEADINGS = {"h2", "h3", "h4"}


def _heading_anchors(state):
    """An id for each h2–h4, from heading_slug(); repeats get -1, -2, … as mdit-py-plugins' anchors plugin
    gives them, but in linear time: that plugin tries -1, -2, … from the start for every repeat, so 20,000
    `## h` lines took 22 s, and the admin's preview renders on every keystroke."""
    used = {str(token.attrGet("id")) for token in state.tokens if token.type == "heading_open" and token.attrGet("id")}
    next_number = {}
    for index, token in enumerate(state.tokens):
        if token.type != "heading_open" or token.tag not in ANCHORED_HEADINGS or token.attrGet("id"):
            continue
        children = state.tokens[index + 1].children or []
        base = heading_slug("".join(child.content for child in children if child.type in {"text", "code_inline"}))
        slug, number = base, next_number.get(base, 1)
        while slug in used:
            slug, number = f"{base}-{number}", number + 1
        if slug != base:
            next_number[base] = number
        used.add(slug)
        token.attrSet("id", slug)


def _highlight_code(code, language, _attrs):
    try:
        lexer = get_lexer_by_name(language) if language else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return ""  # markdown-it escapes and wraps it as plain code
    return highlight(code, lexer, HtmlFormatter(nowrap=True))


def _promote_bold_paragraphs(state):
    """A paragraph that is nothing but bold text is a heading in the archive's style."""
    tokens = state.tokens
    has_real_heading = any(token.type == "heading_open" and token.tag in {"h1", "h2"} for token in tokens)
    level = "h3" if has_real_heading else "h2"
    for index in range(len(tokens) - 2):
        opening, inline, closing = tokens[index : index + 3]
        if opening.type != "paragraph_open" or opening.level != 0 or not _is_only_bold(inline):
            continue
        opening.type, opening.tag, closing.type, closing.tag = "heading_open", level, "heading_close", level
        inline.children = _without_blank_text(inline.children)[1:-1]


def _without_blank_text(children):
    return [child for child in children or [] if not (child.type == "text" and not child.content.strip())]


def _is_only_bold(inline):
    children = _without_blank_text(inline.children)
    if len(children) < 3 or children[0].type != "strong_open" or children[-1].type != "strong_close":
        return False
    depth = 0
    for child in children[:-1]:
        depth += {"strong_open": 1, "strong_close": -1}.get(child.type, 0)
        if depth == 0:
            return False  # the first bold run closes before the end: "**a** and **b**"
    return True


def _demote_headings(state):
    if not any(token.tag == "h1" for token in state.tokens if token.type == "heading_open"):
        return
    for token in state.tokens:
        if token.type in {"heading_open", "heading_close"}:
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"


def _captioned_images(state):
    """A paragraph that is only an image with a title, `![alt](src "title")`, becomes a <figure> whose
    caption is the title: the way an editor captions a photo in Markdown."""
    tokens = state.tokens
    for index in range(len(tokens) - 2):
        opening, inline, closing = tokens[index : index + 3]
        if opening.type != "paragraph_open" or opening.hidden or inline.type != "inline":
            continue
        children = _without_blank_text(inline.children)
        if len(children) == 1 and children[0].type == "image" and children[0].attrGet("title"):
            opening.tag = closing.tag = "figure"
            children[0].meta["caption"] = children[0].attrGet("title")
            inline.children = children


def _render_lazy_image(renderer, tokens, index, options, env):
    image = tokens[index]
    image.attrSet("loading", "lazy")
    image.attrSet("decoding", "async")
    caption = image.meta.get("caption")
    if caption is None:
        return renderer.image(tokens, index, options, env)
    del image.attrs["title"]  # the caption says it on the page; a tooltip would repeat it
    figcaption = f"<figcaption>{html.escape(str(caption))}</figcaption>"
    return renderer.image(tokens, index, options, env) + figcaption
