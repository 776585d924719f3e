"""Counting article views (articles/readership.py, the beacon endpoint) and the desk's view counts."""

import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from articles import readership
from articles.desk import roles
from articles.models import Article, ArticleViewCount
from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def beacon(client, article, user_agent=BROWSER, address="203.0.113.7"):
    return client.post(
        reverse("articles:count-view", kwargs={"pk": article.pk}),
        headers={"User-Agent": user_agent},
        REMOTE_ADDR=address,
    )


def stored_views(article):
    readership.roll_up()
    return sum(ArticleViewCount.objects.filter(article=article).values_list("views", flat=True))


def test_a_readers_view_is_counted_once_and_a_repeat_within_the_window_is_not(client):
    article = make_article()

    assert beacon(client, article).status_code == 204
    assert beacon(client, article).status_code == 204

    assert stored_views(article) == 1


def test_the_same_reader_counts_again_after_the_repeat_window(client):
    article = make_article()
    beacon(client, article)

    with time_machine.travel(timezone.now() + timedelta(seconds=readership.REPEAT_WINDOW_SECONDS + 60)):
        beacon(client, article)
        assert stored_views(article) == 2


def test_other_readers_and_other_articles_count_separately(client):
    article, other = make_article(), make_article()

    beacon(client, article, address="203.0.113.1")
    beacon(client, article, address="203.0.113.2")
    beacon(client, article, user_agent=BROWSER + " Edg/131.0", address="203.0.113.1")
    beacon(client, other, address="203.0.113.1")

    assert stored_views(article) == 3
    assert stored_views(other) == 1


@pytest.mark.parametrize(
    "user_agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0)",
        "facebookexternalhit/1.1",
        "curl/8.5.0",
        "python-requests/2.32",
        "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/131.0 Safari/537.36",
        "",
    ],
)
def test_bots_are_not_counted(client, user_agent):
    article = make_article()

    assert beacon(client, article, user_agent=user_agent).status_code == 204

    assert stored_views(article) == 0


def test_staff_reading_the_site_are_not_counted(client):
    article = make_article()
    client.force_login(make_user(roles.EDITOR))

    assert beacon(client, article).status_code == 204

    assert stored_views(article) == 0


def test_the_endpoint_takes_only_post_and_sets_no_cookie(client):
    article = make_article()

    assert client.get(reverse("articles:count-view", kwargs={"pk": article.pk})).status_code == 405
    response = beacon(client, article)
    assert response.cookies == {} and "Set-Cookie" not in response


def test_one_client_is_rate_limited_and_others_are_not(client):
    articles = [make_article(index=False) for _ in range(readership.RATE_LIMIT_PER_MINUTE + 3)]

    statuses = [beacon(client, article).status_code for article in articles]

    assert statuses[: readership.RATE_LIMIT_PER_MINUTE] == [204] * readership.RATE_LIMIT_PER_MINUTE
    assert statuses[readership.RATE_LIMIT_PER_MINUTE :] == [429] * 3
    assert "しばらくしてから" in beacon(client, articles[0]).content.decode()
    assert beacon(client, articles[-1], address="198.51.100.9").status_code == 204
    assert stored_views(articles[-1]) == 1


def test_a_view_of_an_unknown_article_is_dropped_at_roll_up(client):
    article = make_article()
    client.post(reverse("articles:count-view", kwargs={"pk": 999_999}), headers={"User-Agent": BROWSER})
    beacon(client, article)

    readership.roll_up()

    assert list(ArticleViewCount.objects.values_list("article_id", flat=True)) == [article.pk]


def test_an_id_beyond_any_article_does_not_break_the_roll_up(client):
    article = make_article()
    client.post("/views/99999999999999999999999/", headers={"User-Agent": BROWSER})
    beacon(client, article)

    assert stored_views(article) == 1


