"""Whole-page cache for anonymous readers: fast when warm, never stale after an editorial change."""

import functools
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
import time_machine
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage, staticfiles_storage
from django.core.cache import cache
from django.core.files.storage import storages
from django.db import connection
from django.http import HttpResponse
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import empty

from articles.delivery import page_cache
from articles.desk import roles, workflow
from articles.models import Article, Category
from tests.factories import make_article, make_category, make_user

pytestmark = pytest.mark.django_db
Status = Article.Status
HOME = "/"


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 600


@pytest.fixture
def chief():
    return make_user(roles.EDITOR_IN_CHIEF)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Side effects run after commit; a test runs inside one transaction, so `with committed():` runs them."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def publish_live_edit(article, chief, committed, **changes):
    content = workflow.snapshot(article)
    content.update(changes)
    with committed():
        workflow.stage_live_edit(article, chief, content)
    with committed():
        workflow.perform("publish_changes", Article.objects.get(pk=article.pk), chief)


def warm(client, url):
    first = client.get(url)
    second = client.get(url)
    assert second["X-Page-Cache"] == "hit", url
    return first, second


class LenientManifestStorage(ManifestStaticFilesStorage):
    def stored_name(self, name):
        return self.hashed_files.get(self.hash_key(name), name)  # files the test's manifest leaves out


def deploy(static_root, css_name):
    """What `collectstatic` on a new release leaves behind, and the app servers' restart that reads it."""
    manifest = {"version": "1.1", "paths": {"css/site.css": css_name}, "hash": css_name.split(".")[1]}
    (static_root / "staticfiles.json").write_text(json.dumps(manifest))
    forget_static_storage()


def forget_static_storage():
    storages._storages.pop("staticfiles", None)
    staticfiles_storage._wrapped = empty


def a_release_renders_pages_again(client, ship, before, after):
    """`ship(before)` and cache the home page, which shows `before`; after `ship(after)` the page is rendered again
    and shows `after`."""
    ship(before)
    _, cached = warm(client, HOME)
    assert before in cached.content.decode()

    ship(after)
    response = client.get(HOME)

    assert response["X-Page-Cache"] == "miss"
    assert after in response.content.decode()


def test_a_new_release_with_new_static_files_does_not_serve_pages_that_link_the_old_ones(client, settings, tmp_path):
    """A cached page links the CSS of the release that rendered it; after a release whose CSS has a new name
    (the old file may be gone), pages are rendered again rather than served for an hour unstyled."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": f"{__name__}.LenientManifestStorage"}}
    make_article()

    a_release_renders_pages_again(
        client, functools.partial(deploy, tmp_path), "css/site.1111aaaa.css", "css/site.2222bbbb.css"
    )
    forget_static_storage()


def release(base_dir, footer):
    """A checkout of the app's templates whose footer says `footer`, and the app servers' restart that reads it."""
    import shutil

    from tests.tools import ROOT

    shutil.rmtree(base_dir / "templates", ignore_errors=True)
    shutil.copytree(ROOT / "templates", base_dir / "templates")
    base = base_dir / "templates" / "base.html"
    html = base.read_text(encoding="utf-8").replace("</footer>", f"<p>{footer}</p></footer>")
    base.write_text(html, encoding="utf-8")
    # The restart: no compiled template, no fingerprint survives from the last release.
    for engine in engines.all():
        for loader in engine.engine.template_loaders:
            loader.reset()
    page_cache._release_fingerprint.cache_clear()


def test_a_new_release_with_changed_templates_renders_pages_again(client, settings, tmp_path):
    """A fix to a template (or a view) must reach readers at once, not after PAGE_CACHE_SECONDS: the release's
    templates and code are part of each page's key, as its static files are."""
    settings.BASE_DIR = tmp_path
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates"]}]
    make_article()

    a_release_renders_pages_again(
        client, functools.partial(release, tmp_path), "前のリリースのフッター", "新しいリリースのフッター"
    )
    page_cache._release_fingerprint.cache_clear()


@pytest.mark.usefixtures("cache_off_the_database")
def test_a_cached_article_page_costs_no_database_query(client, django_assert_num_queries):
    article = make_article(tags=["AI"])
    client.get(article.get_absolute_url())

    with django_assert_num_queries(0):
        response = client.get(article.get_absolute_url())

    assert response.status_code == 200 and response["X-Page-Cache"] == "hit"


