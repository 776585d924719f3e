import datetime as dt
import shutil
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.importers.jekyll import PostParseError, clean_jekyll_markup, find_post_files, parse_post
from articles.models import Article
from tests.conftest import FIXTURES

JEKYLL = FIXTURES / "jekyll"
TOKYO = ZoneInfo("Asia/Tokyo")


def run_import(*paths, dry_run=False):
    out, err = StringIO(), StringIO()
    args = [str(path) for path in paths] + (["--dry-run"] if dry_run else [])
    try:
        call_command("import_jekyll", *args, stdout=out, stderr=err, verbosity=0)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


# --- parsing, no database -------------------------------------------------------------------


def test_front_matter_fields_are_mapped():
    post = parse_post(JEKYLL / "good" / "2024-03-05-chip-outlook.md")

    assert post.title == "半導体の見通し"
    assert post.published_at == dt.datetime(2024, 3, 5, 10, 0, tzinfo=TOKYO)
    assert post.categories == ("技術動向", "投資分析")  # space-separated string
    assert post.tags == ("半導体", "AI")
    assert post.author == "ALLFORCES テクノロジー班"
    assert post.excerpt == "半導体市場の見通しを短くまとめます。"
    assert post.reading_time == 3
    assert post.permalink == "/2024/03/05/chip-outlook.html"
    assert post.slug == "chip-outlook"  # from the file name
    assert not post.is_draft


def test_liquid_and_kramdown_are_made_harmless():
    body = parse_post(JEKYLL / "good" / "2024-03-05-chip-outlook.md").body

    assert "{%" not in body.replace("{% raw %}", "")
    assert "{: .lead}" not in body
    assert "include ad.html" not in body
    assert '```python\nprint("")\n```' in body
    assert "テンプレートの例: {{ page.title }}" in body  # {% raw %} content is kept verbatim


def test_date_falls_back_to_file_name_in_tokyo_time_and_singular_keys_are_read():
    post = parse_post(JEKYLL / "good" / "nested" / "2024-04-01-from-filename.markdown")

    assert post.published_at == dt.datetime(2024, 4, 1, 0, 0, tzinfo=TOKYO)
    assert post.categories == ("市場レポート",)
    assert post.tags == ("金利", "為替")
    assert post.author == ""


def test_published_false_is_a_draft_and_slug_is_taken_from_front_matter():
    post = parse_post(JEKYLL / "good" / "nested" / "draft-post.txt")

    assert post.is_draft
    assert post.published_at is None
    assert post.slug == "my-draft"


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2025-12-21 16:39:02 +0000", dt.datetime(2025, 12, 22, 1, 39, 2, tzinfo=TOKYO)),
        ("2025-12-21 16:39:02 -0500", dt.datetime(2025, 12, 22, 6, 39, 2, tzinfo=TOKYO)),
        ("2025-12-21T16:39:02Z", dt.datetime(2025, 12, 22, 1, 39, 2, tzinfo=TOKYO)),
        ("2025-12-21T16:39:02+09:00", dt.datetime(2025, 12, 21, 16, 39, 2, tzinfo=TOKYO)),
        ("2025-12-21 16:39", dt.datetime(2025, 12, 21, 16, 39, tzinfo=TOKYO)),
        ("2025-12-21", dt.datetime(2025, 12, 21, 0, 0, tzinfo=TOKYO)),
    ],
)
def test_dates_keep_their_offset(tmp_path, date, expected):
    path = tmp_path / "post.md"
    path.write_text(f'---\ntitle: "t"\ndate: {date}\n---\n\nbody\n', encoding="utf-8")

    assert parse_post(path).published_at == expected


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("bad-yaml.md", "YAML が壊れています"),
        ("no-title.md", "title がありません"),
        ("bad-date.md", "date を日時として読めません"),
        ("not-utf8.md", "UTF-8 ではありません"),
        ("no-date.md", "日付がありません"),
    ],
)
def test_broken_files_are_refused_with_a_reason(name, reason):
    with pytest.raises(PostParseError, match=reason):
        parse_post(JEKYLL / "broken" / name)


def test_folders_are_searched_recursively_for_front_matter_files_only():
    names = sorted(path.name for path in find_post_files([JEKYLL / "good"]).posts)

    assert names == ["2024-03-05-chip-outlook.md", "2024-04-01-from-filename.markdown", "draft-post.txt"]


def test_clean_jekyll_markup_leaves_plain_markdown_alone():
    text = "## 見出し\n\n本文と `{code}` です。\n"

    assert clean_jekyll_markup(text) == text


