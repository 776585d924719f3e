import calendar
import json
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import feedparser
import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_http_date

from articles.desk import roles, workflow
from articles.models import Article
from articles.syndication.feeds import FEED_LENGTH, absolutize_urls
from tests.factories import make_article, make_author, make_category, make_user

pytestmark = pytest.mark.django_db

SUBJECTS = ("", "category-", "tag-", "author-")
FORMATS = ("", "-atom", "-json")
FEED_NAMES = [f"{subject}feed{suffix}" for subject in SUBJECTS for suffix in FORMATS]
XML_FEED_NAMES = [name for name in FEED_NAMES if not name.endswith("-json")]
SUBJECT_FEED_NAMES = [name for name in FEED_NAMES if not name.startswith("feed")]
CONTENT_TYPES = {
    "": "application/rss+xml; charset=utf-8",
    "-atom": "application/atom+xml; charset=utf-8",
    "-json": "application/feed+json; charset=utf-8",
}
BODY = (
    "本文[^1]と[関連記事](/articles/別の記事/)、![図](/media/charts/図1.png)、[外部](https://example.com/?a=1&b=2)\n\n"
    "[^1]: 注です。"
)
SLUGS = {"category-": "投資分析", "tag-": "金利", "author-": "編集部"}


@pytest.fixture
def articles():
    """Two articles of the subjects in SLUGS (one filed there as primary and again as other category, one only
    as other category) and one of none of them."""
    category, author = make_category("投資分析"), make_author("ALLFORCES編集部", slug="編集部")
    primary = make_article(
        title="日本株と金利の行方 & AI",
        body=BODY,
        category=category,
        secondary_categories=[category],
        author=author,
        tags=["金利", "日本株"],
        published_at=timezone.now() - timedelta(days=2, microseconds=123456),
    )
    secondary = make_article(
        title="為替の基礎", category=make_category("市場レポート"), secondary_categories=[category], author=author
    )
    secondary.tags.set(["金利"])
    unrelated = make_article(title="関係のない記事", tags=["為替"])
    return primary, secondary, unrelated


def feed_url(name):
    subject = next((prefix for prefix in SLUGS if name.startswith(prefix)), None)
    return reverse(f"articles:{name}", kwargs={"slug": SLUGS[subject]} if subject else {})


def parse_json_feed(response):
    """The JSON Feed document, after checking what JSON Feed 1.1 requires of it."""
    feed = json.loads(response.content)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] and isinstance(feed["items"], list)
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert item.get("content_html") or item.get("content_text")
        for field in ("date_published", "date_modified"):
            assert datetime.fromisoformat(item[field]).utcoffset() is not None, field
    return feed


def entry_titles(client, name):
    response = client.get(feed_url(name))
    assert response.status_code == 200
    if name.endswith("-json"):
        return [item["title"] for item in parse_json_feed(response)["items"]]
    return [entry.title for entry in feedparser.parse(response.content).entries]


@pytest.mark.parametrize("name", FEED_NAMES)
def test_every_feed_is_served_with_its_content_type_and_caching_headers(client, articles, name):
    """Each of the 12 feeds answers with its format's media type, charset utf-8, validators and public caching."""
    response = client.get(feed_url(name))

    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPES[name[name.index("feed") + 4 :]]
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"].endswith("GMT")
    assert "public" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]


@pytest.mark.parametrize("name", XML_FEED_NAMES)
def test_rss_and_atom_feeds_parse_cleanly_with_japanese_titles_absolute_urls_and_tokyo_dates(client, articles, name):
    """feedparser reads every RSS and Atom feed without complaint: Japanese kept, URLs absolute, dates exact, +09:00."""
    primary = articles[0]

    response = client.get(feed_url(name))
    parsed = feedparser.parse(response.content)

    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.feed.language == "ja"
    assert {"self": settings.SITE_URL + feed_url(name)}.items() <= {
        link.rel: link.href for link in parsed.feed.links
    }.items()
    icon = parsed.feed.icon if name.endswith("-atom") else parsed.feed.image.href
    assert icon == f"{settings.SITE_URL}/static/icons/icon-512.png"
    shown = articles if name.startswith("feed") else articles[:2]
    assert calendar.timegm(parsed.feed.updated_parsed) == max(int(article.updated_at.timestamp()) for article in shown)
    assert len(parsed.entries) == len(shown)
    entry = next(entry for entry in parsed.entries if entry.title == "日本株と金利の行方 & AI")
    article_url = settings.SITE_URL + primary.get_absolute_url()
    assert entry.link == article_url
    assert entry.summary == primary.summary
    content = entry.content[0].value
    assert f'href="{article_url}#fn1"' in content
    assert f'href="{settings.SITE_URL}/articles/%E5%88%A5%E3%81%AE%E8%A8%98%E4%BA%8B/"' in content
    assert f'src="{settings.SITE_URL}/media/charts/%E5%9B%B31.png"' in content
    assert 'href="https://example.com/?a=1&amp;b=2"' in content
    assert calendar.timegm(entry.published_parsed) == int(primary.published_at.timestamp())
    if name.endswith("-atom"):
        assert calendar.timegm(entry.updated_parsed) == int(primary.updated_at.timestamp())
    assert entry.author == "ALLFORCES編集部"
    assert {tag.term for tag in entry.tags} == {"投資分析", "金利", "日本株"}
    published = timezone.localtime(primary.published_at).replace(microsecond=0)
    written = published.isoformat() if name.endswith("-atom") else format_datetime(published)
    assert written.endswith(("+09:00", "+0900"))
    assert written in response.content.decode()