@pytest.mark.usefixtures("cache_off_the_database")
def test_a_cached_front_page_costs_no_database_query(client, django_assert_num_queries):
    """The lead, secondary stories, category sections and ranking are all in the cached page."""
    for number in range(6):
        make_article(title=f"記事{number}", is_featured=number == 0)
    client.get(HOME)

    with django_assert_num_queries(0):
        response = client.get(HOME)

    assert response.status_code == 200 and response["X-Page-Cache"] == "hit"
    assert "アクセスランキング" in response.content.decode() and 'class="lead"' in response.content.decode()


def test_with_the_database_cache_a_cached_page_is_one_query(client, django_assert_num_queries):
    """Without REDIS_URL the cache is a table of the database: a hit is its one look-up of the generation,
    the path's version and the page."""
    article = make_article(tags=["AI"])
    client.get(article.get_absolute_url())

    with django_assert_num_queries(1):
        response = client.get(article.get_absolute_url())

    assert response.status_code == 200 and response["X-Page-Cache"] == "hit"


@pytest.mark.parametrize("url", [HOME, "/feed/", "/feed/atom/", "/feed/json/", "/sitemap.xml", "/archive/"])
def test_publishing_refreshes_lists_feeds_and_sitemap(client, chief, url, committed):
    make_article(title="既存の記事")
    warm(client, url)
    article = make_article(title="新しく公開する記事", status=Status.APPROVED, published_at=None)

    with committed():
        workflow.perform("publish", article, chief)

    body = client.get(url).content.decode()
    if url == "/archive/":
        assert "（2件）" in body  # this month's count
    elif url == "/sitemap.xml":
        assert "%E6%96%B0%E3%81%97%E3%81%8F" in body  # the new article's URL
    else:
        assert "新しく公開する記事" in body


def test_publishing_an_edit_refreshes_the_article_page(client, chief, committed):
    article = make_article(body="古い本文")
    warm(client, article.get_absolute_url())
    content = workflow.snapshot(article)
    content["body"] = "新しい本文"
    with committed():
        workflow.stage_live_edit(article, chief, content)

    assert "古い本文" in client.get(article.get_absolute_url()).content.decode()  # not live yet
    with committed():
        workflow.perform("publish_changes", Article.objects.get(pk=article.pk), chief)
    assert "新しい本文" in client.get(article.get_absolute_url()).content.decode()


def test_unpublishing_removes_the_article_everywhere(client, chief, committed):
    article = make_article(title="取り下げる記事")
    warm(client, HOME)
    warm(client, article.get_absolute_url())

    with committed():
        workflow.perform("unpublish", article, chief, comment="誤り")

    assert client.get(article.get_absolute_url()).status_code == 404
    assert "取り下げる記事" not in client.get(HOME).content.decode()


def test_a_slug_change_leaves_the_old_url_redirecting(client, chief, committed):
    article = make_article(title="旧題")
    old_url = article.get_absolute_url()
    warm(client, old_url)
    publish_live_edit(article, chief, committed, slug="new-slug")

    response = client.get(old_url)
    assert response.status_code == 301 and response["Location"] == "/articles/new-slug/"


def test_a_scheduled_article_appears_at_its_time_without_any_call(client, chief, committed):
    when = timezone.now() + timedelta(minutes=30)
    article = make_article(title="予約された記事", status=Status.APPROVED, published_at=None)
    with committed():
        workflow.perform("schedule", article, chief, when=when)
    warm(client, HOME)
    assert "予約された記事" not in client.get(HOME).content.decode()

    with time_machine.travel(when + timedelta(seconds=1)):
        assert "予約された記事" in client.get(HOME).content.decode()
        assert client.get(article.get_absolute_url()).status_code == 200


def test_renaming_a_category_in_the_admin_refreshes_pages(client, chief, committed):
    category = make_category("旧カテゴリ名")
    make_article(category=category)
    warm(client, HOME)
    editor_client = type(client)()
    editor_client.force_login(chief)

    with committed():
        editor_client.post(
            reverse("admin:articles_category_change", args=[category.pk]),
            {"name": "新カテゴリ名", "slug": category.slug, "description": "", "position": 1},
        )

    assert "新カテゴリ名" in client.get(HOME).content.decode()


