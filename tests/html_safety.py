"""Does a page or a feed let hostile text run as script? Checked on the parsed tree, as a browser builds it.

html5lib follows the WHATWG parsing algorithm, so a tag that only looks closed to a regular expression, a
`</script>` inside JSON-LD or a mutation through <math>/<svg>/<style> is seen the way a browser sees it.
Attribute values come out of the parser with entities already decoded.
"""

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import html5lib

from articles.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

_PARSER = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"))
XHTML = "http://www.w3.org/1999/xhtml"

# Elements that load or run other documents, or retarget every link of the page.
FORBIDDEN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal"}
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "poster", "background", "data", "codebase", "cite", "longdesc",
    "lowsrc", "dynsrc", "ping", "manifest", "icon",
}  # fmt: skip
SVG_ANIMATIONS = {"animate", "set", "animatetransform", "animatemotion"}
SVG_ANIMATION_VALUES = {"to", "from", "values", "by"}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "livescript:", "mocha:", "data:", "file:")
CSS_DANGERS = ("javascript:", "vbscript:", "expression(", "-moz-binding", "behavior:", "@import")
# Browsers ignore leading C0 controls and spaces in a URL and tabs and newlines anywhere in it; older ones
# ignored more. Drop them all, so "jav&#x09;ascript:" and " \x01javascript:" count as javascript:.
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]")
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.S)
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\n\r\f]?|\\(.)", re.S)
# The markup the sanitizer emits besides its allow-list: rel on links.
_BODY_ATTRIBUTES = {tag: {*ALLOWED_ATTRIBUTES["*"], *ALLOWED_ATTRIBUTES.get(tag, ())} for tag in ALLOWED_TAGS}
_BODY_ATTRIBUTES["a"].add("rel")


def parse_page(markup):
    return _PARSER.parse(markup)


def parse_fragment(markup):
    return _PARSER.parseFragment(markup)


def split_name(qualified):
    """('http://www.w3.org/2000/svg', 'svg') from html5lib's '{namespace}name'."""
    if qualified.startswith("{"):
        namespace, _, name = qualified[1:].partition("}")
        return namespace, name.lower()
    return "", qualified.lower()


def elements(root):
    """Every element under `root` (itself included), skipping comments."""
    return (element for element in root.iter() if isinstance(element.tag, str))


def text_of(element):
    return "".join(element.itertext())


def find_all(root, tag, **attributes):
    """HTML elements called `tag` whose attributes have the given values (class_ for class; None: absent)."""
    wanted = {key.rstrip("_"): value for key, value in attributes.items()}
    return [
        element
        for element in root.iter(f"{{{XHTML}}}{tag}")
        if all(element.get(key) == value for key, value in wanted.items())
    ]


def find(root, tag, **attributes):
    found = find_all(root, tag, **attributes)
    assert len(found) == 1, f"expected one <{tag} {attributes}>, found {len(found)}"
    return found[0]


def dangerous_url(value):
    return _URL_IGNORED.sub("", value).lower().startswith(DANGEROUS_SCHEMES)


def dangerous_css(value):
    text = _CSS_ESCAPE.sub(_css_unescape, _CSS_COMMENT.sub("", value))
    squashed = _URL_IGNORED.sub("", text).lower()
    return any(marker in squashed for marker in CSS_DANGERS)


def _css_unescape(match):
    if match[2] is not None:
        return match[2]
    code = int(match[1], 16)
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"


def json_ld_problem(script):
    """Why a <script type="application/ld+json"> is not inert data; None when it is."""
    text = script.text or ""
    if "</script" in text.lower() or "<!--" in text:
        return f"JSON-LD can end its own <script>: {text[:120]!r}"
    try:
        json.loads(text)
    except ValueError:
        return f"JSON-LD is not JSON: {text[:120]!r}"
    return None


