"""Write articles as Jekyll posts (YAML front matter + Markdown). No database here: plain data in, text out.

What is written re-imports with articles/importers/ into the same articles, and a Jekyll site shows it:

- A post with a publication time is `_posts/YYYY-MM-DD-<slug>.md` (the day in Tokyo time); one without is
  `_drafts/<slug>.md`, as Jekyll keeps drafts. Anything readers cannot see (not 公開中 or 予約公開) gets
  `published: false`, so it comes back as a draft and Jekyll does not build it.
- The front matter is `title`, `date` (Tokyo time with its offset), `categories` (the primary first), `tags`,
  `author`, `excerpt` (only one the editor wrote), `slug`, `permalink` (when set), `published: false` and
  `last_modified_at`, dumped by PyYAML so quotes, colons and `---` in titles are quoted as YAML needs.
- A body holding Liquid or Kramdown syntax (`{{`, `{%`, `{:`) is wrapped in `{% raw %}`: Jekyll prints it as
  written, and the importer keeps it instead of removing it as archive markup.
"""

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

import yaml

from articles.importers.jekyll import ARCHIVE_TIME_ZONE

_NEEDS_RAW = re.compile(r"\{[{%:]")
_END_RAW = re.compile(r"\{%-?\s*endraw\s*-?%\}")
_DATED_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}-")
MAX_FILE_NAME_BYTES = 255


@dataclass(frozen=True)
class ExportedPost:
    title: str
    slug: str
    body: str
    excerpt: str
    published_at: dt.datetime | None
    last_modified_at: dt.datetime | None
    is_live: bool
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    author: str
    permalink: str


def post_from_article(article):
    """The data to export from an Article whose author, categories and tags are loaded (prefetch them)."""
    return ExportedPost(
        title=article.title,
        slug=article.slug,
        body=article.body,
        excerpt=article.excerpt,
        published_at=article.published_at,
        last_modified_at=article.updated_at,
        is_live=article.is_released() and article.published_at is not None,
        categories=tuple(category.name for category in article.all_categories()),
        tags=tuple(sorted(tag.name for tag in article.tags.all())),
        author=article.author.name,
        permalink=article.permalink,
    )


def post_path(post):
    """Where the post goes, relative to the export folder."""
    if post.published_at is None:
        # The importer reads a date from a dated file name; an undated draft must not gain one.
        prefix = "draft-" if _DATED_NAME.match(post.slug) else ""
        return PurePosixPath("_drafts", _file_name(prefix, post.slug))
    day = post.published_at.astimezone(ARCHIVE_TIME_ZONE).date()
    return PurePosixPath("_posts", _file_name(f"{day:%Y-%m-%d}-", post.slug))


def _file_name(prefix, slug):
    """`<prefix><slug>.md`, shortened to what file systems allow (255 bytes; a 120-character Japanese slug is
    360) and made unique again with a hash of the slug. The full slug is in the front matter."""
    name = f"{prefix}{slug}.md"
    if len(name.encode()) <= MAX_FILE_NAME_BYTES:
        return name
    digest = hashlib.sha256(slug.encode()).hexdigest()[:8]
    while len(f"{prefix}{slug}-{digest}.md".encode()) > MAX_FILE_NAME_BYTES:
        slug = slug[:-1]
    return f"{prefix}{slug.rstrip('-')}-{digest}.md"


def render_post(post):
    """The whole file: front matter between `---` lines, a blank line, the Markdown body."""
    header = yaml.safe_dump(front_matter(post), allow_unicode=True, sort_keys=False, width=1_000_000)
    return f"---\n{header}---\n\n{protect_liquid(normalise_body(post.body))}"


def front_matter(post):
    data = {"title": post.title}
    if post.published_at is not None:
        data["date"] = format_date(post.published_at)
    data["categories"] = list(post.categories)
    data["tags"] = list(post.tags)
    data["author"] = post.author
    if post.excerpt:
        data["excerpt"] = post.excerpt
    data["slug"] = post.slug
    if post.permalink:
        data["permalink"] = post.permalink
    if not post.is_live:
        data["published"] = False
    if post.last_modified_at is not None:
        data["last_modified_at"] = format_date(post.last_modified_at)
    return data


def format_date(value):
    """Jekyll's `2025-12-22 01:39:02 +0900`, in Tokyo time; sub-second precision only when there is some."""
    local = value.astimezone(ARCHIVE_TIME_ZONE)
    fraction = f".{local.microsecond:06d}" if local.microsecond else ""
    return f"{local:%Y-%m-%d %H:%M:%S}{fraction} {local:%z}"


def normalise_body(body):
    """Unix line endings (the admin's form posts CRLF), no leading blank lines, one final newline."""
    return body.replace("\r\n", "\n").replace("\r", "\n").lstrip("\n").rstrip() + "\n"


def protect_liquid(body):
    """`body` inside `{% raw %}` when it holds Liquid or Kramdown syntax, so both Jekyll and the importer
    keep it as written. A literal `{% endraw %}` is split across two raw blocks, the only way to write one."""
    if not _NEEDS_RAW.search(body):
        return body
    body = _END_RAW.sub(lambda match: match.group()[:2] + "{% endraw %}{% raw %}" + match.group()[2:], body)
    return "{% raw %}\n" + body + "{% endraw %}\n"
