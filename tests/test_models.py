from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import get_script_prefix, include, path, set_script_prefix
from django.utils import timezone

from articles.models import Article, ArticleRedirect, Author, Category
from tests.factories import make_article, make_author, make_category

pytestmark = pytest.mark.django_db

Status = Article.Status


@pytest.mark.parametrize(
    ("status", "offset", "visible"),
    [
        (Status.PUBLISHED, timedelta(hours=-1), True),
        (Status.SCHEDULED, timedelta(minutes=-1), True),
        (Status.PUBLISHED, timedelta(hours=1), False),
        (Status.SCHEDULED, timedelta(hours=1), False),
        (Status.DRAFT, timedelta(hours=-1), False),
        (Status.IN_REVIEW, timedelta(hours=-1), False),
        (Status.CHANGES_REQUESTED, timedelta(hours=-1), False),
        (Status.APPROVED, timedelta(hours=-1), False),
        (Status.UNPUBLISHED, timedelta(hours=-1), False),
    ],
)
def test_published_shows_only_live_articles_whose_time_has_come(status, offset, visible):
    article = make_article(status=status, published_at=timezone.now() + offset)

    assert (article in Article.objects.published()) is visible
    assert article.is_published() is visible


def test_published_article_without_a_date_is_not_visible():
    article = make_article(published_at=None)

    assert not Article.objects.published().exists()
    assert not article.is_published()


def test_is_published_agrees_with_queryset_for_every_status_and_time():
    now = timezone.now()
    for status in Status:
        for offset in (timedelta(days=-3), timedelta(seconds=-1), timedelta(seconds=30), timedelta(days=3)):
            make_article(status=status, published_at=now + offset)
    visible_ids = set(Article.objects.published().values_list("pk", flat=True))

    assert {a.pk for a in Article.objects.all() if a.is_published()} == visible_ids
    assert len(visible_ids) == 4


def test_released_and_upcoming_partition_the_live_statuses_whatever_the_time():
    """released() is published() plus upcoming(), and is_released() mirrors it for one article."""
    now = timezone.now()
    for status in Status:
        for offset in (timedelta(days=-3), timedelta(days=3)):
            make_article(status=status, published_at=now + offset)
    released = set(Article.objects.released().values_list("pk", flat=True))
    published = set(Article.objects.published().values_list("pk", flat=True))
    upcoming = set(Article.objects.upcoming().values_list("pk", flat=True))

    assert released == published | upcoming and not published & upcoming
    assert {a.pk for a in Article.objects.all() if a.is_released()} == released
    assert {a.status for a in Article.objects.filter(pk__in=released)} == {Status.PUBLISHED, Status.SCHEDULED}
    assert len(upcoming) == 2


def test_a_slug_changed_outside_the_desk_still_leaves_a_redirect():
    """A script or the shell renaming a published article keeps its old URL answering with a 301."""
    article = make_article(title="旧い題", slug="old-slug")
    article = Article.objects.get(pk=article.pk)
    article.slug = "new-slug"
    article.save()

    assert ArticleRedirect.objects.get(old_path="/articles/old-slug/").article == article
    article.save()  # saving again with the same slug adds nothing
    assert ArticleRedirect.objects.count() == 1


def test_japanese_titles_get_distinct_readable_slugs():
    news = make_article(title="最新ニュース")
    trends = make_article(title="技術動向")

    assert news.slug == "最新ニュース"
    assert trends.slug == "技術動向"
    assert news.get_absolute_url() != trends.get_absolute_url()


def test_japanese_category_and_author_slugs_are_kept():
    assert make_category("投資分析").slug == "投資分析"
    assert make_author("ALLFORCES編集部").slug == "allforces編集部"


def test_slug_clash_gets_a_numbered_suffix():
    first = make_article(title="半導体の行方")
    second = make_article(title="半導体の行方")
    third = make_article(title="半導体の行方")

    assert (first.slug, second.slug, third.slug) == ("半導体の行方", "半導体の行方-2", "半導体の行方-3")


