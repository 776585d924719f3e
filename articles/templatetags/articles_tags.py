import json
from urllib.parse import quote, urlsplit

from django import template
from django.conf import settings
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

register = template.Library()

# The characters json_script escapes, so no text inside JSON-LD can close the <script> element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data):
    """A <script type="application/ld+json"> block; safe whatever the strings contain."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))  # noqa: S308  # nosec B308 B703 (json escaped)


@register.simple_tag
def article_json_ld(article):
    """schema.org Article and BreadcrumbList for one article page."""
    site_url = settings.SITE_URL
    article_data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": article.title,
        "description": article.summary,
        "datePublished": localtime(article.published_at).isoformat(),
        "dateModified": localtime(article.updated_at).isoformat(),
        "author": {
            "@type": "Person" if article.author.user_id else "Organization",
            "name": article.author.name,
            "url": site_url + article.author.get_absolute_url(),
        },
        "publisher": {
            "@type": "Organization",
            "name": settings.SITE_NAME,
            "logo": {"@type": "ImageObject", "url": f"{site_url}/static/icons/icon-512.png"},
        },
        "mainEntityOfPage": article.absolute_url(),
        "inLanguage": "ja",
        "articleSection": article.category.name,
        "keywords": [tag.name for tag in article.tags.all()],
    }
    share_image = article.share_image_url()
    if share_image:
        article_data["image"] = [share_image]
    breadcrumbs = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "ホーム", "item": site_url + "/"},
            {
                "@type": "ListItem",
                "position": 2,
                "name": article.category.name,
                "item": site_url + article.category.get_absolute_url(),
            },
            {"@type": "ListItem", "position": 3, "name": article.title, "item": article.absolute_url()},
        ],
    }
    return json_ld(article_data) + json_ld(breadcrumbs)


@register.simple_tag
def share_links(article):
    """Plain share links (no third-party scripts): [(service name, URL), …]."""
    url = article.absolute_url()
    encoded_url, encoded_title = quote(url, safe=""), quote(article.title, safe="")
    without_scheme = url.split("://", 1)[-1]
    hatena_prefix = "s/" if urlsplit(url).scheme == "https" else ""
    return [
        ("X", f"https://x.com/intent/post?text={encoded_title}&url={encoded_url}"),
        ("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={encoded_url}"),
        ("はてなブックマーク", f"https://b.hatena.ne.jp/entry/{hatena_prefix}{quote(without_scheme, safe='/')}"),
        ("LINE", f"https://social-plugins.line.me/lineit/share?url={encoded_url}"),
    ]


@register.filter
def toc_tree(entries):
    """Table-of-contents entries [(level, anchor, text), …] as a tree of dicts: each h2 with its h3s as children.

    Nested lists keep the numbering of the h2s unbroken and let a screen reader tell sections from subsections;
    an h3 before any h2 stands on its own.
    """
    tree = []
    for level, anchor, text in entries:
        entry = {"anchor": anchor, "text": text, "children": []}
        if level > 2 and tree:
            tree[-1]["children"].append(entry)
        else:
            tree.append(entry)
    return tree


@register.filter
def iso_local(value):
    """ISO 8601 in Tokyo time to the second, e.g. 2025-12-22T01:39:02+09:00 (HTML allows at most 3 fraction digits)."""
    return localtime(value).isoformat(timespec="seconds") if value else ""


@register.filter
def phrased_title(article):
    """The article's title with <wbr> between phrases as stored at save (Article.title_html), for headings and
    cards; the escaped plain title for an article saved before it had one. Never for <title>, og or feeds."""
    if article.title_html:
        return mark_safe(article.title_html)  # noqa: S308  # nosec B308 B703 (escaped phrases, phrasing.phrase_text)
    return conditional_escape(article.title)
