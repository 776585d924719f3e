"""The Redis cache production uses (REDIS_URL), against the real Redis every developer and CI machine runs at
127.0.0.1:6379: the page cache's operations, and one whole publish-and-refresh cycle through it."""

import os
import time
import uuid

import pytest
import redis
from django.core.cache import caches

from articles.desk import roles, workflow
from articles.models import Article
from tests.factories import make_article, make_user

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


@pytest.fixture
def redis_cache(settings):
    """settings.CACHES pointed at Redis under a key prefix of this test's own, whose keys go afterwards."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS_URL} is unreachable, and CI must test it: {error}")
        pytest.skip(f"Redis at {REDIS_URL} is unreachable (outside CI only): {error}")
    prefix = f"test-{uuid.uuid4().hex}"
    # Put back before the autouse fresh_cache fixture clears "the cache": on Redis, clear() empties the database.
    local_caches = settings.CACHES
    settings.CACHES = {
        "default": {"BACKEND": "allforces.redis_cache.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": prefix}
    }
    yield caches["default"]
    settings.CACHES = local_caches
    server = redis.Redis.from_url(REDIS_URL)
    for key in server.scan_iter(f"{prefix}:*"):
        server.delete(key)


def test_the_page_caches_operations_round_trip(redis_cache):
    assert redis_cache.add("generation", "g1", None) is True
    assert redis_cache.add("generation", "g2", None) is False
    redis_cache.set_many({"generation": "g3", "path": "v1", "page": ("v1", "本文")}, None)

    assert redis_cache.get_many(["generation", "path", "page", "missing"]) == {
        "generation": "g3",
        "path": "v1",
        "page": ("v1", "本文"),
    }


def test_every_operation_shares_one_client_per_connection_pool(redis_cache):
    client = redis_cache._cache.get_client()

    redis_cache.set("a", 1)
    redis_cache.get_many(["a", "b"])

    assert redis_cache._cache.get_client() is client
    assert redis_cache._cache.get_client(write=True) is client  # one server: reads and writes share its pool


@pytest.mark.django_db
def test_a_published_edit_reaches_readers_through_redis(
    redis_cache, settings, client, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 600
    chief = make_user(roles.EDITOR_IN_CHIEF)
    article = make_article(title="元の見出し")
    client.get("/")
    assert client.get("/")["X-Page-Cache"] == "hit"

    content = workflow.snapshot(article)
    content["title"] = "新しい見出し"
    with django_capture_on_commit_callbacks(execute=True):
        workflow.stage_live_edit(article, chief, content)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.perform("publish_changes", Article.objects.get(pk=article.pk), chief)
    home = client.get("/")

    assert home["X-Page-Cache"] == "miss"
    assert "新しい見出し" in home.content.decode()


def test_a_worker_still_inside_its_retry_interval_retires_keys_in_a_redis_that_is_back(redis_cache):
    """After a fault a worker skips Redis for RETRY_SECONDS, while other workers may already use it again (it
    came back, or the fault was this worker's alone). Reads and stores may be skipped; what retires cached data
    may not: set_many (page_cache's generation and path versions) and delete (a session at logout)."""
    redis_cache.set_many({"path": "v1"}, None)
    redis_cache.set("session", "signed in")
    redis_cache._down_until = time.monotonic() + 60  # this worker's interval after a fault

    redis_cache.set_many({"path": "v2"}, None)
    redis_cache.delete("session")

    assert redis_cache.get("path") is None  # reads are still skipped inside the interval
    redis_cache._down_until = 0  # another worker, or this one once its interval is over
    assert redis_cache.get("path") == "v2"
    assert redis_cache.get("session") is None


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["title", "body"])
def test_an_edit_published_by_a_worker_inside_its_retry_interval_reaches_the_other_workers_readers(
    field, redis_cache, settings, client, django_capture_on_commit_callbacks
):
    """Seen in `make load-test`'s Redis outage phase: right after Redis came back, a publish handled by a worker
    still counting it down left the page other workers had cached, and readers got the old text. A title moves
    the site-wide generation, a body only the article's own pages (page_cache.paths_changed)."""
    settings.PAGE_CACHE_SECONDS = 600
    chief = make_user(roles.EDITOR_IN_CHIEF)
    article = make_article(title="元の見出し", body="元の本文です。")
    url = article.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"

    redis_cache._down_until = time.monotonic() + 60  # the worker that publishes still counts Redis as down
    content = workflow.snapshot(article)
    content[field] = "訂正後の" + content[field]
    with django_capture_on_commit_callbacks(execute=True):
        workflow.stage_live_edit(article, chief, content)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.perform("publish_changes", Article.objects.get(pk=article.pk), chief)
    redis_cache._down_until = 0  # a worker that reads from Redis again
    page = client.get(url)

    assert page["X-Page-Cache"] == "miss"
    assert "訂正後の" in page.content.decode()
