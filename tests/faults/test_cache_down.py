"""Redis down or hanging: readers keep reading (uncached), editors keep logging in, /healthz says degraded.

REDIS_URL points at a real closed port, or at a real server that accepts connections and never answers."""

import time

import pytest
from django.urls import reverse

from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db

READER_PAGES = ["/", "/search/?q=半導体", "/feed/", "/feed/atom/", "/feed/json/", "/sitemap.xml", "/archive/"]


def redis_at(settings, port, timeout=0.5):
    settings.CACHES = {
        "default": {
            "BACKEND": "allforces.redis_cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout, "RETRY_SECONDS": 30},
        }
    }
    settings.SESSION_ENGINE = "allforces.session_engines.cached_db"
    settings.PAGE_CACHE_SECONDS = 3600


@pytest.fixture
def site():
    article = make_article(title="半導体の見通し", body="半導体の需要は強い。", tags=["半導体"])
    return [*READER_PAGES, article.get_absolute_url(), article.category.get_absolute_url(), "/tag/半導体/"]


def read_everything(client, pages):
    return {page: client.get(page).status_code for page in pages}


def test_readers_and_editors_are_served_while_redis_refuses(client, settings, closed_port, site, caplog):
    redis_at(settings, closed_port)

    statuses = read_everything(client, site)
    read_everything(client, site)  # again: no page was kept, none is half-kept

    assert set(statuses.values()) == {200}, statuses
    make_user("編集長", username="chief")
    login = client.post(reverse("admin:login"), {"username": "chief", "password": "correct-horse-battery"})
    assert login.status_code == 302, login.content.decode()[:500]
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:articles_article_changelist")).status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "degraded", "database": "ok", "cache": "error"}
    errors = [record for record in caplog.records if "Redis cache unreachable" in record.getMessage()]
    assert len(errors) == 1  # logged once per interval, not once per operation


def test_a_redis_that_never_answers_costs_one_timeout_per_interval(client, settings, hung_server, site):
    """Without socket timeouts every request would wait for ever; without the retry interval, every cache
    operation of every request would wait out its timeout."""
    redis_at(settings, hung_server.port, timeout=0.5)

    started = time.monotonic()
    statuses = read_everything(client, site)
    elapsed = time.monotonic() - started

    assert set(statuses.values()) == {200}, statuses
    assert hung_server.accepted, "the cache did try the hung server"
    # One 0.5 s timeout, then misses for RETRY_SECONDS: ten pages in far less than ten timeouts each.
    assert elapsed < 5, f"{len(site)} pages took {elapsed:.1f} s"
