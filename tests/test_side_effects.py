import json

import pytest

from articles import side_effects
from articles.delivery import cdn
from tests.factories import make_article


class FakeResponse:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def read(self):
        return b"ok"


@pytest.fixture
def sent_to_cdn(settings, monkeypatch):
    """The requests a configured CDN purge endpoint receives."""
    settings.CDN_PURGE_URL = "https://cdn.example/purge"
    sent = []
    monkeypatch.setattr(cdn.urllib.request, "urlopen", lambda request, timeout: sent.append(request) or FakeResponse())
    return sent


@pytest.mark.django_db
def test_cdn_purge_posts_the_changed_paths_when_configured(sent_to_cdn):
    article = make_article(title="パージ対象")

    side_effects.after_visibility_change(article)

    assert sent_to_cdn[0].full_url == "https://cdn.example/purge"
    assert json.loads(sent_to_cdn[0].data) == {"paths": [article.get_absolute_url()], "purge_all": True}


@pytest.mark.django_db
def test_a_change_to_an_articles_own_pages_purges_only_those(sent_to_cdn):
    article = make_article(title="訂正する記事", tags=["半導体"])

    side_effects.after_own_pages_change(article)

    payload = json.loads(sent_to_cdn[0].data)
    assert payload["purge_all"] is False
    assert {article.get_absolute_url(), "/feed/", "/feed/atom/", "/search/", "/sitemap.xml"} <= set(payload["paths"])
    assert "/tag/%E5%8D%8A%E5%B0%8E%E4%BD%93/feed/" in payload["paths"]
    assert "/" not in payload["paths"]


@pytest.mark.django_db
def test_cdn_failure_is_logged_not_raised(settings, monkeypatch, caplog):
    settings.CDN_PURGE_URL = "https://cdn.example/purge"

    def refuse(request, timeout):
        raise OSError("connection refused")

    monkeypatch.setattr(cdn.urllib.request, "urlopen", refuse)

    side_effects.after_site_change(["/"])

    assert "CDN purge failed" in caplog.text


def test_no_cdn_configured_sends_nothing(settings, monkeypatch):
    settings.CDN_PURGE_URL = ""
    monkeypatch.setattr(cdn.urllib.request, "urlopen", lambda *a, **k: pytest.fail("sent"))

    cdn.purge_cdn(["/"])
