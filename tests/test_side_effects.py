import json

import pytest

from articles import side_effects
from tests.factories import make_article


class FakeResponse:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def read(self):
        return b"ok"


@pytest.mark.django_db
def test_cdn_purge_posts_the_changed_paths_when_configured(settings, monkeypatch):
    settings.CDN_PURGE_URL = "https://cdn.example/purge"
    sent = []
    monkeypatch.setattr(
        side_effects.urllib.request, "urlopen", lambda request, timeout: sent.append(request) or FakeResponse()
    )
    article = make_article(title="パージ対象")

    side_effects.after_visibility_change(article)

    assert sent[0].full_url == "https://cdn.example/purge"
    assert json.loads(sent[0].data)["paths"] == [article.get_absolute_url()]


@pytest.mark.django_db
def test_cdn_failure_is_logged_not_raised(settings, monkeypatch, caplog):
    settings.CDN_PURGE_URL = "https://cdn.example/purge"

    def refuse(request, timeout):
        raise OSError("connection refused")

    monkeypatch.setattr(side_effects.urllib.request, "urlopen", refuse)

    side_effects.after_site_change(["/"])

    assert "CDN purge failed" in caplog.text


def test_no_cdn_configured_sends_nothing(settings, monkeypatch):
    settings.CDN_PURGE_URL = ""
    monkeypatch.setattr(side_effects.urllib.request, "urlopen", lambda *a, **k: pytest.fail("sent"))

    side_effects.purge_cdn(["/"])
