import datetime as dt
import re
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


def test_page_links_outside_search_carry_only_the_page_number(client, settings):
    settings.ARTICLES_PER_PAGE = 2
    for _ in range(5):
        make_article()

    html = client.get(HOME, {"page": 2}).content.decode()

    assert '<a rel="prev" href="/">' in html and '<a rel="next" href="?page=3">' in html


@pytest.mark.usefixtures("cache_off_the_database")
@pytest.mark.parametrize("count", [1, 12])
def test_home_query_count_does_not_grow_with_articles(client, django_assert_max_num_queries, count):
    for number in range(count):
        make_article(tags=[f"タグ{number}", "共通"])

    # featured, count, page, navigation, category sections (one window query), ranking of 24 hours and of
    # 7 days (no tags: cards do not show them)
    with django_assert_max_num_queries(7):
        client.get(HOME)


@pytest.mark.usefixtures("cache_off_the_database")
@pytest.mark.parametrize("count", [1, 10])
def test_article_page_query_count_does_not_grow_with_tags(client, django_assert_max_num_queries, count):
    article = make_article(tags=[f"タグ{number}" for number in range(count)])
    article.secondary_categories.set([make_category() for _ in range(count)])
    make_article(tags=["タグ0"])  # something related, older and so "previous"

    # article, tags, other categories, related ranking, related, previous and next (navigation from the cache)
    client.get(HOME)
    with django_assert_max_num_queries(6):
        client.get(article.get_absolute_url())


@pytest.mark.usefixtures("cache_off_the_database")
@pytest.mark.parametrize("count", [1, 12])
def test_archive_query_count_does_not_grow_with_articles(client, django_assert_max_num_queries, count):
    category = make_category("技術動向")
    for _ in range(count):
        make_article(category=category)

    # category, count, page, navigation, ranking of 24 hours and of 7 days
    with django_assert_max_num_queries(7):
        client.get(category.get_absolute_url())


@pytest.mark.usefixtures("cache_off_the_database")
@pytest.mark.parametrize("count", [1, 12])
def test_tag_page_query_count_does_not_grow_with_articles(client, django_assert_max_num_queries, count):
    for _ in range(count):
        make_article(tags=["半導体"])
    url = reverse("articles:tag", kwargs={"slug": "半導体"})
    client.get(url)

    # tag, count, page, navigation, ranking of 24 hours and of 7 days
    with django_assert_max_num_queries(6):
        response = client.get(url)

    assert len(response.context["articles"]) == count


def test_article_page_has_table_of_contents_with_anchor_links(client):
    article = make_article(body="## 背景\n\n本文。\n\n**要点**\n\n本文。\n\n### 詳細\n\n本文。")

    html = client.get(article.get_absolute_url()).content.decode()

    assert '<nav class="toc"' in html
    assert 'href="#%E8%83%8C%E6%99%AF"' in html  # #背景
    assert 'id="背景"' in html
    assert ">要点</a>" in html and ">詳細</a>" in html


def test_table_of_contents_nests_subsections_so_section_numbers_run_on(client):
    article = make_article(body="## 背景\n\n本文。\n\n### 詳細\n\n本文。\n\n## 結論\n\n本文。")

    html = client.get(article.get_absolute_url()).content.decode()

    toc = html[html.index('<nav class="toc"') : html.index("</nav>", html.index('<nav class="toc"'))]
    sections = toc.split("<ol>", 1)[1]
    assert sections.index("背景") < sections.index("<ul>") < sections.index("詳細") < sections.index("</ul>")
    assert sections.index("</ul>") < sections.index("結論")
    assert sections.count("<li>") == 3


def test_related_articles_prefer_shared_tags_then_category_and_never_self_or_hidden(client):
    category = make_category("技術動向")
    article = make_article(title="基準の記事", category=category, tags=["半導体", "AI", "投資"])
    two_tags = make_article(title="タグ二つ一致", tags=["半導体", "AI"])
    one_tag = make_article(title="タグ一つ一致", tags=["投資"])
    same_category = make_article(title="同じカテゴリ", category=category)
    make_article(title="無関係", tags=["為替"])
    make_article(title="下書きの関連", tags=["半導体", "AI", "投資"], status=Article.Status.DRAFT)

    related = list(client.get(article.get_absolute_url()).context["related_articles"])

    assert related == [two_tags, one_tag, same_category]


def test_previous_and_next_follow_publication_order_among_published(client):
    now = timezone.now()
    older = make_article(title="前", published_at=now - timedelta(days=3))
    make_article(title="下書き", published_at=now - timedelta(days=2), status=Article.Status.DRAFT)
    middle = make_article(title="中", published_at=now - timedelta(days=2))
    newer = make_article(title="後", published_at=now - timedelta(days=1))

    context = client.get(middle.get_absolute_url()).context

    assert context["previous_article"] == older
    assert context["next_article"] == newer