def test_behind_a_trusted_balancer_readers_are_told_apart_by_their_own_address(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    article = make_article()
    url = reverse("articles:count-view", kwargs={"pk": article.pk})

    for reader in ("203.0.113.1", "203.0.113.2", "203.0.113.1"):
        client.post(url, headers={"User-Agent": BROWSER, "X-Forwarded-For": reader}, REMOTE_ADDR="10.0.0.1")

    assert stored_views(article) == 2


def test_views_are_kept_per_article_and_hour(client):
    article = make_article()
    with time_machine.travel(datetime(2026, 12, 1, 9, 59, tzinfo=UTC)):
        beacon(client, article, address="203.0.113.1")
    with time_machine.travel(datetime(2026, 12, 1, 10, 1, tzinfo=UTC)):
        beacon(client, article, address="203.0.113.2")
        beacon(client, article, address="203.0.113.3")
        readership.roll_up()

    rows = dict(ArticleViewCount.objects.values_list("hour", "views"))
    assert rows == {datetime(2026, 12, 1, 9, tzinfo=UTC): 1, datetime(2026, 12, 1, 10, tzinfo=UTC): 2}


def test_nothing_stored_identifies_a_reader(client, own_redis):
    article = make_article()
    beacon(client, article, address="203.0.113.77")
    readership.roll_up()

    stored = b" ".join(own_redis.keys("*")) + b" ".join(
        value for key in own_redis.keys("*") if own_redis.type(key) == b"string" for value in [own_redis.get(key)]
    )
    assert b"203.0.113.77" not in stored and BROWSER.encode() not in stored
    assert [field.name for field in ArticleViewCount._meta.get_fields()] == ["id", "article", "hour", "views"]


def test_with_redis_a_view_costs_no_database_query_and_the_roll_up_moves_it(
    client, own_redis, django_assert_num_queries
):
    article = make_article()
    cache.add(readership.ROLLUP_LOCK_KEY, 1, 600)  # another process rolled up a moment ago

    with django_assert_num_queries(0):
        assert beacon(client, article).status_code == 204

    assert not ArticleViewCount.objects.exists()
    assert readership.roll_up() == 1
    assert ArticleViewCount.objects.get(article=article).views == 1
    assert readership.roll_up() == 0  # moved once, not twice


def test_with_redis_a_view_counted_during_a_roll_up_is_not_lost(client, own_redis):
    article = make_article()
    cache.add(readership.ROLLUP_LOCK_KEY, 1, 600)  # the roll-up below is the only one
    beacon(client, article, address="203.0.113.1")
    store = readership._store()
    assert isinstance(store, readership._RedisStore)
    original_add = ArticleViewCount.objects.add

    def add_while_a_reader_arrives(counts):
        beacon(client, article, address="203.0.113.2")  # lands in a fresh hash
        return original_add(counts)

    ArticleViewCount.objects.add = add_while_a_reader_arrives
    try:
        store.roll_up()
    finally:
        ArticleViewCount.objects.add = original_add

    assert stored_views(article) == 2


def test_the_database_time_of_a_view_stays_under_a_millisecond(client, own_redis):
    """200 readers' views through the endpoint, roll-ups included, measured at the database cursor."""
    articles = [make_article(index=False) for _ in range(10)]
    spent = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent.append(time.perf_counter() - started)

    cache.delete(readership.ROLLUP_LOCK_KEY)
    with connection.execute_wrapper(timed):
        for number in range(200):
            beacon(client, articles[number % 10], address=f"198.51.100.{number}")
        readership.roll_up()

    assert sum(views for views in ArticleViewCount.objects.values_list("views", flat=True)) == 200
    assert sum(spent) / 200 < 0.001, f"{sum(spent) * 1000 / 200:.3f} ms of database time per view"


def test_the_article_page_sends_the_beacon_and_stays_free_of_queries_when_cached(
    client, settings, cache_off_the_database, django_assert_num_queries
):
    settings.PAGE_CACHE_SECONDS = 600
    article = make_article()
    first = client.get(article.get_absolute_url()).content.decode()

    with django_assert_num_queries(0):
        assert client.get(article.get_absolute_url())["X-Page-Cache"] == "hit"
    assert f'data-count-view="{reverse("articles:count-view", kwargs={"pk": article.pk})}"' in first
    assert "js/count-view.js" in first


def test_the_desk_sees_views_per_article_in_the_list_and_a_seven_day_chart(client):
    article = make_article(title="よく読まれた記事")
    now = timezone.now()
    ArticleViewCount.objects.add({(article.pk, readership.hour_of(now)): 120})
    ArticleViewCount.objects.add({(article.pk, readership.hour_of(now - timedelta(days=2))): 30})
    ArticleViewCount.objects.add({(article.pk, readership.hour_of(now - timedelta(days=9))): 999})
    client.force_login(make_user(roles.EDITOR_IN_CHIEF))

    listing = client.get(reverse("admin:articles_article_changelist")).content.decode()
    change = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()

    assert "閲覧（7日）" in listing and ">150<" in listing
    assert "直近7日間の閲覧数（合計 150）" in change
    today = timezone.localdate(now)
    assert f"<li>{today.month}月{today.day}日: 120</li>" in change


def test_seed_demo_views_fills_both_rankings_once(tmp_path):
    from articles import ranking

    for _ in range(6):
        make_article(index=False)
    make_article(status=Article.Status.DRAFT, published_at=None, index=False)
    out = open(tmp_path / "out", "w")  # noqa: SIM115

    call_command("seed_demo_views", stdout=out)
    rows = ArticleViewCount.objects.count()
    call_command("seed_demo_views", stdout=out)

    assert rows > 0 and ArticleViewCount.objects.count() == rows
    assert len(ranking.top("day")) == 5 and len(ranking.top("week")) == 5
    assert not ArticleViewCount.objects.filter(article__status=Article.Status.DRAFT).exists()
