"""The batched import (articles/importers/loader.py): the same articles as one post at a time, only faster."""

import pytest
from django.db import DatabaseError, connection
from taggit.models import Tag

from articles import search
from articles.importers import loader
from articles.importers.loader import Outcome, import_posts
from articles.models import Article, ArticleRedirect, ArticleSearchGrams, ArticleSearchIndex, Category
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def write_posts(folder):
    """Twelve posts that meet every rule a batch must keep: slugs that clash with each other and with an existing
    article, tags that differ only in case, repeated and secondary categories, permalinks, drafts, no author."""
    folder.mkdir(exist_ok=True)
    posts = []
    for number in range(12):
        front = [
            f'title: "半導体の見通し {number}"',
            f"date: 2024-03-{number + 1:02d} 09:00:00 +0900",
            'categories: ["技術動向", "投資分析", "投資分析"]' if number % 3 == 0 else 'categories: ["市場"]',
            'tags: ["AI", "半導体"]' if number % 2 else 'tags: ["ai", "ＥＶ"]',
        ]
        if number < 3:
            front.append('slug: "chip-outlook"')
        if number % 4 == 1:
            front.append(f'permalink: "/2024/03/{number + 1:02d}/old-{number}.html"')
        if number == 5:
            front.append("published: false")
        if number != 7:
            front.append('author: "テクノロジー班"')
        path = folder / f"2024-03-{number + 1:02d}-post-{number}.md"
        path.write_text("---\n" + "\n".join(front) + f"\n---\n\n**見出し {number}**\n\n本文{number}。" * 3, "utf-8")
        posts.append(path)
    return posts


def snapshot():
    """Everything an import stores, by source file, without database ids."""
    return {
        article.source_name: {
            "slug": article.slug,
            "fields": (article.title, article.status, article.published_at, article.updated_at, article.permalink),
            "rendered": (article.body_html, article.summary, article.reading_time),
            "people": (article.author.name, article.category.name),
            "secondary": sorted(category.name for category in article.secondary_categories.all()),
            "tags": sorted(tag.name for tag in article.tags.all()),
            "redirects": sorted(article.redirects.values_list("old_path", flat=True)),
            "index": ArticleSearchIndex.objects.filter(article=article).values("title", "keywords").get(),
            "grams": ArticleSearchGrams.objects.get(article=article).grams,
        }
        for article in Article.objects.exclude(source_name="").select_related("author", "category")
    }


def clear_imported():
    Article.objects.exclude(source_name="").delete()
    Tag.objects.all().delete()


def test_batches_store_exactly_what_one_post_at_a_time_stores(tmp_path, monkeypatch):
    make_article(title="chip-outlook")
    paths = write_posts(tmp_path)

    report = import_posts(paths, workers=2, batch_size=5)
    batched = snapshot()
    clear_imported()
    monkeypatch.setattr(loader._BatchStore, "create", lambda self, new: (_ for _ in ()).throw(DatabaseError("x")))
    import_posts(paths, workers=0, batch_size=5)
    one_at_a_time = snapshot()

    assert report.counts[Outcome.CREATED] == 12
    assert batched == one_at_a_time
    assert [batched[path.name]["slug"] for path in paths[:3]] == ["chip-outlook-2", "chip-outlook-3", "chip-outlook-4"]


def test_a_batch_keeps_taggit_and_search_working(tmp_path, client):
    paths = write_posts(tmp_path)

    import_posts(paths, workers=2, batch_size=5)

    # The first spelling met names the tag, as taggit does one post at a time.
    assert set(Tag.objects.values_list("name", flat=True)) == {"ai", "ＥＶ", "半導体"}
    assert Category.objects.filter(name="投資分析").count() == 1
    found = search.search(Article.objects.published(), search.parse_query("本文4"))
    assert [article.source_name for article in found] == [paths[4].name]
    moved = Article.objects.get(source_name=paths[1].name)
    assert client.get("/2024/03/02/old-1.html")["Location"] == moved.get_absolute_url()
    assert ArticleRedirect.objects.count() == 3


def refuse_titles(title):
    """A database trigger that refuses to store an article with `title`, as a real database refuses a bad row."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER refuse_title BEFORE INSERT ON articles_article "
                f"WHEN NEW.title = '{title}' BEGIN SELECT RAISE(ABORT, 'この題名は拒否されました'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION refuse_title() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.title = '{title}' THEN RAISE EXCEPTION 'この題名は拒否されました'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_title BEFORE INSERT ON articles_article "
                "FOR EACH ROW EXECUTE FUNCTION refuse_title()"
            )


def test_a_post_the_database_refuses_is_named_and_the_rest_of_its_batch_is_stored(tmp_path):
    paths = write_posts(tmp_path)
    refuse_titles("半導体の見通し 6")

    report = import_posts(paths, workers=0, batch_size=5)

    assert report.counts[Outcome.CREATED] == 11
    assert report.counts[Outcome.FAILED] == 1
    (failure,) = report.failures
    assert paths[6].name in failure
    assert "データベースに保存できませんでした" in failure
    assert "この題名は拒否されました" in failure
    assert sorted(Article.objects.values_list("source_name", flat=True)) == sorted(
        path.name for number, path in enumerate(paths) if number != 6
    )
    assert ArticleSearchIndex.objects.count() == 11


def test_the_same_file_name_twice_in_one_batch_is_one_article(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    copy = write_posts(first)[0]
    write_posts(second)

    report = import_posts([copy, second / copy.name], workers=0)

    assert report.counts[Outcome.CREATED] == 1
    assert report.counts[Outcome.UNCHANGED] == 1
    assert Article.objects.count() == 1


def test_progress_is_told_of_every_file(tmp_path):
    paths = write_posts(tmp_path)
    (tmp_path / "broken.md").write_text("---\ntitle: [\n---\n", "utf-8")
    done = []

    report = import_posts([*paths, tmp_path / "broken.md"], workers=2, batch_size=5, on_post=lambda: done.append(1))

    assert len(done) == 13
    assert report.counts[Outcome.FAILED] == 1


@pytest.mark.parametrize("batch_size", [1, 5])
def test_imported_slugs_and_permalinks_never_take_another_articles_old_url(tmp_path, batch_size, monkeypatch):
    """A published article's former URL keeps leading to it: an imported post neither re-points it (permalink)
    nor takes it as its own slug, in batches or one post at a time."""
    published = make_article(slug="old-name")
    published = Article.objects.get(pk=published.pk)
    published.slug = "new-name"
    published.save()
    make_article(slug="keeper", permalink="/2019/kept.html")
    ArticleRedirect.objects.create(old_path="/2019/kept.html", article=Article.objects.get(slug="keeper"))
    if batch_size == 1:
        monkeypatch.setattr(loader._BatchStore, "create", lambda self, new: (_ for _ in ()).throw(DatabaseError("x")))
    post = tmp_path / "2024-01-01-hijack.md"
    post.write_text('---\ntitle: "乗っ取り"\nslug: "old-name"\npermalink: "/2019/kept.html"\n---\n\n本文。', "utf-8")

    import_posts([post], workers=0, batch_size=batch_size)

    imported = Article.objects.get(title="乗っ取り")
    assert imported.slug != "old-name"
    assert ArticleRedirect.objects.get(old_path="/articles/old-name/").article == published
    assert ArticleRedirect.objects.get(old_path="/2019/kept.html").article.slug == "keeper"