def test_articles_published_at_the_same_moment_are_ordered_by_creation(client):
    moment = timezone.now() - timedelta(hours=1)
    first, second, third = (make_article(title=title, published_at=moment) for title in ("一", "二", "三"))

    assert second.adjacent_published() == (first, third)
    assert first.adjacent_published() == (None, second)
    assert third.adjacent_published() == (second, None)


def test_article_page_head_has_canonical_open_graph_and_json_ld(client, settings):
    settings.SITE_URL = "https://allforces.example"
    article = make_article(
        title="金利と<円>", published_at=timezone.make_aware(timezone.datetime(2025, 12, 22, 1, 39)), tags=["金利"]
    )

    html = client.get(article.get_absolute_url()).content.decode()

    assert f'<link rel="canonical" href="https://allforces.example{article.get_absolute_url()}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="article:published_time" content="2025-12-22T01:39:00+09:00">' in html
    assert 'og:image" content="https://allforces.example/' in html
    assert '"@type":"Article"' in html and '"@type":"BreadcrumbList"' in html
    assert '"headline":"金利と\\u003C円\\u003E"' in html  # no markup can escape the JSON-LD block


def test_share_links_are_plain_links_to_four_services(client):
    article = make_article(title="共有テスト")

    html = client.get(article.get_absolute_url()).content.decode()

    for host in ("https://x.com/intent/post", "facebook.com/sharer", "b.hatena.ne.jp/entry/", "social-plugins.line.me"):
        assert host in html
    # No share widget: the only script is the site's own view counter (static/js/count-view.js).
    assert re.findall(r'<script src="([^"]+)"', html) == ["/static/js/count-view.js"]


def test_updated_date_is_shown_only_when_edited_on_a_later_day(client):
    article = make_article(published_at=timezone.now() - timedelta(days=5))
    Article.objects.filter(pk=article.pk).update(updated_at=article.published_at)
    assert "更新 <time" not in client.get(article.get_absolute_url()).content.decode()

    Article.objects.filter(pk=article.pk).update(updated_at=timezone.now())
    assert "更新 <time" in client.get(article.get_absolute_url()).content.decode()


def test_home_lead_story_is_the_newest_featured_article(client):
    make_article(title="古い注目", is_featured=True, published_at=timezone.now() - timedelta(days=2))
    make_article(title="新しい注目", is_featured=True)
    make_article(title="下書きの注目", is_featured=True, status=Article.Status.DRAFT)
    make_article(title="後から出た速報")  # newer than the featured one, but not the lead

    response = client.get(HOME)
    html = response.content.decode()
    lead = html[html.index('<article class="lead">') : html.index("</article>", html.index('<article class="lead">'))]

    assert response.context["lead"].title == "新しい注目"
    assert "新しい注目" in lead and "注目</span>" in lead
    assert "後から出た速報" not in lead and "後から出た速報" in html
    assert "下書きの注目" not in html


def test_home_shows_secondary_stories_category_sections_and_ranking(client, settings):
    settings.ARTICLES_PER_PAGE = 8
    markets, tech = make_category("市場レポート"), make_category("技術動向")
    now = timezone.now()
    for number in range(6):
        make_article(title=f"市場の記事{number}", category=markets, published_at=now - timedelta(hours=number))
    make_article(title="技術の記事", category=tech, published_at=now - timedelta(days=3))

    response = client.get(HOME)
    html = response.content.decode()

    assert response.context["lead"].title == "市場の記事0"
    assert [article.title for article in response.context["secondary"]] == [f"市場の記事{n}" for n in range(1, 5)]
    sections = dict(response.context["sections"])
    assert [article.title for article in sections[markets]] == [f"市場の記事{n}" for n in range(4)]
    assert [article.title for article in sections[tech]] == ["技術の記事"]
    assert "市場レポートの記事をもっと見る" in html and "技術動向の記事をもっと見る" in html
    assert "アクセスランキング" in html and "24時間" in html and "7日間" in html
    assert set(response.context["ranking"]) == {"day", "week"}


@pytest.fixture
def most_read():
    """An article of another category, tag and author that readers read most today."""
    from articles.models import ArticleViewCount
    from articles.readership import hour_of

    article = make_article(title="今日いちばん読まれた記事", category=make_category("投資分析"))
    ArticleViewCount.objects.add({(article.pk, hour_of(timezone.now())): 40})
    return article


def list_pages():
    from tests.factories import make_series

    author, category = make_author("山田 花子"), make_category("技術動向")
    listed = make_article(title="一覧の記事", category=category, author=author, tags=["半導体"])
    series = make_series("AIインフラの経済学", [listed])
    now = timezone.localtime(listed.published_at)
    return {
        "category": category.get_absolute_url(),
        "tag": reverse("articles:tag", kwargs={"slug": "半導体"}),
        "author": author.get_absolute_url(),
        "series": series.get_absolute_url(),
        "month": reverse("articles:archive-month", kwargs={"year": now.year, "month": now.month}),
    }