# --- the command ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_creates_articles_with_categories_tags_author_and_status():
    out, _, error = run_import(JEKYLL / "good")

    assert error is None
    assert "新規 3 / 更新 0 / 変更なし 0 / 失敗 0" in out
    chip = Article.objects.get(slug="chip-outlook")
    assert [c.name for c in chip.all_categories()] == ["技術動向", "投資分析"]
    assert sorted(chip.tags.names()) == ["AI", "半導体"]
    assert chip.author.name == "ALLFORCES テクノロジー班"
    assert chip.status == Article.Status.PUBLISHED
    assert chip.is_published()
    default_author = Article.objects.get(title="ファイル名から日付を取る記事").author
    assert default_author.name == "ALLFORCES編集部"
    draft = Article.objects.get(slug="my-draft")
    assert draft.status == Article.Status.DRAFT
    assert draft.category.name == "未分類"
    assert set(Article.objects.published().values_list("slug", flat=True)) == {
        "chip-outlook",
        "from-filename",
    }


@pytest.mark.django_db
def test_a_second_import_changes_nothing():
    run_import(JEKYLL / "good")
    before = list(Article.objects.values_list("pk", "updated_at"))

    out, _, error = run_import(JEKYLL / "good")

    assert error is None
    assert "新規 0 / 更新 0 / 変更なし 3 / 失敗 0" in out
    assert list(Article.objects.values_list("pk", "updated_at")) == before


@pytest.mark.django_db
def test_an_edited_file_updates_its_article(tmp_path):
    source = tmp_path / "2024-03-05-chip-outlook.md"
    shutil.copy(JEKYLL / "good" / "2024-03-05-chip-outlook.md", source)
    run_import(source)
    source.write_text(source.read_text(encoding="utf-8").replace("半導体の見通し", "半導体の新しい見通し"), "utf-8")

    out, _, _ = run_import(source)

    assert "新規 0 / 更新 1" in out
    article = Article.objects.get()
    assert article.title == "半導体の新しい見通し"
    assert article.slug == "chip-outlook"


@pytest.mark.django_db
def test_broken_files_are_named_while_the_rest_import():
    out, err, error = run_import(JEKYLL / "broken", JEKYLL / "good")

    assert isinstance(error, CommandError)
    assert "新規 3 / 更新 0 / 変更なし 0 / 失敗 5" in out
    for name in ("bad-yaml.md", "no-title.md", "bad-date.md", "not-utf8.md", "no-date.md"):
        assert name in err
    assert "title がありません" in err
    assert Article.objects.count() == 3


@pytest.mark.django_db
def test_dry_run_reports_without_writing():
    out, _, error = run_import(JEKYLL / "good", dry_run=True)

    assert error is None
    assert "[dry-run]" in out
    assert "新規 3" in out
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_missing_path_is_an_error():
    _, _, error = run_import(JEKYLL / "does-not-exist")

    assert "見つかりません" in str(error)


@pytest.mark.django_db
def test_slug_clash_with_an_existing_article_is_resolved():
    from tests.factories import make_article

    make_article(title="chip-outlook")

    run_import(JEKYLL / "good" / "2024-03-05-chip-outlook.md")

    assert Article.objects.filter(source_name="2024-03-05-chip-outlook.md").get().slug == "chip-outlook-2"


@pytest.mark.django_db
def test_shared_sample_imports_as_the_archive_shows_it(shared_sample, tmp_path):
    """The sample imported *without* its reading_time field still comes out at 8 minutes."""
    text = shared_sample.read_text(encoding="utf-8").replace("reading_time: 8\n", "")
    assert "reading_time" not in text.split("---")[1]
    source = tmp_path / shared_sample.name
    source.write_text(text, encoding="utf-8")

    _, _, error = run_import(source)

    assert error is None
    article = Article.objects.get()
    assert timezone.localtime(article.published_at).replace(tzinfo=None) == dt.datetime(2025, 12, 22, 1, 39, 2)
    assert article.category.name == "投資分析"
    assert len(article.tags.all()) == 8
    assert article.author.name == "ALLFORCES編集部"
    assert article.reading_time == 8
    assert article.summary == "Amazon、AWSでAIチップ自社開発加速について詳細に分析します。"
    assert article.is_published()


@pytest.mark.django_db
def test_imported_articles_keep_the_archive_dates_as_last_update(tmp_path):
    dated = tmp_path / "2024-05-01-dated.md"
    dated.write_text(
        '---\ntitle: "更新日付き"\ndate: 2024-05-01 09:00:00 +0900\n'
        "last_modified_at: 2024-06-01 10:00:00 +0900\n---\n\n本文\n",
        encoding="utf-8",
    )
    plain = tmp_path / "2024-05-02-plain.md"
    plain.write_text('---\ntitle: "更新日なし"\ndate: 2024-05-02 09:00:00 +0900\n---\n\n本文\n', encoding="utf-8")

    run_import(tmp_path)

    assert Article.objects.get(title="更新日付き").updated_at == dt.datetime(2024, 6, 1, 10, 0, tzinfo=TOKYO)
    assert Article.objects.get(title="更新日なし").updated_at == dt.datetime(2024, 5, 2, 9, 0, tzinfo=TOKYO)


