from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_author, make_category

pytestmark = pytest.mark.django_db

HOME = reverse("articles:home")


def test_home_lists_published_articles_newest_first_with_japanese_dates(client):
    older = make_article(title="古い記事", published_at=timezone.make_aware(timezone.datetime(2025, 12, 21, 9, 0)))
    newer = make_article(title="新しい記事")

    response = client.get(HOME)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(newer.title) < html.index(older.title)
    assert "2025年12月21日" in html
    assert '<html lang="ja">' in html


def test_home_hides_drafts_reviews_and_future_articles(client):
    make_article(title="下書き記事", status=Article.Status.DRAFT)
    make_article(title="レビュー中の記事", status=Article.Status.IN_REVIEW)
    make_article(title="未来の記事", published_at=timezone.now() + timedelta(days=1))
    make_article(title="公開済みの記事")

    html = client.get(HOME).content.decode()

    assert "公開済みの記事" in html
    for hidden in ("下書き記事", "レビュー中の記事", "未来の記事"):
        assert hidden not in html


def test_article_page_shows_body_byline_reading_time_and_breadcrumb(client):
    category = make_category("技術動向")
    article = make_article(
        title="半導体の行方", body="## 需要\n\n**強い**需要が続く。", category=category, tags=["半導体", "AI"]
    )

    response = client.get(article.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>半導体の行方 | ALLFORCES</title>" in html
    assert "<strong>強い</strong>" in html
    assert f"約{article.reading_time}分で読めます" in html
    assert article.author.name in html
    assert 'href="/category/技術動向/"' in html or 'href="/category/%E6%8A%80%E8%A1%93%E5%8B%95%E5%90%91/"' in html
    assert "#半導体" in html


@pytest.mark.parametrize(
    ("status", "offset"),
    [
        (Article.Status.DRAFT, timedelta(hours=-1)),
        (Article.Status.UNPUBLISHED, timedelta(hours=-1)),
        (Article.Status.PUBLISHED, timedelta(hours=1)),
    ],
)
def test_article_page_of_an_invisible_article_is_404(client, status, offset):
    article = make_article(status=status, published_at=timezone.now() + offset)

    response = client.get(article.get_absolute_url())

    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


def test_japanese_slug_urls_resolve(client):
    article = make_article(title="最新ニュース")

    assert client.get("/articles/最新ニュース/").status_code == 200
    assert article.get_absolute_url() == "/articles/%E6%9C%80%E6%96%B0%E3%83%8B%E3%83%A5%E3%83%BC%E3%82%B9/"


def test_category_tag_and_author_archives_list_only_their_articles(client):
    category, other_category = make_category("投資分析"), make_category("市場レポート")
    author = make_author("ALLFORCES編集部")
    mine = make_article(title="対象の記事", category=other_category, secondary_categories=[category], author=author)
    mine.tags.set(["金利"])
    make_article(title="関係ない記事", tags=["為替"])

    for url in (
        category.get_absolute_url(),
        reverse("articles:tag", kwargs={"slug": "金利"}),
        author.get_absolute_url(),
    ):
        html = client.get(url).content.decode()
        assert "対象の記事" in html, url
        assert "関係ない記事" not in html, url


def test_unknown_archive_subject_is_404(client):
    assert client.get("/category/存在しない/").status_code == 404
    assert client.get("/tag/存在しない/").status_code == 404
    assert client.get("/author/存在しない/").status_code == 404


@pytest.mark.parametrize("page", ["abc", "0", "99999", "-1", "1.5", "%00"])
def test_bad_page_numbers_are_404_not_500(client, page):
    make_article()

    assert client.get(HOME, {"page": page}).status_code == 404


def test_pagination_splits_the_home_page(client, settings):
    settings.ARTICLES_PER_PAGE = 2
    for _ in range(5):
        make_article()

    assert len(client.get(HOME).context["articles"]) == 2
    assert len(client.get(HOME, {"page": 3}).context["articles"]) == 1


@pytest.mark.parametrize("count", [1, 12])
def test_home_query_count_does_not_grow_with_articles(client, django_assert_max_num_queries, count):
    for number in range(count):
        make_article(tags=[f"タグ{number}", "共通"])

    with django_assert_max_num_queries(5):
        client.get(HOME)


@pytest.mark.parametrize("count", [1, 10])
def test_article_page_query_count_does_not_grow_with_tags(client, django_assert_max_num_queries, count):
    article = make_article(tags=[f"タグ{number}" for number in range(count)])
    article.secondary_categories.set([make_category() for _ in range(count)])

    with django_assert_max_num_queries(5):
        client.get(article.get_absolute_url())


@pytest.mark.parametrize("count", [1, 12])
def test_archive_query_count_does_not_grow_with_articles(client, django_assert_max_num_queries, count):
    category = make_category("技術動向")
    for _ in range(count):
        make_article(category=category)

    with django_assert_max_num_queries(6):
        client.get(category.get_absolute_url())
