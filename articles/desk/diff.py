"""Side-by-side differences between two revisions, readable for Japanese (character level within
changed lines, since Japanese has no spaces to split words on), with a time budget. Pure functions."""

from dataclasses import dataclass

from diff_match_patch import diff_match_patch
from django.utils.html import escape
from django.utils.safestring import mark_safe

DIFF_SECONDS = 0.5
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
    result = []
    for old_chunk, new_chunk in _line_blocks(old_text, new_text):
        if old_chunk == new_chunk:
            result += [DiffLine("equal", escape(line), escape(line)) for line in old_chunk]
            continue
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


def _line_blocks(old_text, new_text):
    """(old lines, new lines) blocks in order: equal blocks hold the same lines, changed blocks what was
    removed and what came instead."""
    differ = _differ()
    # Every line ends in a newline, so a last line without one still equals itself elsewhere.
    old_chars, new_chars, lines = differ.diff_linesToChars(_terminated(old_text), _terminated(new_text))
    diffs = differ.diff_main(old_chars, new_chars, False)
    differ.diff_charsToLines(diffs, lines)
    blocks, removed, added = [], [], []
    for operation, text in diffs:
        if operation == differ.DIFF_EQUAL:
            if removed or added:
                blocks.append((removed, added))
                removed, added = [], []
            blocks.append((text.splitlines(), text.splitlines()))
        else:
            (removed if operation == differ.DIFF_DELETE else added).extend(text.splitlines())
    if removed or added:
        blocks.append((removed, added))
    return blocks


def diff_characters(old_line, new_line):
    """(old HTML, new HTML) of one changed line, marking the changed characters."""
    old_parts, new_parts = [], []
    differ = _differ()
    for operation, text in differ.diff_main(old_line, new_line, False):
        piece = escape(text)
        if operation == differ.DIFF_EQUAL:
            old_parts.append(piece)
            new_parts.append(piece)
        elif operation == differ.DIFF_DELETE:
            old_parts.append(f"<del>{piece}</del>")
        else:
            new_parts.append(f"<ins>{piece}</ins>")
    return mark_safe("".join(old_parts)), mark_safe("".join(new_parts))  # noqa: S308 (every piece escaped)  # nosec B308 B703


def _terminated(text):
    return text if not text or text.endswith("\n") else text + "\n"


class _BoundedDiffMatchPatch(diff_match_patch):
    """diff-match-patch without its "half match" shortcut: on repetitive text (`ab` × 100,000 against `ba` ×
    100,000) that step is quadratic and never looks at the deadline, 19 s here; without it Diff_Timeout holds."""

    def diff_halfMatch(self, text1, text2):
        return None


def _differ():
    """diff-match-patch with a time budget: past DIFF_SECONDS it returns a coarser diff, still correct (a
    changed 40,000-character line took difflib 69 s, on a page any desk member may open)."""
    differ = _BoundedDiffMatchPatch()
    differ.Diff_Timeout = DIFF_SECONDS
    return differ


def _as_text(value):
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return str(value)