def test_deleting_categories_with_the_admins_bulk_action_refreshes_pages(client, chief, committed):
    """The changelist's 「選択された … の削除」 deletes through delete_queryset(), not delete_model()."""
    make_category("消えるカテゴリ")
    make_article(category=make_category("残るカテゴリ"))
    warm(client, HOME)
    assert "消えるカテゴリ" in client.get(HOME).content.decode()
    editor_client = type(client)()
    editor_client.force_login(chief)
    gone = Category.objects.get(name="消えるカテゴリ")

    with committed():
        response = editor_client.post(
            reverse("admin:articles_category_changelist"),
            {"action": "delete_selected", "_selected_action": [gone.pk], "post": "yes"},
        )

    assert response.status_code == 302 and not Category.objects.filter(pk=gone.pk).exists()
    assert "消えるカテゴリ" not in client.get(HOME).content.decode()


def test_logged_in_editors_never_get_cached_pages(client, chief, committed):
    make_article(title="キャッシュ対象")
    warm(client, HOME)
    client.force_login(chief)

    response = client.get(HOME)

    assert "X-Page-Cache" not in response


def test_responses_that_set_cookies_are_not_cached(client):
    make_article()
    client.get(reverse("admin:login"))

    assert "X-Page-Cache" not in client.get(reverse("admin:login"))


def test_arbitrary_query_strings_do_not_fill_the_cache(client):
    """Parameters no view reads share the page without them; page 1 has one URL."""
    make_article()
    warm(client, HOME)

    assert client.get(HOME, {"utm_source": "x"})["X-Page-Cache"] == "hit"
    assert client.get(HOME, {"page": "1"})["Location"] == HOME


@pytest.mark.parametrize("url_name", ["home", "archive"])
def test_conditional_get_answers_304(client, url_name):
    make_article()
    url = reverse(f"articles:{url_name}")
    etag = client.get(url)["ETag"]

    assert client.get(url, headers={"if-none-match": etag}).status_code == 304


def test_article_page_conditional_get(client):
    article = make_article()
    etag = client.get(article.get_absolute_url())["ETag"]

    response = client.get(article.get_absolute_url(), headers={"if-none-match": etag})

    assert response.status_code == 304


def test_search_results_are_cached_and_refreshed_by_a_publish(client, chief, committed):
    make_article(title="半導体の見通し")
    url = reverse("articles:search") + "?q=半導体"
    _, cached = warm(client, url)
    article = make_article(title="半導体の新しい記事", status=Status.APPROVED, published_at=None)

    with committed():
        workflow.perform("publish", article, chief)
    after = client.get(url)

    assert "の新しい記事" not in cached.content.decode()
    assert after["X-Page-Cache"] == "miss"
    assert "の新しい記事" in after.content.decode()  # the title comes back with 半導体 highlighted


def test_only_search_takes_search_parameters_into_the_cache(client):
    make_article()
    warm(client, HOME)
    warm(client, reverse("articles:search") + "?q=x")

    assert client.get(HOME, {"q": "x"})["X-Page-Cache"] == "hit"  # the home page, which ignores q
    assert client.get(reverse("articles:search"), {"q": "x", "utm_source": "y"})["X-Page-Cache"] == "hit"
    assert client.get(reverse("articles:search"), {"q": "y"})["X-Page-Cache"] == "miss"


@pytest.mark.parametrize(
    "typed",
    ["ＡＷＳ　半導体", " AWS  半導体 ", "AWS 半導体 AWS", "ＡＷＳ\u3000\u3000半導体"],
)
def test_spellings_of_one_search_share_one_cached_page(client, typed):
    """Width, spacing and repeated words do not change what a search finds, so they are one page, cached
    once: each spelling redirects to the canonical one instead of adding a cache entry of its own."""
    make_article(title="AWSと半導体")
    search_url = reverse("articles:search")
    warm(client, search_url + "?q=" + quote("AWS 半導体"))

    response = client.get(search_url, {"q": typed})

    assert response.status_code == 302
    assert response["Location"] == search_url + "?" + urlencode({"q": "AWS 半導体"})
    assert client.get(response["Location"])["X-Page-Cache"] == "hit"


def test_a_search_spelled_canonically_or_with_other_filters_is_not_redirected(client):
    make_article(title="AWSと半導体", category=make_category(name="技術動向", slug="tech"))

    assert client.get(reverse("articles:search"), {"q": "AWS 半導体"}).status_code == 200
    assert client.get(reverse("articles:search"), {"q": "aws", "category": "tech"}).status_code == 200
    assert client.get(reverse("articles:search"), {"q": "a", "utm_source": "x"}).status_code == 200


