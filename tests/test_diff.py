"""articles/desk/diff.py: what the desk sees when it compares two revisions. Pure functions, no database."""

import re

from django.template import Context, Template

from articles.desk.diff import DiffLine, FieldDiff, compare_revisions, diff_lines


def as_rendered(html):
    """What the revisions page prints for one side of a line: it outputs the HTML as it is, unescaped."""
    return Template("{{ html }}").render(Context({"html": html}))


def test_only_the_fields_that_differ_are_listed_with_their_japanese_labels_in_form_order():
    old = {"category_id": 1, "title": "旧題", "slug": "kiji", "body": "本文", "tags": ["AI"]}
    new = {"category_id": 2, "title": "新題", "slug": "kiji", "body": "本文", "tags": ["AI"]}

    differences = compare_revisions(old, new)

    assert [field.label for field in differences] == ["タイトル", "メインカテゴリ"]
    assert differences[0] == FieldDiff("タイトル", [DiffLine("replace", "<del>旧</del>題", "<ins>新</ins>題")])


def test_a_field_missing_from_an_older_revision_counts_as_empty():
    """Revisions stored before a field existed hold no key for it: not a change if the newer one is empty."""
    old = {"title": "題"}
    new = {"title": "題", "correction_note": "", "tags": [], "secondary_category_ids": []}

    assert compare_revisions(old, new) == []
    assert [field.label for field in compare_revisions(old, {**new, "correction_note": "訂正"})] == ["訂正のお知らせ"]


def test_changed_japanese_characters_within_a_line_are_marked_not_the_whole_line():
    """Japanese has no spaces between words, so a changed line is compared character by character."""
    added = diff_lines("半導体の需要は強い。", "半導体の需要はとても強い。")
    replaced = diff_lines("需要は強い。", "需要は弱い。")

    assert added == [DiffLine("replace", "半導体の需要は強い。", "半導体の需要は<ins>とても</ins>強い。")]
    assert replaced == [DiffLine("replace", "需要は<del>強</del>い。", "需要は<ins>弱</ins>い。")]


def test_added_and_removed_lines_are_marked_whole_and_unchanged_lines_are_kept_for_context():
    lines = diff_lines("一行目\n二行目\n三行目", "一行目\n三行目\n四行目")

    assert lines == [
        DiffLine("equal", "一行目", "一行目"),
        DiffLine("delete", "<del>二行目</del>", ""),
        DiffLine("equal", "三行目", "三行目"),
        DiffLine("insert", "", "<ins>四行目</ins>"),
    ]


def test_a_changed_block_pairs_its_lines_in_order_and_marks_the_lines_left_over():
    lines = diff_lines("前\n古い二行目\n古い三行目", "前\n新しい二行目")

    assert [line.kind for line in lines] == ["equal", "replace", "delete"]
    assert lines[1] == DiffLine("replace", "<del>古</del>い二行目", "<ins>新し</ins>い二行目")
    assert lines[2].old_html == "<del>古い三行目</del>"


def test_tags_and_other_categories_are_compared_one_item_a_line():
    differences = compare_revisions(
        {"tags": ["AI", "半導体"], "secondary_category_ids": [3]},
        {"tags": ["AI", "量子"], "secondary_category_ids": [3]},
    )

    assert differences == [
        FieldDiff("タグ", [DiffLine("equal", "AI", "AI"), DiffLine("replace", "<del>半導体</del>", "<ins>量子</ins>")])
    ]


def test_html_in_the_text_is_shown_as_text_and_only_the_diff_marks_are_markup():
    old = {"title": "<img src=x onerror=alert(1)>", "body": "<b>同じ</b>\n<p>変わる</p>\n<i>消える</i>"}
    new = {"title": "題", "body": "<b>同じ</b>\n<p>変わった&</p>", "excerpt": "<script>alert(1)</script>"}

    rendered = [
        as_rendered(html)
        for field in compare_revisions(old, new)
        for line in field.lines
        for html in (line.old_html, line.new_html)
    ]

    assert {tag for html in rendered for tag in re.findall(r"</?([a-z]+)", html)} == {"del", "ins"}
    for text in ("&lt;img src=x onerror=alert(1)&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;",
                 "&lt;b&gt;同じ&lt;/b&gt;", "&lt;i&gt;消える&lt;/i&gt;", "った&amp;"):  # fmt: skip
        assert text in "".join(rendered)


def test_a_long_changed_line_is_diffed_within_the_time_budget_and_still_reads_back():
    """One changed 40,000-character line took difflib 69 s; diff-match-patch stops refining at DIFF_SECONDS
    and what it marks still reads back as the two lines."""
    old = "".join("半導体の需要は強い。"[index % 10] for index in range(40_000))
    new = old[:20_000] + "とても" + old[20_000:].replace("強", "弱")

    [field] = compare_revisions({"body": old}, {"body": new})
    [line] = field.lines

    def text(html, dropped):
        return re.sub(r"<[^>]+>", "", re.sub(rf"<{dropped}>.*?</{dropped}>", "", html))

    assert line.kind == "replace"
    assert text(line.old_html, "ins") == old and text(line.new_html, "del") == new
    assert "<ins>" in line.new_html and "<del>" in line.old_html


def test_repetitive_text_is_diffed_correctly_without_the_half_match_shortcut():
    """`ab` × n against `ba` × n: diff-match-patch's half-match step ignores the time budget on such text
    (19 s for n = 100,000; make bench-bounds times it). The marked result still reads back as both texts."""
    old, new = "ab" * 2_000, "ba" * 2_000

    [field] = compare_revisions({"body": old}, {"body": new})
    [line] = field.lines

    assert re.sub(r"<[^>]+>", "", re.sub(r"<ins>.*?</ins>", "", line.old_html)) == old
    assert re.sub(r"<[^>]+>", "", re.sub(r"<del>.*?</del>", "", line.new_html)) == new
