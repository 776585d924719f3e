"""WebSub: feeds name the hub, and the hub hears of every publish, correction and unpublish after commit,
tested against a real HTTP server on this machine."""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import feedparser
import pytest
from django.urls import reverse

from articles.delivery import websub
from articles.desk import roles, workflow
from articles.models import Article
from tests.factories import make_article, make_series, make_user

pytestmark = pytest.mark.django_db
Status = Article.Status


class Hub:
    """A local HTTP server that records each POST's form, answering `status` after `delay` seconds."""

    def __init__(self, status=204, delay=0.0):
        self.pings = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                hub.pings.append(parse_qs(body))
                time.sleep(delay)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hub"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub(settings):
    server = Hub()
    settings.WEBSUB_HUB_URL = server.url
    yield server
    server.close()


@pytest.fixture
def chief():
    return make_user(roles.EDITOR_IN_CHIEF)


def test_publishing_pings_the_hub_with_every_feed_that_carries_the_article(
    hub, chief, settings, django_capture_on_commit_callbacks
):
    article = make_article(status=Status.APPROVED, published_at=None, tags=["半導体"])
    series = make_series("連載A", [article])

    with django_capture_on_commit_callbacks(execute=True):
        workflow.perform("publish", article, chief)

    assert len(hub.pings) == 1
    assert hub.pings[0]["hub.mode"] == ["publish"]
    feeds = [
        ("articles:feed", {}),
        ("articles:category-feed", {"slug": article.category.slug}),
        ("articles:tag-feed", {"slug": article.tags.get().slug}),
        ("articles:author-feed", {"slug": article.author.slug}),
        ("articles:series-feed", {"slug": series.slug}),
    ]
    expected = {
        settings.SITE_URL + reverse(name + suffix, kwargs=kwargs)
        for name, kwargs in feeds
        for suffix in ("", "-atom", "-json")
    }
    assert set(hub.pings[0]["hub.url"]) == expected


def test_a_correction_and_an_unpublish_ping_the_hub_too(hub, chief, django_capture_on_commit_callbacks):
    article = make_article()
    content = workflow.snapshot(article) | {"correction_note": "数値を訂正しました。"}
    with django_capture_on_commit_callbacks(execute=True):
        workflow.stage_live_edit(article, chief, content)
    pings_before = len(hub.pings)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.perform("publish_changes", Article.objects.get(pk=article.pk), chief)
    after_correction = len(hub.pings)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.perform("unpublish", Article.objects.get(pk=article.pk), chief, comment="誤りのため")

    assert after_correction == pings_before + 1
    assert len(hub.pings) == after_correction + 1


def test_no_ping_happens_before_commit(hub, chief, django_capture_on_commit_callbacks):
    article = make_article(status=Status.APPROVED, published_at=None)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.perform("publish", article, chief)

    assert hub.pings == [] and callbacks


def test_a_hub_that_is_down_does_not_break_publishing(settings, chief, django_capture_on_commit_callbacks):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.WEBSUB_HUB_URL = f"http://127.0.0.1:{closed_port}/hub"
    article = make_article(status=Status.APPROVED, published_at=None)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.perform("publish", article, chief)

    assert Article.objects.get(pk=article.pk).status == Status.PUBLISHED


def test_a_hub_that_hangs_costs_at_most_the_timeout(settings, monkeypatch):
    slow = Hub(delay=3)
    settings.WEBSUB_HUB_URL = slow.url
    monkeypatch.setattr(websub, "TIMEOUT_SECONDS", 0.5)
    started = time.monotonic()
    try:
        accepted = websub.ping_hub(["http://127.0.0.1:8000/feed/"])
    finally:
        elapsed = time.monotonic() - started
        slow.close()

    assert accepted is False
    assert elapsed < 2


def test_a_hub_refusing_is_logged_not_raised(settings, caplog):
    refusing = Hub(status=500)
    settings.WEBSUB_HUB_URL = refusing.url
    try:
        assert websub.ping_hub(["http://127.0.0.1:8000/feed/"]) is False
    finally:
        refusing.close()
    assert "WebSub hub ping failed" in caplog.text


def test_no_hub_configured_means_no_ping_and_no_hub_in_feeds(client, settings):
    settings.WEBSUB_HUB_URL = ""
    make_article()

    assert websub.ping_hub(["http://127.0.0.1:8000/feed/"]) is False
    assert b'rel="hub"' not in client.get("/feed/").content
    assert "hubs" not in client.get("/feed/json/").json()


def test_feeds_declare_the_hub_in_each_format(client, settings):
    settings.WEBSUB_HUB_URL = "https://hub.example/websub"
    make_article()

    rss = client.get("/feed/").content
    atom = client.get("/feed/atom/").content
    json_feed = client.get("/feed/json/").json()

    assert b'<atom:link href="https://hub.example/websub" rel="hub"' in rss
    assert b'<link href="https://hub.example/websub" rel="hub"' in atom
    assert json_feed["hubs"] == [{"type": "WebSub", "url": "https://hub.example/websub"}]
    for body in (rss, atom):
        parsed = feedparser.parse(body)
        assert not parsed.bozo
        assert {"rel": "hub", "href": "https://hub.example/websub"}.items() <= next(
            link for link in parsed.feed.links if link.get("rel") == "hub"
        ).items()


def test_the_footer_links_the_json_feed_with_the_others(client):
    page = client.get("/").content.decode()
    footer = page[page.index('<footer class="site-footer">') :]

    for name in ("articles:feed", "articles:feed-atom", "articles:feed-json"):
        assert f'href="{reverse(name)}"' in footer
    assert "JSON Feed" in footer