def test_title_without_sluggable_characters_falls_back_to_a_stable_slug():
    first = make_article(title="！？")
    second = make_article(title="「」")

    assert first.slug == "article"
    assert second.slug == "article-2"


def test_full_width_latin_in_titles_is_folded_in_slugs():
    assert make_article(title="ＡＷＳの戦略").slug == "awsの戦略"


def test_a_long_title_gets_a_short_slug_cut_between_phrases():
    """A 60-character headline made a ~300-character URL: its default slug keeps the first phrases, up to
    40 characters, and never ends inside a word."""
    head, tail = (
        "生成AIは日本の製造業をどう変えるか：トヨタ、デンソー、",
        "キーエンスに見る現場データ活用の最前線と2030年への課題",
    )
    title = head + tail
    english = make_article(title="The Future of Semiconductor Supply Chains in East Asia and Beyond")

    slug = make_article(title=title).slug

    assert slug == "生成aiは日本の製造業をどう変えるかトヨタデンソーキーエンスに見る"
    assert len(slug) <= 40
    assert english.slug == "the-future-of-semiconductor-supply"


def test_a_title_that_is_one_long_phrase_is_cut_at_forty_characters():
    assert make_article(title="あ" * 80).slug == "あ" * 40


def test_slug_is_stable_when_the_title_changes():
    article = make_article(title="最初のタイトル")
    article.title = "変更後のタイトル"
    article.save()

    assert article.slug == "最初のタイトル"


def test_admin_form_refuses_a_duplicate_slug_with_a_message(admin_user):
    existing = make_article(title="重複テスト")
    model_admin = site._registry[Article]
    request = RequestFactory().post("/admin/articles/article/add/")
    request.user = admin_user
    form_class = model_admin.get_form(request)
    form = form_class(
        data={
            "title": "別の記事",
            "slug": existing.slug,
            "body": "本文",
            "author": existing.author.pk,
            "category": existing.category.pk,
            "status": Status.DRAFT,
        }
    )

    assert not form.is_valid()
    assert "スラッグ" in form.errors["slug"][0]


def test_save_renders_html_reading_time_and_summary():
    article = make_article(body="## 見出し\n\n" + "あ" * 1001, excerpt="")

    assert "<h2" in article.body_html
    assert article.reading_time == 3  # 3 + 1001 characters -> ceil(1004 / 500)
    assert article.summary.startswith("あああ")
    assert len(article.summary) <= 120


def test_editor_excerpt_wins_over_derived_summary():
    article = make_article(excerpt="編集者が書いた抜粋。")

    assert article.summary == "編集者が書いた抜粋。"


def test_all_categories_lists_primary_first():
    primary, other = make_category("技術動向"), make_category("投資分析")
    article = make_article(category=primary, secondary_categories=[other])

    assert article.all_categories() == [primary, other]


def test_every_public_model_has_an_absolute_url():
    article = make_article(tags=["生成AI"])

    assert article.get_absolute_url().startswith("/articles/")
    assert Category.objects.get(pk=article.category_id).get_absolute_url().startswith("/category/")
    assert Author.objects.get(pk=article.author_id).get_absolute_url().startswith("/author/")


def test_absolute_urls_follow_a_site_served_under_a_sub_path():
    """URLs are remembered once built; a site mounted under /news/ (SCRIPT_NAME) must still get its own."""
    article = make_article()
    root_url = article.get_absolute_url()
    prefix = get_script_prefix()
    set_script_prefix("/news/")
    try:
        assert article.get_absolute_url() == "/news" + root_url
        assert article.category.get_absolute_url().startswith("/news/category/")
    finally:
        set_script_prefix(prefix)
    assert article.get_absolute_url() == root_url


urlpatterns = [path("magazine/", include("articles.urls"))]


def test_absolute_urls_follow_a_changed_url_configuration(settings):
    article = make_article()
    assert article.get_absolute_url().startswith("/articles/")

    settings.ROOT_URLCONF = __name__

    assert article.get_absolute_url().startswith("/magazine/articles/")
    assert article.author.get_absolute_url().startswith("/magazine/author/")