def test_a_fix_only_its_own_pages_show_leaves_the_rest_of_the_site_warm(client, chief, committed):
    category = make_category(name="技術動向")
    article = make_article(excerpt="要約は同じ。", body="本文に誤植がありました。", category=category, tags=["AI"])
    neighbour = make_article(title="隣の記事", category=category, tags=["AI"])
    untouched = [HOME, neighbour.get_absolute_url(), category.get_absolute_url(), "/tag/ai/", "/archive/"]
    refreshed = [
        article.get_absolute_url(),
        article.get_absolute_url() + "?page=2",
        "/feed/",
        "/feed/atom/",
        "/tag/ai/feed/json/",
        reverse("articles:search") + "?q=誤植",
        "/sitemap.xml",
    ]
    for url in untouched + refreshed:
        warm(client, url)
    assert article.title in client.get(reverse("articles:search") + "?q=誤植").content.decode()

    publish_live_edit(article, chief, committed, body="本文を訂正しました。")

    for url in untouched:
        assert client.get(url)["X-Page-Cache"] == "hit", url
    for url in refreshed:
        assert client.get(url)["X-Page-Cache"] == "miss", url
    assert "本文を訂正しました" in client.get(article.get_absolute_url() + "?page=2").content.decode()
    assert "本文を訂正しました" in client.get("/feed/atom/").content.decode()
    assert article.title not in client.get(reverse("articles:search") + "?q=誤植").content.decode()
    assert article.title in client.get(reverse("articles:search") + "?q=訂正").content.decode()


@pytest.mark.parametrize(
    ("change", "shown_on_home"),
    [
        ({"title": "新しい見出し"}, "新しい見出し"),
        ({"excerpt": "新しい要約です。"}, "新しい要約です。"),
        ({"body": "ずっと長い本文。" * 400}, "約7分"),  # the reading time on the card
    ],
)
def test_an_edit_other_pages_show_refreshes_the_whole_site(client, chief, committed, change, shown_on_home):
    article = make_article(title="元の見出し", excerpt="元の要約。")
    warm(client, HOME)

    publish_live_edit(article, chief, committed, **change)
    home = client.get(HOME)

    assert home["X-Page-Cache"] == "miss"
    assert shown_on_home in home.content.decode()


def test_a_new_tag_refreshes_the_tag_pages(client, chief, committed):
    article = make_article(tags=["AI"])
    warm(client, "/tag/ai/")

    publish_live_edit(article, chief, committed, tags=[])

    assert article.title not in client.get("/tag/ai/").content.decode()


def test_what_scanners_ask_for_leaves_nothing_behind_in_the_cache(client, settings):
    paths = [f"/wp-admin/{number}.php" for number in range(20)]
    for path in paths:
        assert client.get(path).status_code == 404

    with time_machine.travel(timezone.now() + timedelta(seconds=settings.PAGE_CACHE_SECONDS + 1)):
        assert cache.get_many([page_cache._path_version_key(path) for path in paths]) == {}


