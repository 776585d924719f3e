"""articles/desk/revisions.py: an article's editable content as the JSON a revision stores, and back."""

import json

import pytest

from articles.desk.revisions import apply_content, snapshot, store_pending_files
from articles.models import Article
from tests.factories import make_article, make_author, make_category, make_hero_image

pytestmark = pytest.mark.django_db


def test_a_snapshot_is_plain_json_and_applied_to_an_article_gives_the_same_content_back():
    source = make_article(
        title="半導体の供給網",
        body="## 見出し\n\n本文です。",
        excerpt="抜粋です。",
        hero_image_alt="工程の図",
        correction_note="数値を訂正しました。",
        tags=["半導体", "AI"],
        secondary_categories=[make_category(), make_category()],
    )
    source.hero_image.name = "heroes/2025/12/hero.jpg"
    content = snapshot(source)
    target = Article()

    tags = apply_content(target, json.loads(json.dumps(content)))

    assert tags == ["AI", "半導体"]
    assert (target.title, target.body, target.hero_image.name) == (source.title, source.body, "heroes/2025/12/hero.jpg")
    assert snapshot(target, tags=tags, secondary_category_ids=content["secondary_category_ids"]) == content


def test_tags_and_other_categories_come_from_the_database_unless_given():
    """An edit of a live article is snapshotted from its form, which wins over the live row even when it
    removes every tag and category."""
    first, second = make_category(), make_category()
    article = make_article(tags=["半導体", "AI"], secondary_categories=[second, first])

    from_database = snapshot(article)
    given = snapshot(article, tags=[], secondary_category_ids=[])

    assert from_database["tags"] == ["AI", "半導体"]
    assert from_database["secondary_category_ids"] == sorted([first.pk, second.pk])
    assert (given["tags"], given["secondary_category_ids"]) == ([], [])
    assert sorted(article.tags.names()) == ["AI", "半導体"]


def test_an_unsaved_article_is_snapshotted_without_a_query(django_assert_num_queries):
    article = Article(title="新しい記事", author=make_author(), category=make_category())

    with django_assert_num_queries(0):
        content = snapshot(article)

    assert content["title"] == "新しい記事" and content["hero_image"] == ""
    assert (content["tags"], content["secondary_category_ids"]) == ([], [])


def test_applying_leaves_fields_an_older_revision_lacks_and_takes_away_a_hero_image_it_lacks():
    """Restoring a revision made before the image was added shows the article as it was then: without it."""
    article = Article(title="今の題", correction_note="今の訂正")
    article.hero_image.name = "heroes/2025/12/new.jpg"

    tags = apply_content(article, {"title": "昔の題"})

    assert (article.title, article.correction_note, article.hero_image.name) == ("昔の題", "今の訂正", "")
    assert tags == []


def test_a_new_hero_upload_is_stored_without_saving_the_row(settings, tmp_path):
    """A live article's edit keeps its new image in storage for the pending revision; readers keep the old row."""
    settings.MEDIA_ROOT = tmp_path
    article = make_article(hero_image_alt="青い図")
    article.hero_image = make_hero_image(name="camera.jpg")

    store_pending_files(article)

    stored = [path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*") if path.is_file()]
    assert stored == [article.hero_image.name] and stored[0].startswith("heroes/")
    assert Article.objects.get(pk=article.pk).hero_image.name == ""


def test_a_hero_image_already_in_storage_is_not_stored_again(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    article = make_article(hero_image=make_hero_image(), hero_image_alt="青い図")
    before = sorted(tmp_path.rglob("*"))

    store_pending_files(Article.objects.get(pk=article.pk))

    assert sorted(tmp_path.rglob("*")) == before