@pytest.mark.django_db
def test_archive_permalink_redirects_to_the_article(client):
    run_import(JEKYLL / "good" / "2024-03-05-chip-outlook.md")

    response = client.get("/2024/03/05/chip-outlook.html")

    assert response.status_code == 301
    assert response["Location"] == "/articles/chip-outlook/"


POST = '---\ntitle: "{title}"\ndate: 2024-05-01 09:00:00 +0900\ncategories: [技術動向]\n---\n\n本文です。\n'


@pytest.mark.django_db
def test_every_file_is_counted_and_windows_encodings_import(tmp_path):
    """A BOM or UTF-16/UTF-32 post imports; an undecodable one fails with its reason; an image and a note are
    listed as not posts under -v 2; hidden files are counted apart. Nothing is passed over silently."""
    (tmp_path / "2024-05-01-bom.md").write_bytes(POST.format(title="BOM 付き").encode("utf-8-sig"))
    (tmp_path / "2024-05-02-utf16.md").write_bytes(POST.format(title="UTF-16 の投稿").encode("utf-16"))
    (tmp_path / "2024-05-03-utf32.md").write_bytes(POST.format(title="UTF-32 の投稿").encode("utf-32"))
    (tmp_path / "2024-05-04-sjis.md").write_bytes(POST.format(title="シフトJIS の投稿").encode("shift_jis"))
    (tmp_path / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    (tmp_path / "README.txt").write_text("この記事フォルダの説明です。\n", "utf-8")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError):
        call_command("import_jekyll", str(tmp_path), stdout=out, stderr=err, verbosity=2)

    assert sorted(Article.objects.values_list("title", flat=True)) == ["BOM 付き", "UTF-16 の投稿", "UTF-32 の投稿"]
    summary = out.getvalue()
    assert "6 件を" in summary and "新規 3 / 更新 0 / 変更なし 0 / 失敗 1 / 投稿ではない 2" in summary
    assert "隠しファイル・フォルダの 1 件は対象外" in summary
    assert "2024-05-04-sjis.md" in err.getvalue() and "UTF-8 ではありません" in err.getvalue()
    assert "chart.png" in summary and "バイナリ" in summary
    assert "README.txt" in summary and "front matter" in summary


@pytest.mark.django_db(transaction=True)
def test_an_import_leaves_the_planner_fresh_statistics():
    """On PostgreSQL a freshly imported archive was planned as if empty until autovacuum came by."""
    from django.db import connection

    run_import(JEKYLL / "good")

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'articles_article'")
            assert cursor.fetchone()[0] is not None
        else:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'articles_article'")
            assert cursor.fetchone()[0] > 0


ALIAS_BOMB = """---
title: "爆弾"
date: 2024-05-01
a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
tags: [*h,*h,*h,*h,*h,*h,*h,*h,*h]
---

本文。
"""


@pytest.mark.django_db
def test_hostile_files_fail_one_by_one_and_the_rest_import(tmp_path, settings):
    """A YAML alias bomb (365 bytes standing for ~4×10⁸ tags), an oversized post and a link out of the
    folder are each refused with a reason; the good post beside them imports."""
    archive, secret = tmp_path / "archive", tmp_path / "secret"
    archive.mkdir(), secret.mkdir()
    (archive / "2024-05-01-bomb.md").write_text(ALIAS_BOMB, "utf-8")
    (archive / "2024-05-02-huge.md").write_text(POST.format(title="巨大") + "あ" * (1024 * 1024), "utf-8")
    (secret / "2024-05-03-outside.md").write_text(POST.format(title="フォルダの外"), "utf-8")
    (archive / "2024-05-03-link.md").symlink_to(secret / "2024-05-03-outside.md")
    (archive / "2024-05-04-good.md").write_text(POST.format(title="まともな投稿"), "utf-8")
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError):
        call_command("import_jekyll", str(archive), stdout=out, stderr=err, verbosity=2)

    assert list(Article.objects.values_list("title", flat=True)) == ["まともな投稿"]
    assert "新規 1 / 更新 0 / 変更なし 0 / 失敗 2 / 投稿ではない 1" in out.getvalue()
    assert "2024-05-01-bomb.md" in err.getvalue() and "エイリアス" in err.getvalue()
    assert "2024-05-02-huge.md" in err.getvalue() and "大きすぎます" in err.getvalue()
    assert "2024-05-03-link.md" in out.getvalue() and "外を指すリンク" in out.getvalue()