@pytest.mark.parametrize("kind", ["category", "tag", "author", "series", "month"])
def test_lists_of_articles_carry_the_ranking_beside_them(client, most_read, kind):
    """On a wide screen a list alone left two fifths of the page empty; the front page's ranking fills it."""
    html = client.get(list_pages()[kind]).content.decode()

    assert "一覧の記事" in html
    ranking = html[html.index('class="ranking"') :]
    assert "アクセスランキング" in ranking and "今日いちばん読まれた記事" in ranking
    assert html.index("一覧の記事") < html.index('class="ranking"')  # after the list on a phone


def test_later_home_pages_continue_the_list_of_newest_articles(client, settings):
    settings.ARTICLES_PER_PAGE = 2
    for number in range(5):
        make_article(title=f"記事{number}", published_at=timezone.now() - timedelta(hours=number))

    html = client.get(HOME, {"page": 2}).content.decode()

    assert "記事2" in html and "記事3" in html and "記事4" not in html and "記事0" not in html
    assert "アクセスランキング" not in html


def test_month_and_year_archives_use_tokyo_dates(client):
    # 2025-11-30 16:00 UTC is 2025-12-01 01:00 in Tokyo: a December article.
    december = make_article(title="十二月の記事", published_at=timezone.datetime(2025, 11, 30, 16, 0, tzinfo=dt.UTC))

    assert "十二月の記事" in client.get("/archive/2025/12/").content.decode()
    assert client.get("/archive/2025/11/").status_code == 404
    assert "十二月の記事" in client.get("/archive/2025/").content.decode()
    index = client.get("/archive/").content.decode()
    assert "2025年" in index and "12月" in index
    assert december.is_published()


@pytest.mark.parametrize("url", ["/archive/2025/13/", "/archive/1999/", "/archive/2025/12/?page=abc"])
def test_bad_archive_dates_and_pages_are_404(client, url):
    make_article(published_at=timezone.datetime(2025, 12, 5, tzinfo=dt.UTC))

    assert client.get(url).status_code == 404


def test_year_and_month_archives_name_their_period_and_link_to_the_nearest_ones_with_articles(client):
    for year, month in ((2022, 5), (2024, 9), (2024, 11), (2025, 3)):
        make_article(published_at=timezone.make_aware(timezone.datetime(year, month, 10, 9, 0)))

    year = client.get("/archive/2024/").content.decode()
    month = client.get("/archive/2024/11/").content.decode()
    first_year = client.get("/archive/2022/").content.decode()

    assert "<title>2024年の記事 | " in year and '<h1 class="page-title">2024年の記事</h1>' in year
    assert '<nav class="pagination" aria-label="年の移動">' in year
    assert '<a href="/archive/2022/">‹ 2022年</a>' in year and '<a href="/archive/2025/">2025年 ›</a>' in year
    assert "<title>2024年11月の記事 | " in month and '<h1 class="page-title">2024年11月の記事</h1>' in month
    assert '<nav class="pagination" aria-label="月の移動">' in month
    assert '<a href="/archive/2024/9/">‹ 2024年9月</a>' in month
    assert '<a href="/archive/2025/3/">2025年3月 ›</a>' in month
    assert "‹" not in first_year and '<a href="/archive/2024/">2024年 ›</a>' in first_year


def test_robots_txt_points_to_the_sitemap(client, settings):
    settings.SITE_URL = "https://allforces.example"

    response = client.get("/robots.txt")

    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: https://allforces.example/sitemap.xml" in response.content.decode()


def test_favicon_is_found(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("favicon.ico")


def test_server_error_page_renders_in_japanese_without_the_database(rf):
    """handler500 renders with no context processors, so the page needs no query to show."""
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "ただいま表示できません" in response.content.decode()
    assert 'href="/"' in response.content.decode()


def test_pages_advertise_the_site_feed_and_archives_their_own(client):
    article = make_article(category=make_category("技術動向"), tags=["半導体"])

    home = client.get(HOME).content.decode()
    category_page = client.get(article.category.get_absolute_url()).content.decode()

    assert '<link rel="alternate" type="application/rss+xml"' in home and 'href="/feed/"' in home
    assert 'href="/feed/atom/"' in home and 'href="/feed/json/"' in home
    assert f'href="{article.category.get_absolute_url()}feed/"' in category_page


def test_published_correction_is_shown_with_its_date(client):
    article = make_article(correction_note="初出時、売上高の単位を誤っていました。", corrected_at=timezone.now())

    html = client.get(article.get_absolute_url()).content.decode()

    assert "訂正（" in html and "初出時、売上高の単位を誤っていました。" in html


def test_the_navigation_marks_the_category_being_read(client):
    tech, markets = make_category("技術動向"), make_category("市場レポート")
    make_article(category=tech)

    html = client.get(tech.get_absolute_url()).content.decode()

    assert f'href="{tech.get_absolute_url()}" aria-current="page">技術動向</a>' in html
    assert f'href="{markets.get_absolute_url()}">市場レポート</a>' in html
