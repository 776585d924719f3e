"""Parse Jekyll posts (YAML front matter + Markdown) into plain data. No database here."""

import codecs
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import frontmatter
import yaml

from articles.markdown import body_length_refusal

ARCHIVE_TIME_ZONE = ZoneInfo("Asia/Tokyo")
# ~700,000 Japanese characters, a hundred long analyses: a 72 MB file took 1.4 GB of memory to import.
POST_MAX_BYTES = 2 * 2**20
FRONT_MATTER_MAX_VALUES = 10_000
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


# Byte-order marks, longest first: UTF-32 LE's begins with UTF-16 LE's. Windows editors save with them.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass
class FoundFiles:
    """What a search of the given paths found: posts to import, and every other file with the reason it is
    not one, so that nothing is passed over without a word. Hidden files and folders are counted apart."""

    posts: list = field(default_factory=list)
    not_posts: list = field(default_factory=list)  # (path, reason)
    hidden: int = 0


def find_post_files(paths):
    """Files among `paths`; folders are searched recursively for files that start with front matter, in any
    of UTF-8 (with or without a byte-order mark), UTF-16 or UTF-32 with a byte-order mark.

    Hidden files and folders (.git, .DS_Store) are skipped, and counted; a link to a file outside the folder is
    not followed (it could read anything on the machine). A file that cannot be decoded is a
    post (it fails with its reason) unless it looks binary. Files named directly are always posts, so that a
    broken one is reported rather than silently ignored.
    """
    found = FoundFiles()
    for path in map(Path, paths):
        if not path.is_dir():
            found.posts.append(path)
            continue
        inside = path.resolve()
        for candidate in sorted(path.rglob("*")):
            if not candidate.is_file():
                continue
            if any(part.startswith(".") for part in candidate.relative_to(path).parts):
                found.hidden += 1
                continue
            if not candidate.resolve().is_relative_to(inside):
                found.not_posts.append(
                    (candidate, f"{path} の外を指すリンクです（取り込むならファイルを直接指定してください）")
                )
                continue
            reason = _not_a_post(candidate)
            if reason:
                found.not_posts.append((candidate, reason))
            else:
                found.posts.append(candidate)
    return found


def _not_a_post(path):
    """Why the file at `path` is not a post, or "" when it starts with front matter (or cannot be decoded and
    does not look binary: then it is imported and fails with the reason)."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    encoding, start = _encoding_of(head)
    if encoding is None and b"\x00" in head:
        return "テキストではありません（画像などのバイナリファイル）"
    try:
        # A BOM's encoding is certain; only the 4,096-byte cut may split a character there.
        text = head[start:].decode(encoding or "utf-8", errors="ignore" if encoding else "strict")
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 3:  # only the cut split a character
            text = head[: error.start].decode("utf-8")
        else:
            return ""  # not UTF-8 text: imported, so that it fails with its reason
    if not text.lstrip().startswith("---"):
        return "front matter（先頭の --- で囲まれた YAML）で始まっていません"
    return ""


def _encoding_of(raw):
    """(encoding, length of its byte-order mark) for a byte-order mark at the start of `raw`, else (None, 0)."""
    for mark, encoding in _BYTE_ORDER_MARKS:
        if raw.startswith(mark):
            return encoding, len(mark)
    return None, 0


def decode_post(raw):
    """A post's text: by its byte-order mark (UTF-8, UTF-16, UTF-32), else strict UTF-8."""
    encoding, start = _encoding_of(raw)
    try:
        return raw[start:].decode(encoding or "utf-8")
    except UnicodeDecodeError as error:
        name = (encoding or "utf-8").upper()
        hint = "（Shift_JIS などは UTF-8 で保存し直してください）" if encoding is None else ""
        raise PostParseError(f"{name} ではありません（{start + error.start} バイト目）{hint}") from error


def parse_post(path):
    """Read one Jekyll post file; raise PostParseError with the reason when it cannot be imported."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > POST_MAX_BYTES:
            raise PostParseError(
                f"ファイルが大きすぎます（{size / 2**20:.1f} MB。1 件の投稿は {POST_MAX_BYTES // 2**20} MB まで）"
            )
        raw = path.read_bytes()
    except OSError as error:
        raise PostParseError(f"ファイルを読めません: {error.strerror}") from error
    return parse_post_text(raw, source_name=path.name)


def parse_post_text(raw, *, source_name):
    text = decode_post(raw)
    if not text.lstrip().startswith("---"):
        raise PostParseError("front matter（先頭の --- で囲まれた YAML）がありません")
    try:
        metadata, body = frontmatter.parse(text, Loader=_StringDatesLoader)
    except yaml.YAMLError as error:
        raise PostParseError(f"front matter の YAML が壊れています: {_yaml_problem(error)}") from error
    if not isinstance(metadata, dict):
        raise PostParseError("front matter がキーと値の組になっていません")
    _refuse_shared_values(metadata)

    refusal = body_length_refusal(body)
    if refusal:
        raise PostParseError(refusal)
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


def _refuse_shared_values(metadata):
    """YAML aliases (`*name`) make one list appear many times: 365 bytes of nested aliases stand for ~4×10⁸
    items, which the import would expand into memory. Front matter never needs them, so a value met twice
    (an alias) or more than FRONT_MATTER_MAX_VALUES values refuse the file."""
    seen, pending, count = set(), [metadata], 0
    while pending:
        value = pending.pop()
        count += 1
        if count > FRONT_MATTER_MAX_VALUES:
            raise PostParseError(f"front matter の値が多すぎます（{FRONT_MATTER_MAX_VALUES:,} 個まで）")
        if isinstance(value, dict | list):
            if id(value) in seen:
                raise PostParseError("front matter の YAML で別名（& と * のエイリアス）は使えません")
            seen.add(id(value))
            pending.extend(value.values() if isinstance(value, dict) else value)


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
