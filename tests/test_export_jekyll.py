import datetime as dt
import shutil
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from taggit.models import Tag

from articles.exporters.jekyll import ExportedPost, format_date, post_path, render_post
from articles.importers.jekyll import parse_post_text
from articles.models import Article, Author, Category
from tests.conftest import FIXTURES
from tests.factories import make_article, make_author, make_category

DEMO_ARCHIVE = Path(__file__).resolve().parents[1] / "demo" / "archive"
TOKYO = ZoneInfo("Asia/Tokyo")


def post(**fields):
    defaults = {
        "title": "半導体の見通し",
        "slug": "chip-outlook",
        "body": "## 見出し\n\n本文です。\n",
        "excerpt": "",
        "published_at": dt.datetime(2025, 12, 21, 16, 39, 2, tzinfo=dt.UTC),
        "last_modified_at": dt.datetime(2025, 12, 23, 9, 0, tzinfo=TOKYO),
        "is_live": True,
        "categories": ("投資分析", "技術動向"),
        "tags": ("AI", "半導体"),
        "author": "ALLFORCES編集部",
        "permalink": "",
    }
    return ExportedPost(**(defaults | fields))


def reparse(exported):
    """What the importer reads back from the exported text, under the exported file name."""
    return parse_post_text(render_post(exported).encode(), source_name=post_path(exported).name)


def run(command, *args):
    out, err = StringIO(), StringIO()
    call_command(command, *map(str, args), stdout=out, stderr=err, verbosity=0)
    return out.getvalue()


def snapshot():
    """Everything the round trip must keep, per article, in terms that do not depend on primary keys."""
    articles = Article.objects.select_related("author", "category").prefetch_related("secondary_categories", "tags")
    return {
        article.slug: {
            "title": article.title,
            "body": article.body,
            "body_html": article.body_html,
            "excerpt": article.excerpt,
            "summary": article.summary,
            "published_at": article.published_at,
            "updated_at": article.updated_at,
            "status": article.status,
            "category": article.category.name,
            "other_categories": sorted(c.name for c in article.secondary_categories.all()),
            "tags": sorted(tag.name for tag in article.tags.all()),
            "author": article.author.name,
            "permalink": article.permalink,
            "redirects": sorted(article.redirects.values_list("old_path", flat=True)),
            "reading_time": article.reading_time,
        }
        for article in articles
    }


def empty_the_database():
    Article.objects.all().delete()
    Category.objects.all().delete()
    Author.objects.all().delete()
    Tag.objects.all().delete()


def round_trip(sources, out_dir):
    """Import `sources`, export, empty the database, import the export; the snapshots before and after."""
    run("import_jekyll", *sources)
    before = snapshot()
    run("export_jekyll", out_dir)
    empty_the_database()
    assert (Article.objects.count(), Category.objects.count(), Tag.objects.count()) == (0, 0, 0)
    output = run("import_jekyll", out_dir)
    assert f"新規 {len(before)} / 更新 0 / 変更なし 0 / 失敗 0" in output
    return before, snapshot()


# --- the pure functions -----------------------------------------------------------------------


def test_dates_are_written_in_tokyo_time_with_their_offset():
    assert format_date(dt.datetime(2025, 12, 21, 16, 39, 2, tzinfo=dt.UTC)) == "2025-12-22 01:39:02 +0900"
    assert format_date(dt.datetime(2025, 1, 1, 9, 0, 0, 250000, tzinfo=TOKYO)) == "2025-01-01 09:00:00.250000 +0900"


def test_front_matter_holds_the_fields_in_jekyll_order_with_japanese_readable():
    text = render_post(post(excerpt="要点です。", permalink="/2025/12/22/chip.html"))

    assert text == (
        "---\n"
        "title: 半導体の見通し\n"
        "date: 2025-12-22 01:39:02 +0900\n"
        "categories:\n- 投資分析\n- 技術動向\n"
        "tags:\n- AI\n- 半導体\n"
        "author: ALLFORCES編集部\n"
        "excerpt: 要点です。\n"
        "slug: chip-outlook\n"
        "permalink: /2025/12/22/chip.html\n"
        "last_modified_at: 2025-12-23 09:00:00 +0900\n"
        "---\n"
        "\n"
        "## 見出し\n\n本文です。\n"
    )


