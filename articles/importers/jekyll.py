"""Parse Jekyll posts (YAML front matter + Markdown) into plain data. No database here."""

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import frontmatter
import yaml

ARCHIVE_TIME_ZONE = ZoneInfo("Asia/Tokyo")
_FILENAME_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")
_OFFSET_WITHOUT_COLON = re.compile(r"\s*([+-])(\d{2}):?(\d{2})$")
_LIQUID_HIGHLIGHT = re.compile(r"^[ \t]*\{%-?\s*highlight\s+([\w+#.-]+)[^%]*-?%\}[ \t]*$", re.M)
_LIQUID_END_HIGHLIGHT = re.compile(r"^[ \t]*\{%-?\s*endhighlight\s*-?%\}[ \t]*$", re.M)
_LIQUID_RAW_BLOCK = re.compile(r"\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}", re.S)
_LIQUID_TAG = re.compile(r"\{%-?.*?-?%\}", re.S)
_LIQUID_OUTPUT = re.compile(r"\{\{.*?\}\}", re.S)
_KRAMDOWN_ATTRIBUTES = re.compile(r"^[ \t]*\{:[^}\n]*\}[ \t]*\n?|\{:[^}\n]*\}", re.M)


class PostParseError(ValueError):
    """A post that cannot be imported; the message says why, in Japanese, for the editor."""


class _StringDatesLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """SafeLoader (libyaml's, where built) that leaves dates as text, so offsets like `+0000` are parsed by us,
    not lost."""


_StringDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class ParsedPost:
    source_name: str
    checksum: str
    title: str
    body: str
    published_at: dt.datetime | None
    last_modified_at: dt.datetime | None
    is_draft: bool
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    author: str
    excerpt: str
    slug: str
    permalink: str
    reading_time: int | None


def find_post_files(paths):
    """Files among `paths`; folders are searched recursively for files that start with front matter.

    Hidden files and folders (.git, .DS_Store) are skipped. Files named directly are always returned,
    so that a broken one is reported rather than silently ignored.
    """
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            for candidate in sorted(path.rglob("*")):
                relative_parts = candidate.relative_to(path).parts
                hidden = any(part.startswith(".") for part in relative_parts)
                if candidate.is_file() and not hidden and _starts_with_front_matter(candidate):
                    found.append(candidate)
        else:
            found.append(path)
    return found


def _starts_with_front_matter(path):
    with path.open("rb") as handle:
        return handle.read(4).lstrip(b"\xef\xbb\xbf").startswith(b"---")


def parse_post(path):
    """Read one Jekyll post file; raise PostParseError with the reason when it cannot be imported."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise PostParseError(f"ファイルを読めません: {error.strerror}") from error
    return parse_post_text(raw, source_name=path.name)


def parse_post_text(raw, *, source_name):
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PostParseError(f"UTF-8 ではありません（{error.start} バイト目）") from error
    if not text.lstrip().startswith("---"):
        raise PostParseError("front matter（先頭の --- で囲まれた YAML）がありません")
    try:
        metadata, body = frontmatter.parse(text, Loader=_StringDatesLoader)
    except yaml.YAMLError as error:
        raise PostParseError(f"front matter の YAML が壊れています: {_yaml_problem(error)}") from error
    if not isinstance(metadata, dict):
        raise PostParseError("front matter がキーと値の組になっていません")

    title = _text(metadata.get("title"))
    if not title:
        raise PostParseError("title がありません")
    file_date, file_slug = _split_filename(source_name)
    is_draft = _is_false(metadata.get("published"))
    published_at = _parse_date(metadata.get("date"), file_date)
    if published_at is None and not is_draft:
        raise PostParseError("日付がありません（front matter の date もファイル名の日付もありません）")

    return ParsedPost(
        source_name=source_name,
        checksum=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        title=title,
        body=clean_jekyll_markup(body),
        published_at=published_at,
        last_modified_at=_parse_date(metadata.get("last_modified_at"), None),
        is_draft=is_draft,
        categories=_names(metadata.get("categories")) + _names(metadata.get("category")),
        tags=_names(metadata.get("tags")) + _names(metadata.get("tag")),
        author=_text(metadata.get("author")),
        excerpt=_text(metadata.get("excerpt")),
        slug=_text(metadata.get("slug")) or file_slug,
        permalink=_text(metadata.get("permalink")),
        reading_time=_positive_int(metadata.get("reading_time")),
    )


def clean_jekyll_markup(body):
    """Make Liquid and Kramdown syntax harmless, as Jekyll would have: highlight blocks become
    fences, `{% raw %}` content is kept verbatim, other Liquid tags and attribute lists go."""
    parts = _LIQUID_RAW_BLOCK.split(body)
    for index in range(0, len(parts), 2):  # odd indexes are {% raw %} contents
        text = _LIQUID_HIGHLIGHT.sub(lambda match: f"```{match.group(1)}", parts[index])
        text = _LIQUID_END_HIGHLIGHT.sub("```", text)
        text = _LIQUID_OUTPUT.sub("", _LIQUID_TAG.sub("", text))
        parts[index] = _KRAMDOWN_ATTRIBUTES.sub("", text)
    return "".join(parts).strip() + "\n"


def _split_filename(source_name):
    stem = Path(source_name).stem
    match = _FILENAME_DATE.match(stem)
    if not match:
        return None, ""
    year, month, day, slug = match.groups()
    try:
        return dt.date(int(year), int(month), int(day)), slug
    except ValueError:
        return None, slug


def _parse_date(value, file_date):
    """`date:` with its own offset wins; a date without offset, or the file name's, is Tokyo time."""
    if value in (None, ""):
        if file_date is None:
            return None
        return dt.datetime.combine(file_date, dt.time(), tzinfo=ARCHIVE_TIME_ZONE)
    text = str(value).strip()
    normalised = _OFFSET_WITHOUT_COLON.sub(r"\1\2:\3", text).replace(" ", "T", 1)
    if normalised.endswith(("Z", "z")):
        normalised = normalised[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(normalised)
    except ValueError:
        raise PostParseError(f"date を日時として読めません: {text!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ARCHIVE_TIME_ZONE)
    return parsed


def _names(value):
    """Jekyll allows a YAML list or a space-separated string for categories and tags."""
    if value in (None, ""):
        return ()
    items = value if isinstance(value, list) else str(value).split()
    names = []
    for item in items:
        name = _text(item)
        if name and name not in names:
            names.append(name)
    return tuple(names)


def _text(value):
    return "" if value is None else " ".join(str(value).split())


def _is_false(value):
    return value is False or str(value).strip().lower() in {"false", "no", "off"}


def _positive_int(value):
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if number > 0 else None


def _yaml_problem(error):
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    return f"{problem}（{mark.line + 1} 行目）" if mark else problem