@pytest.mark.parametrize("name", [name for name in FEED_NAMES if name.endswith("-json")])
def test_json_feeds_have_the_json_feed_1_1_fields(client, articles, name):
    """JSON Feeds carry the 1.1 fields, with RFC 3339 dates in Tokyo time."""
    primary = articles[0]

    feed = parse_json_feed(client.get(feed_url(name)))

    assert feed["language"] == "ja"
    assert feed["home_page_url"].startswith(settings.SITE_URL)
    assert feed["feed_url"] == settings.SITE_URL + feed_url(name)
    assert feed["icon"] == f"{settings.SITE_URL}/static/icons/icon-512.png"
    item = next(item for item in feed["items"] if item["title"] == "日本株と金利の行方 & AI")
    assert item["url"] == settings.SITE_URL + primary.get_absolute_url()
    assert item["summary"] == primary.summary
    assert f'src="{settings.SITE_URL}/media/charts/' in item["content_html"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00", item["date_published"])
    assert datetime.fromisoformat(item["date_published"]) == primary.published_at.replace(microsecond=0)
    assert item["authors"] == [
        {"name": "ALLFORCES編集部", "url": settings.SITE_URL + primary.author.get_absolute_url()}
    ]
    assert set(item["tags"]) == {"投資分析", "金利", "日本株"}


def test_feeds_hold_the_newest_published_articles_up_to_feed_length(client):
    """A feed lists the FEED_LENGTH newest articles, newest first."""
    for days in range(FEED_LENGTH + 3):
        make_article(title=f"{days}日前の記事", published_at=timezone.now() - timedelta(days=days))

    titles = entry_titles(client, "feed")

    assert titles == [f"{days}日前の記事" for days in range(FEED_LENGTH)]


@pytest.mark.parametrize("name", FEED_NAMES)
def test_drafts_reviews_unpublished_and_future_articles_are_in_no_feed(client, articles, name):
    """Only Article.objects.published() reaches a feed, whatever the subject."""
    category, author = articles[0].category, articles[0].author
    hidden = {
        "下書きの記事": {"status": Article.Status.DRAFT},
        "レビュー待ちの記事": {"status": Article.Status.IN_REVIEW},
        "非公開の記事": {"status": Article.Status.UNPUBLISHED},
        "予約公開の記事": {"status": Article.Status.SCHEDULED, "published_at": timezone.now() + timedelta(hours=1)},
    }
    for title, fields in hidden.items():
        make_article(title=title, category=category, author=author, tags=["金利"], **fields)

    titles = entry_titles(client, name)

    assert "日本株と金利の行方 & AI" in titles
    assert not set(hidden) & set(titles)


@pytest.mark.parametrize("name", FEED_NAMES)
def test_a_scheduled_article_appears_once_its_time_has_come_with_nothing_else_done(client, articles, name):
    """Once the clock passes a scheduled article's time it is in the feed, under a new ETag, with no job run."""
    make_article(
        title="予約公開の記事",
        status=Article.Status.SCHEDULED,
        published_at=timezone.now() + timedelta(hours=1),
        category=articles[0].category,
        author=articles[0].author,
        tags=["金利"],
    )
    before = client.get(feed_url(name))
    assert "予約公開の記事" not in entry_titles(client, name)

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        after = client.get(feed_url(name), headers={"if-none-match": before["ETag"]})
        assert after.status_code == 200
        assert "予約公開の記事" in entry_titles(client, name)


@pytest.mark.parametrize("header", ["if-none-match", "if-modified-since"])
@pytest.mark.parametrize("name", FEED_NAMES)
def test_a_repeated_conditional_request_gets_304_with_the_validators(client, articles, name, header):
    """A client sending back either validator gets an empty 304 that repeats them."""
    first = client.get(feed_url(name))
    validator = first["ETag"] if header == "if-none-match" else first["Last-Modified"]

    again = client.get(feed_url(name), headers={header: validator})

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert again["Last-Modified"] == first["Last-Modified"]
    assert "max-age=300" in again["Cache-Control"]


@pytest.mark.parametrize("name", ["feed", "category-feed-atom", "tag-feed-json"])
def test_editing_an_article_in_a_feed_changes_its_etag_and_its_body(client, articles, name):
    """An edit changes the version, so neither the client's copy nor the cached body is reused."""
    first = client.get(feed_url(name))
    article = articles[0]
    article.title = "日本株と金利の行方（改訂版）"
    article.save()

    second = client.get(feed_url(name), headers={"if-none-match": first["ETag"]})

    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    assert "日本株と金利の行方（改訂版）" in second.content.decode()
    assert "日本株と金利の行方 &" not in second.content.decode()


@pytest.mark.parametrize("name", ["feed", "author-feed-atom", "category-feed-json"])
def test_unpublishing_an_article_removes_it_and_moves_last_modified_forward(client, articles, name):
    """An article that leaves a feed makes it newer, even for clients that only send If-Modified-Since."""
    first = client.get(feed_url(name))

    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        articles[0].status = Article.Status.UNPUBLISHED
        articles[0].save()
        second = client.get(feed_url(name), headers={"if-modified-since": first["Last-Modified"]})

    assert second.status_code == 200
    assert "日本株と金利の行方" not in second.content.decode()
    assert second["ETag"] != first["ETag"]
    assert parse_http_date(second["Last-Modified"]) > parse_http_date(first["Last-Modified"])


@pytest.mark.parametrize("name", XML_FEED_NAMES)
def test_guids_survive_a_change_of_slug_and_title_and_are_not_permalinks(client, articles, name):
    """Readers key items on the guid/id, so renaming an article must not make it a new item."""
    article = articles[0]
    before = {entry.id for entry in feedparser.parse(client.get(feed_url(name)).content).entries}
    article.title, article.slug = "新しい題名", "新しいスラッグ"
    article.save()

    entries = feedparser.parse(client.get(feed_url(name)).content).entries

    assert {entry.id for entry in entries} == before
    entry = next(entry for entry in entries if entry.title == "新しい題名")
    assert entry.id.startswith(f"tag:127.0.0.1,{timezone.localtime(article.created_at):%Y}:article:")
    assert entry.id.endswith(f":{article.pk}")
    assert entry.link.endswith("/articles/%E6%96%B0%E3%81%97%E3%81%84%E3%82%B9%E3%83%A9%E3%83%83%E3%82%B0/")
    if "atom" not in name:
        assert 'isPermaLink="false"' in client.get(feed_url(name)).content.decode()


def test_the_hero_image_is_an_enclosure_with_its_length_and_type(client, settings, tmp_path):
    """The hero image is the RSS enclosure, the Atom enclosure link and the JSON Feed image."""
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "heroes").mkdir()
    (tmp_path / "heroes" / "hero.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 92)
    article = make_article(title="画像つきの記事")
    Article.objects.filter(pk=article.pk).update(hero_image="heroes/hero.png")
    make_article(title="画像のない記事", published_at=article.published_at - timedelta(hours=1))

    rss = feedparser.parse(client.get(feed_url("feed")).content)
    atom = feedparser.parse(client.get(feed_url("feed-atom")).content)
    feed = json.loads(client.get(feed_url("feed-json")).content)

    image_url = f"{settings.SITE_URL}/media/heroes/hero.png"
    for parsed in (rss, atom):
        with_image, without_image = parsed.entries
        (enclosure,) = with_image.enclosures
        assert (enclosure.href, enclosure.length, enclosure.type) == (image_url, "100", "image/png")
        assert without_image.enclosures == []
    assert feed["items"][0]["image"] == image_url
    assert "image" not in feed["items"][1]


@pytest.mark.parametrize("name", SUBJECT_FEED_NAMES)
def test_an_unknown_category_tag_or_author_is_404(client, name):
    """A feed of a subject that does not exist is 404, not an empty feed."""
    assert client.get(reverse(f"articles:{name}", kwargs={"slug": "存在しない"})).status_code == 404


@pytest.mark.usefixtures("cache_off_the_database")
@pytest.mark.parametrize("count", [1, FEED_LENGTH])
@pytest.mark.parametrize("name", FEED_NAMES)
def test_query_count_does_not_grow_with_articles_tags_or_categories(client, django_assert_max_num_queries, name, count):
    """Rendering costs the same queries for 1 or 20 articles; a cached feed costs only the version query."""
    category, author = make_category("投資分析"), make_author("ALLFORCES編集部", slug="編集部")
    for number in range(count):
        make_article(
            category=category,
            author=author,
            secondary_categories=[make_category(), make_category()],
            tags=["金利", f"タグ{number}"],
        )

    with django_assert_max_num_queries(5):
        assert client.get(feed_url(name)).status_code == 200
    with django_assert_max_num_queries(2):
        assert client.get(feed_url(name)).status_code == 200  # rendered once, then from the cache


def test_absolutize_urls_resolves_links_images_and_anchors_and_keeps_the_rest():
    """Links, images and footnote anchors become absolute; text, entities and other attributes stay as written."""
    fragment = (
        '<p>注<a href="#fn1" id="fnref1">[1]</a>と<img src="/media/a.png" alt="図 &amp; 表" loading="lazy">'
        '<a href="https://example.com/?a=1&amp;b=2">外部</a><a href="mailto:desk@example.com">連絡</a>'
        '<a href="/tag/金利/">金利</a>&lt;code&gt; &amp; &#12354;<br/></p>'
    )

    result = absolutize_urls(fragment, "https://allforces.example/articles/slug/")

    assert result == (
        '<p>注<a href="https://allforces.example/articles/slug/#fn1" id="fnref1">[1]</a>と'
        '<img src="https://allforces.example/media/a.png" alt="図 &amp; 表" loading="lazy">'
        '<a href="https://example.com/?a=1&amp;b=2">外部</a><a href="mailto:desk@example.com">連絡</a>'
        '<a href="https://allforces.example/tag/%E9%87%91%E5%88%A9/">金利</a>&lt;code&gt; &amp; &#12354;<br/></p>'
    )


def test_absolutize_urls_keeps_html_without_urls_unchanged():
    """Rendered HTML without URLs comes back byte for byte."""
    fragment = make_article(
        body="## 見出し\n\n| a | b |\n|:-:|--|\n| **1** | `x < y` |\n\n```python\nprint(1)\n```"
    ).body_html

    assert absolutize_urls(fragment, "https://allforces.example/") == fragment


def test_feed_dates_are_in_tokyo_time_to_the_second(client):
    """Dates are written in Tokyo time without microseconds, RFC 822 in RSS and RFC 3339 in Atom."""
    published = datetime(2026, 1, 15, 1, 30, 45, 999999, tzinfo=UTC)
    with time_machine.travel(published + timedelta(days=1)):
        make_article(published_at=published)
        atom = client.get(feed_url("feed-atom")).content.decode()
        rss = client.get(feed_url("feed")).content.decode()

    assert "<published>2026-01-15T10:30:45+09:00</published>" in atom
    assert "<pubDate>Thu, 15 Jan 2026 10:30:45 +0900</pubDate>" in rss


CORRECTION = "初出時、利上げ幅を0.5%としていましたが、0.25%の誤りでした。\n<b>お詫び</b>して訂正します & 以上。"


def publish_correction(article, note):
    """A correction as the desk publishes it: staged as a live edit, then 編集内容を公開する."""
    chief = make_user(roles.EDITOR_IN_CHIEF)
    content = workflow.snapshot(article)
    content["correction_note"] = note
    workflow.stage_live_edit(article, chief, content)
    return workflow.perform("publish_changes", Article.objects.get(pk=article.pk), chief)


def item_contents(response, name):
    """Each item's full HTML (content:encoded, Atom content, JSON Feed content_html), by title."""
    if name.endswith("-json"):
        return {item["title"]: item["content_html"] for item in parse_json_feed(response)["items"]}
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return {entry.title: entry.content[0].value for entry in parsed.entries}


@pytest.mark.parametrize("name", ["feed", "feed-atom", "feed-json"])
def test_a_published_correction_ends_the_item_content_and_changes_the_feed_version(client, articles, name):
    """Subscribers see the 訂正 note as the article page shows it, after the body, dated and escaped; the feed's
    version moves, so neither the client's copy nor the cached feed keeps the uncorrected item."""
    first = client.get(feed_url(name))
    corrected_at = timezone.now() + timedelta(days=1)
    with time_machine.travel(corrected_at):
        publish_correction(articles[0], CORRECTION)
    day = timezone.localtime(corrected_at)

    second = client.get(feed_url(name), headers={"if-none-match": first["ETag"]})

    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    contents = item_contents(second, name)
    corrected = contents["日本株と金利の行方 & AI"]
    text = re.sub(r"<[^>]+>", "", corrected)
    assert f"訂正（{day.year}年{day.month}月{day.day}日）" in text
    assert text.rstrip().endswith("&lt;b&gt;お詫び&lt;/b&gt;して訂正します &amp; 以上。")
    assert text.index("注です") < text.index("訂正（")
    assert "<b>" not in corrected
    assert "の誤りでした。<br" in corrected
    assert "訂正" not in contents["為替の基礎"]