def test_a_published_post_is_named_by_its_tokyo_date():
    assert str(post_path(post())) == "_posts/2025-12-22-chip-outlook.md"


def test_a_long_japanese_slug_is_shortened_in_the_file_name_only():
    slug = "半導体" * 39 + "ab"  # 119 characters, 355 bytes in UTF-8
    names = {post_path(post(slug=slug[:-1] + ending)).name for ending in "ab"}

    assert len(names) == 2
    assert all(len(name.encode()) <= 255 and name.startswith("2025-12-22-半導体") for name in names)
    assert reparse(post(slug=slug)).slug == slug


def test_excerpt_and_permalink_are_only_written_when_set():
    text = render_post(post())

    assert "excerpt:" not in text
    assert "permalink:" not in text
    assert "published:" not in text


@pytest.mark.parametrize(
    "title",
    [
        'He said "yes": --- no',
        "---",
        "...",
        "title: value",
        "# 見出しのような題",
        "'引用符'",
        "yes",
        "null",
        "2024-01-01",
        "[括弧] {波括弧} * アスタリスク",
        "- 箇条書き風",
        "バックスラッシュ\\ と % と & と !",
        "とても長い題名" * 40,
    ],
)
def test_awkward_titles_survive_the_front_matter(title):
    assert reparse(post(title=title)).title == title


def test_every_field_reads_back_as_written():
    exported = post(excerpt="抜粋: 「引用」と #記号", permalink="/old/path.html", tags=("AI", "true", "2025"))

    parsed = reparse(exported)

    assert parsed.title == exported.title
    assert parsed.slug == exported.slug
    assert parsed.body == exported.body
    assert parsed.excerpt == exported.excerpt
    assert parsed.published_at == exported.published_at
    assert parsed.last_modified_at == exported.last_modified_at
    assert parsed.categories == exported.categories
    assert parsed.tags == exported.tags
    assert parsed.author == exported.author
    assert parsed.permalink == exported.permalink
    assert not parsed.is_draft


def test_a_body_with_liquid_and_kramdown_syntax_is_kept_as_written():
    body = (
        "テンプレートの例: {{ page.title }}\n\n{% include ad.html %}\n\n段落{: .lead}\n\n"
        "閉じタグそのもの: {% endraw %} と {%- endraw -%}\n"
    )

    text = render_post(post(body=body))

    assert text.count("{% raw %}") == 3  # the wrapper, plus one per literal endraw
    assert reparse(post(body=body)).body == body


def test_a_body_without_liquid_is_not_wrapped():
    assert "{% raw %}" not in render_post(post(body="## 見出し\n\n`{code}` と {波括弧}。\n"))


def test_admin_line_endings_become_unix_ones():
    assert reparse(post(body="一行目\r\n\r\n二行目\r\n")).body == "一行目\n\n二行目\n"


def test_a_draft_without_a_date_goes_to_drafts_and_stays_undated():
    exported = post(published_at=None, is_live=False)

    assert str(post_path(exported)) == "_drafts/chip-outlook.md"
    parsed = reparse(exported)
    assert parsed.is_draft
    assert parsed.published_at is None


def test_an_undated_draft_whose_slug_looks_dated_does_not_gain_a_date():
    exported = post(slug="2024-01-01-review", published_at=None, is_live=False)

    assert str(post_path(exported)) == "_drafts/draft-2024-01-01-review.md"
    assert reparse(exported).published_at is None
    assert reparse(exported).slug == "2024-01-01-review"


def test_an_unpublished_article_keeps_its_date_and_is_marked_published_false():
    exported = post(is_live=False)

    assert str(post_path(exported)) == "_posts/2025-12-22-chip-outlook.md"
    assert "published: false\n" in render_post(exported)
    parsed = reparse(exported)
    assert parsed.is_draft
    assert parsed.published_at == exported.published_at


