"""連載: the series page, each part's label and links, the series' feeds and sitemap entry, the desk's admin,
and cached pages after a series changes."""

from datetime import timedelta

import feedparser
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.desk import roles
from articles.models import Article, Series, SeriesPart
from tests.factories import make_article, make_series, make_user

pytestmark = pytest.mark.django_db
Status = Article.Status


@pytest.fixture
def series():
    """Three parts, published in an order other than their numbers, and an unpublished fourth."""
    now = timezone.now()
    first = make_article(title="第一の論点", published_at=now - timedelta(days=3))
    second = make_article(title="第二の論点", published_at=now - timedelta(days=1))
    third = make_article(title="第三の論点", published_at=now - timedelta(days=2))
    draft = make_article(title="まだ書いている回", status=Status.DRAFT, published_at=None)
    return make_series("AIインフラの経済学", [first, second, third, draft], description="三回で読む連載です。")


def part(series, number):
    return SeriesPart.objects.get(series=series, number=number).article


def test_the_series_page_lists_its_published_parts_in_their_order_with_their_numbers(client, series):
    page = client.get(series.get_absolute_url()).content.decode()

    positions = [page.index(title) for title in ("第一の論点", "第二の論点", "第三の論点")]
    assert positions == sorted(positions)
    assert "第1回" in page and "第3回" in page
    assert "まだ書いている回" not in page and "第4回" not in page
    assert "三回で読む連載です。" in page


def test_a_series_without_a_published_part_is_not_found(client):
    draft = make_article(status=Status.DRAFT, published_at=None)
    hidden = make_series("準備中の連載", [draft])

    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get("/series/no-such-series/").status_code == 404


def test_each_part_shows_its_series_and_number_and_links_to_its_neighbours_and_the_series(client, series):
    page = client.get(part(series, 2).get_absolute_url()).content.decode()

    assert f'<a href="{series.get_absolute_url()}">連載：AIインフラの経済学</a> 第2回' in page
    assert f'href="{part(series, 1).get_absolute_url()}"><span>前の回（第1回）</span>第一の論点' in page
    assert f'href="{part(series, 3).get_absolute_url()}"><span>次の回（第3回）</span>第三の論点' in page
    assert "連載の全回を見る" in page


def test_the_last_published_part_has_no_next_link_and_an_unpublished_part_is_skipped(client, series):
    page = client.get(part(series, 3).get_absolute_url()).content.decode()

    assert "前の回（第2回）" in page
    assert "次の回" not in page


def test_an_article_outside_any_series_shows_no_series_block(client, series):
    page = client.get(make_article().get_absolute_url()).content.decode()

    assert "連載：" not in page and "series-nav" not in page


@pytest.mark.parametrize("suffix", ["", "-atom", "-json"])
def test_series_feeds_hold_only_the_published_parts(client, series, suffix):
    response = client.get(reverse("articles:series-feed" + suffix, kwargs={"slug": series.slug}))

    assert response.status_code == 200
    if suffix == "-json":
        feed = response.json()
        title, link, titles = feed["title"], feed["home_page_url"], [item["title"] for item in feed["items"]]
    else:
        feed = feedparser.parse(response.content)
        assert not feed.bozo, feed.get("bozo_exception")
        title, link, titles = feed.feed.title, feed.feed.link, [entry.title for entry in feed.entries]
    assert "連載：AIインフラの経済学" in title
    assert titles == ["第二の論点", "第三の論点", "第一の論点"]  # newest first, as every feed
    assert link.startswith("http") and series.get_absolute_url() in link


def test_an_unknown_series_feed_is_404(client):
    assert client.get("/series/no-such-series/feed/").status_code == 404


def test_the_sitemap_lists_series_with_a_published_part_and_not_others(client, series):
    draft = make_article(status=Status.DRAFT, published_at=None)
    make_series("準備中の連載", [draft])

    sitemap = client.get("/sitemap.xml").content.decode()

    assert series.get_absolute_url() in sitemap
    assert "準備中" not in sitemap and sitemap.count("/series/") == 1


def test_the_series_page_links_its_three_feeds(client, series):
    page = client.get(series.get_absolute_url()).content.decode()

    for suffix in ("", "-atom", "-json"):
        assert reverse("articles:series-feed" + suffix, kwargs={"slug": series.slug}) in page


def test_editors_manage_series_in_the_desk_and_writers_may_not(client):
    article = make_article(title="連載にする記事")
    writer, editor = make_user(roles.WRITER), make_user(roles.EDITOR)
    form = {
        "title": "新連載",
        "slug": "new-series",
        "description": "",
        "parts-TOTAL_FORMS": "1",
        "parts-INITIAL_FORMS": "0",
        "parts-0-article": str(article.pk),
        "parts-0-number": "1",
    }
    add_url = reverse("admin:articles_series_add")

    client.force_login(writer)
    assert client.get(add_url).status_code == 403
    assert client.post(add_url, form).status_code == 403
    assert not Series.objects.exists()

    client.force_login(editor)
    response = client.post(add_url, form)
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert SeriesPart.objects.get(article=article).series.title == "新連載"


def test_a_series_change_in_the_desk_reaches_cached_article_pages(
    client, settings, series, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 600
    url = part(series, 1).get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    editor = make_user(roles.EDITOR)
    parts = list(series.parts.order_by("number"))
    form = {
        "title": "改題した連載",
        "slug": series.slug,
        "description": "",
        "parts-TOTAL_FORMS": str(len(parts)),
        "parts-INITIAL_FORMS": str(len(parts)),
    }
    for index, item in enumerate(parts):
        form |= {
            f"parts-{index}-id": str(item.pk),
            f"parts-{index}-series": str(series.pk),
            f"parts-{index}-article": str(item.article_id),
            f"parts-{index}-number": str(item.number),
        }
    editor_client = client.__class__()
    editor_client.force_login(editor)

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse("admin:articles_series_change", args=[series.pk]), form)

    assert response.status_code == 302, response.content.decode()[-2000:]
    page = client.get(url)
    assert page["X-Page-Cache"] == "miss"
    assert "連載：改題した連載" in page.content.decode()


def test_seed_demo_series_makes_the_three_part_demo_series_once(tmp_path):
    call_command("import_jekyll", "demo/archive", stdout=open(tmp_path / "out", "w"))  # noqa: SIM115

    call_command("seed_demo_series", stdout=open(tmp_path / "out", "w"))  # noqa: SIM115
    call_command("seed_demo_series", stdout=open(tmp_path / "out", "w"))  # noqa: SIM115

    series = Series.objects.get()
    assert [p.article.slug for p in series.parts.order_by("number")] == [
        "semiconductor-supply-chain",
        "data-center-power-demand",
        "generative-ai-inference-cost",
    ]