@pytest.mark.parametrize(("seconds_later", "renders"), [(0, 2), (6, 1)])
def test_with_a_read_replica_a_page_rendered_just_after_a_change_is_not_kept(settings, seconds_later, renders):
    """The replica may not have replayed the change yet: what it renders is served, but stored only once
    REPLICA_LAG_SECONDS have passed."""
    settings.DATABASES = {**settings.DATABASES, "replica": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
    settings.REPLICA_LAG_SECONDS = 5
    rendered = []
    middleware = page_cache.ReaderPageCacheMiddleware(lambda request: rendered.append(1) or HttpResponse("本文"))
    page_cache.paths_changed(["/articles/x/"])

    with time_machine.travel(timezone.now() + timedelta(seconds=seconds_later)):
        for _ in range(2):
            assert middleware(RequestFactory().get("/articles/x/")).content.decode() == "本文"

    assert len(rendered) == renders


# --- across processes: gunicorn's workers, and commands run while a server is up -------------------

PROJECT = Path(__file__).resolve().parents[1]
READER = """
import sys

import django

django.setup()
from django.test import Client

client = Client(HTTP_HOST="127.0.0.1")
for line in sys.stdin:
    response = client.get(line.strip())
    print(response.status_code, response.get("X-Page-Cache", "-"), flush=True)
"""
SETUP = """
from articles.desk import roles
from tests.factories import make_article, make_user

make_user(roles.EDITOR_IN_CHIEF, username="chief")
print(make_article(title="取り下げる記事").get_absolute_url())
"""
UNPUBLISH = """
from django.contrib.auth import get_user_model

from articles.desk import workflow
from articles.models import Article

chief = get_user_model().objects.get(username="chief")
workflow.perform("unpublish", Article.objects.get(title="取り下げる記事"), chief, comment="誤り")
"""


@pytest.fixture
def database_for_processes(tmp_path):
    """A URL other processes can open: on PostgreSQL the test database (the test is transactional, so what
    they write is committed and flushed afterwards); on SQLite, whose test database lives in this process's
    memory, a file of their own."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'site.sqlite3'}"
    params = connection.settings_dict
    password = f":{quote(params['PASSWORD'])}" if params["PASSWORD"] else ""
    return f"postgres://{quote(params['USER'])}{password}@{params['HOST']}:{params['PORT']}/{params['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_page_another_process_unpublished_is_not_served_from_the_cache(database_for_processes, tmp_path):
    """As under `make serve`: a reader process has the article cached; another process (a gunicorn worker, a
    command) unpublishes it; the reader's next request must not be the cached page. Settings as deployed
    without REDIS_URL, the page cache on."""
    environment = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "CDN_PURGE_URL"}}
    environment.update(
        DJANGO_SETTINGS_MODULE="allforces.settings", DATABASE_URL=database_for_processes, MEDIA_ROOT=str(tmp_path)
    )

    def manage(*arguments):
        result = subprocess.run(  # noqa: S603 (our own interpreter and code)
            [sys.executable, "manage.py", *arguments],
            cwd=PROJECT,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def read(path):
        """The reader's answer to a GET of `path`: status and X-Page-Cache."""
        reader.stdin.write(path + "\n")
        reader.stdin.flush()
        return reader.stdout.readline().strip()

    manage("migrate", "--noinput", "-v0")
    url = manage("shell", "-v0", "-c", SETUP)
    reader = subprocess.Popen(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", READER],
        cwd=PROJECT,
        env=environment,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert [read(url), read(url)] == ["200 miss", "200 hit"]
        manage("shell", "-v0", "-c", UNPUBLISH)
        assert read(url) == "404 -"
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)


# --- One entry per page, bounded (#17 item 3) -----------------------------------------------------------


@pytest.mark.parametrize("variant", ["01", "001", "+1", "１", "١", " 1", "1.0"])
def test_page_one_under_another_spelling_is_a_404_not_another_entry(client, variant):
    make_article()

    assert client.get(HOME, {"page": variant}).status_code == 404


def test_a_page_over_the_size_limit_is_served_and_not_stored(client, settings):
    make_article(body="長い本文。" * 2000)
    settings.PAGE_CACHE_MAX_BYTES = 1024
    article_url = Article.objects.get().get_absolute_url()

    first, second = client.get(article_url), client.get(article_url)

    assert first.status_code == second.status_code == 200
    assert "X-Page-Cache" not in first and "X-Page-Cache" not in second


def test_a_cached_page_is_not_served_to_a_host_the_site_does_not_answer(client):
    make_article()
    warm(client, HOME)

    assert client.get(HOME, HTTP_HOST="evil.example").status_code == 400


def test_variants_404s_and_unread_parameters_add_no_entries(client, own_redis):
    """A thousand requests a scanner or a careless link could make add nothing after the first of each page
    (before: each one a new page or path-version key, an hour each, in a Redis without maxmemory)."""
    make_article()
    warm(client, HOME)
    warm(client, reverse("articles:search") + "?q=半導体")
    before = own_redis.dbsize()

    for number in range(200):
        client.get(f"/no-such-page-{number}/")
        client.get(HOME, {"utm_source": f"campaign-{number}", "fbclid": str(number)})
        client.get(HOME, {"page": f"0{number}"})
        client.get(reverse("articles:search"), {"q": "半導体", "ref": str(number)})
        client.get(f"/articles/missing-{number}/")

    assert own_redis.dbsize() == before
    assert own_redis.config_get("maxmemory-policy")["maxmemory-policy"] == "allkeys-lru"


def test_the_sitemaps_own_page_parameter_keys_its_pages(client):
    """Django's sitemap reads ?p=: it is part of the key there, so page 2 is never served for page 1."""
    make_article()
    warm(client, "/sitemap.xml")

    assert client.get("/sitemap.xml", {"p": "2"}).status_code == 404
    assert client.get("/sitemap.xml", {"p": "1"})["X-Page-Cache"] == "miss"