# --- the command and the round trip -----------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_archive_survives_export_and_reimport_into_an_empty_database(tmp_path):
    before, after = round_trip([DEMO_ARCHIVE], tmp_path / "export")

    assert len(before) == len(list(DEMO_ARCHIVE.glob("*.md")))  # every demo post
    assert after == before
    statuses = sorted(article["status"] for article in after.values())
    assert statuses.count(Article.Status.DRAFT) == 1
    assert any(not article["excerpt"] for article in after.values())
    exported = sorted(path.name for path in (tmp_path / "export" / "_posts").iterdir())
    assert exported == sorted(path.name for path in DEMO_ARCHIVE.iterdir())


@pytest.mark.django_db
def test_the_importer_fixtures_survive_the_round_trip(tmp_path):
    """An undated draft, a date from the file name, a permalink and a body with {% raw %} content."""
    before, after = round_trip([FIXTURES / "jekyll" / "good"], tmp_path / "export")

    assert after == before
    assert "{{ page.title }}" in after["chip-outlook"]["body"]
    assert after["chip-outlook"]["redirects"] == ["/2024/03/05/chip-outlook.html"]
    assert (tmp_path / "export" / "_drafts" / "my-draft.md").is_file()


@pytest.mark.django_db
def test_the_shared_sample_survives_the_round_trip(shared_sample, tmp_path):
    source = tmp_path / "archive" / shared_sample.name
    source.parent.mkdir()
    shutil.copy(shared_sample, source)

    before, after = round_trip([source], tmp_path / "export")

    assert after == before
    [article] = after.values()
    assert (article["reading_time"], len(article["tags"]), article["category"]) == (8, 8, "投資分析")
    [exported] = (tmp_path / "export" / "_posts").iterdir()
    assert exported.name.startswith("2025-12-22-")


@pytest.mark.django_db
def test_articles_made_in_the_admin_survive_the_round_trip(tmp_path):
    """Statuses beyond published and draft come back as what readers see: scheduled stays, the rest are
    drafts. Bodies come back with Unix line endings and one final newline; the rendered HTML is the same."""
    now = dt.datetime.now(tz=TOKYO)
    main, other = make_category("投資分析"), make_category("技術動向")
    author = make_author("ALLFORCES テクノロジー班")
    make_article(title="公開中: 「引用」", author=author, category=main, secondary_categories=[other], tags=["AI"])
    make_article(title="予約公開", status=Article.Status.SCHEDULED, published_at=now + dt.timedelta(days=2))
    make_article(title="レビュー待ち", status=Article.Status.IN_REVIEW, published_at=None, excerpt="抜粋")
    make_article(title="非公開に戻した", status=Article.Status.UNPUBLISHED, body="一行目\r\n\r\n{{ 変数風 }}\r\n")
    before = snapshot()

    run("export_jekyll", tmp_path)
    empty_the_database()
    run("import_jekyll", tmp_path)
    after = snapshot()

    expected_status = {
        "公開中: 「引用」": Article.Status.PUBLISHED,
        "予約公開": Article.Status.SCHEDULED,
        "レビュー待ち": Article.Status.DRAFT,
        "非公開に戻した": Article.Status.DRAFT,
    }
    assert {fields["title"]: fields["status"] for fields in after.values()} == expected_status
    for slug, fields in after.items():
        assert fields | {"status": None, "body": None} == before[slug] | {"status": None, "body": None}
        assert fields["body"] == before[slug]["body"].replace("\r\n", "\n").strip() + "\n"


@pytest.mark.django_db
def test_the_command_reports_what_it_wrote(tmp_path, django_assert_max_num_queries):
    make_article(tags=["AI"])
    make_article(status=Article.Status.DRAFT, published_at=None)

    with django_assert_max_num_queries(3):
        output = run("export_jekyll", tmp_path / "out")

    assert "2 件を" in output
    assert "公開・予約公開 1 / 非公開（published: false） 1" in output
    assert len(list((tmp_path / "out").rglob("*.md"))) == 2


@pytest.mark.django_db
def test_a_file_as_the_output_folder_is_an_error(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")

    with pytest.raises(CommandError, match="フォルダではありません"):
        run("export_jekyll", target)