def unsafe_markup(root, own_scripts=()):
    """Every way the parsed tree under `root` could run script; an empty list when there is none.

    `own_scripts`: path prefixes of the site's own script files (the admin's /static/admin/js/…); a <script>
    with such a src and no inline code is the page's, not injected. Reader pages have one: the article page's
    view counter."""
    problems = []
    for element in elements(root):
        namespace, name = split_name(element.tag)
        attributes = {split_name(key)[1]: value for key, value in element.attrib.items()}
        shown = f"<{name} {attributes}>"[:200]
        if name == "script":
            is_data = namespace == XHTML and (attributes.get("type") or "").strip().lower() == "application/ld+json"
            src = attributes.get("src") or ""
            if is_data and not src:
                problem = json_ld_problem(element)
            elif src.startswith(own_scripts) and own_scripts and not (element.text or "").strip():
                problem = None
            else:
                problem = f"script element {shown}"
            if problem:
                problems.append(problem)
        if name in FORBIDDEN_ELEMENTS:
            problems.append(f"injected {shown}")
        if name == "meta" and "http-equiv" in attributes:
            problems.append(f"injected {shown}")
        if name == "link" and "import" in (attributes.get("rel") or "").lower().split():
            problems.append(f"injected {shown}")
        if name == "style" and dangerous_css(element.text or ""):
            problems.append(f"dangerous <style>: {(element.text or '')[:120]!r}")
        if name in SVG_ANIMATIONS and (attributes.get("attributename") or "").lower() in {"href", "xlink:href"}:
            values = [attributes.get(key) or "" for key in SVG_ANIMATION_VALUES]
            if any(dangerous_url(part) for value in values for part in value.split(";")):
                problems.append(f"SVG animation sets a script URL: {shown}")
        for attribute, value in attributes.items():
            if attribute.startswith("on"):
                problems.append(f"event handler {attribute} on {shown}")
            elif attribute == "srcdoc":
                problems.append(f"srcdoc on {shown}")
            elif attribute == "style" and dangerous_css(value):
                problems.append(f"dangerous style on {shown}")
            elif attribute in URL_ATTRIBUTES and dangerous_url(value):
                problems.append(f"script URL in {attribute} of {shown}")
            elif attribute == "srcset" and any(dangerous_url(candidate) for candidate in value.split(",")):
                problems.append(f"script URL in srcset of {shown}")
    return problems


def outside_allow_list(root):
    """Elements and attributes under `root` (sanitized article HTML) that the Markdown allow-list does not
    permit: after a browser's parse, the body must still be only what nh3 was told to keep."""
    problems = []
    for element in elements(root):
        if element is root:
            continue
        namespace, name = split_name(element.tag)
        if namespace != XHTML or name not in ALLOWED_TAGS:
            problems.append(f"<{name}> ({namespace}) is not on the allow-list")
            continue
        extra = {split_name(key)[1] for key in element.attrib} - _BODY_ATTRIBUTES[name]
        if extra:
            problems.append(f"<{name}> has attributes off the allow-list: {sorted(extra)}")
    return problems


# --- feeds -----------------------------------------------------------------------------------

RSS_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
RSS_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass
class FeedItem:
    """One entry of a feed, whatever its format: text fields as readers get them after XML or JSON parsing."""

    guid: str
    title: str
    summary_html: str | None  # RSS description and Atom summary: the summary as escaped HTML
    summary_text: str | None  # JSON Feed summary: plain text
    content_html: str
    categories: list = field(default_factory=list)
    authors: list = field(default_factory=list)


@dataclass
class Feed:
    title: str
    description: str
    items: list


def read_feed(response):
    """A Feed from an RSS 2.0, Atom 1.0 or JSON Feed response (XML must be well-formed to get here)."""
    if response["Content-Type"].startswith("application/feed+json"):
        data = json.loads(response.content)
        items = [
            FeedItem(
                guid=item["id"],
                title=item["title"],
                summary_html=None,
                summary_text=item["summary"],
                content_html=item["content_html"],
                categories=item.get("tags", []),
                authors=[author["name"] for author in item["authors"]],
            )
            for item in data["items"]
        ]
        return Feed(data["title"], data.get("description", ""), items)
    root = ET.fromstring(response.content)
    if root.tag == "rss":
        channel = root.find("channel")
        items = [
            FeedItem(
                guid=item.findtext("guid"),
                title=item.findtext("title"),
                summary_html=item.findtext("description"),
                summary_text=None,
                content_html=item.findtext(RSS_CONTENT),
                categories=[category.text for category in item.findall("category")],
                authors=[creator.text for creator in item.findall(RSS_CREATOR)],
            )
            for item in channel.findall("item")
        ]
        return Feed(channel.findtext("title"), channel.findtext("description"), items)
    items = [
        FeedItem(
            guid=entry.findtext(f"{ATOM}id"),
            title=entry.findtext(f"{ATOM}title"),
            summary_html=entry.findtext(f"{ATOM}summary"),
            summary_text=None,
            content_html=entry.findtext(f"{ATOM}content"),
            categories=[category.get("term") for category in entry.findall(f"{ATOM}category")],
            authors=[author.findtext(f"{ATOM}name") for author in entry.findall(f"{ATOM}author")],
        )
        for entry in root.findall(f"{ATOM}entry")
    ]
    return Feed(root.findtext(f"{ATOM}title"), root.findtext(f"{ATOM}subtitle") or "", items)


def feed_item_problems(item):
    """What in one feed item could run script in a feed reader that shows its HTML fields as HTML."""
    body = parse_fragment(item.content_html or "")
    problems = unsafe_markup(body) + outside_allow_list(body)
    if item.summary_html is not None:
        summary = parse_fragment(item.summary_html)
        problems += unsafe_markup(summary)
        problems += [f"markup in the summary: <{split_name(e.tag)[1]}>" for e in elements(summary) if e is not summary]
    return problems
