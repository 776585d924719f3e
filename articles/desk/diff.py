"""Side-by-side differences between two revisions, readable for Japanese (character level within
changed lines, since Japanese has no spaces to split words on). Pure functions."""

from dataclasses import dataclass
from difflib import SequenceMatcher

from django.utils.html import escape
from django.utils.safestring import mark_safe

FIELD_LABELS = {
    "title": "タイトル",
    "slug": "スラッグ",
    "excerpt": "抜粋",
    "body": "本文",
    "hero_image": "アイキャッチ画像",
    "hero_image_alt": "代替テキスト",
    "correction_note": "訂正のお知らせ",
    "author_id": "著者",
    "category_id": "メインカテゴリ",
    "secondary_category_ids": "その他のカテゴリ",
    "tags": "タグ",
}


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "equal", "delete", "insert", "replace"
    old_html: str
    new_html: str


@dataclass(frozen=True)
class FieldDiff:
    label: str
    lines: list


def compare_revisions(old, new):
    """[FieldDiff] for every field that differs between two revision contents."""
    diffs = []
    for field, label in FIELD_LABELS.items():
        old_value, new_value = _as_text(old.get(field)), _as_text(new.get(field))
        if old_value != new_value:
            diffs.append(FieldDiff(label, diff_lines(old_value, new_value)))
    return diffs


def diff_lines(old_text, new_text):
    """Line pairs with changes marked: <del> in the old line, <ins> in the new one."""
    old_lines, new_lines = old_text.splitlines(), new_text.splitlines()
    result = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if tag == "equal":
            result += [DiffLine("equal", escape(line), escape(line)) for line in old_lines[i1:i2]]
            continue
        old_chunk, new_chunk = old_lines[i1:i2], new_lines[j1:j2]
        for index in range(max(len(old_chunk), len(new_chunk))):
            old_line = old_chunk[index] if index < len(old_chunk) else None
            new_line = new_chunk[index] if index < len(new_chunk) else None
            if old_line is None:
                result.append(DiffLine("insert", "", mark_safe(f"<ins>{escape(new_line)}</ins>")))  # noqa: S308  # nosec B308 B703 (escaped)
            elif new_line is None:
                result.append(DiffLine("delete", mark_safe(f"<del>{escape(old_line)}</del>"), ""))  # noqa: S308  # nosec B308 B703 (escaped)
            else:
                result.append(DiffLine("replace", *diff_characters(old_line, new_line)))
    return result


def diff_characters(old_line, new_line):
    """(old HTML, new HTML) of one changed line, marking the changed characters."""
    old_parts, new_parts = [], []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_line, new_line, autojunk=False).get_opcodes():
        old_piece, new_piece = escape(old_line[i1:i2]), escape(new_line[j1:j2])
        if tag == "equal":
            old_parts.append(old_piece)
            new_parts.append(new_piece)
            continue
        if old_piece:
            old_parts.append(f"<del>{old_piece}</del>")
        if new_piece:
            new_parts.append(f"<ins>{new_piece}</ins>")
    return mark_safe("".join(old_parts)), mark_safe("".join(new_parts))  # noqa: S308 (every piece escaped)  # nosec B308 B703


def _as_text(value):
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return str(value)
