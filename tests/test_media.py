"""Uploaded images served by the app when they are kept in MEDIA_ROOT, with DEBUG off as in `make serve`:
only the image types uploads produce, only from inside MEDIA_ROOT, never as anything a browser would run."""

import os

import pytest

from tests.factories import make_article, make_hero_image

pytestmark = pytest.mark.django_db
YEAR = 60 * 60 * 24 * 365
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def place(media_root, name, data):
    path = media_root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return f"/media/{name}"


def test_a_hero_image_and_its_renditions_are_served_with_debug_off(client, settings):
    assert settings.DEBUG is False
    article = make_article(hero_image=make_hero_image(), hero_image_alt="図")
    rendition = next(r["name"] for r in article.hero_renditions if r["format"] == "webp")

    hero = client.get(article.hero_image.url)
    webp = client.get(f"/media/{rendition}")

    assert hero.status_code == 200
    assert hero["Content-Type"] == "image/jpeg"
    assert hero["X-Content-Type-Options"] == "nosniff"
    assert hero["Cache-Control"] == f"public, max-age={YEAR}, immutable"
    assert b"".join(hero.streaming_content) == article.hero_image.read()
    assert (webp.status_code, webp["Content-Type"]) == (200, "image/webp")
    assert f"/media/{rendition}" in client.get(article.get_absolute_url()).content.decode()


def test_a_conditional_get_is_answered_with_304(client, media_root):
    url = place(media_root, "uploads/2026/12/a.png", PNG_BYTES)
    first = client.get(url)

    by_etag = client.get(url, headers={"if-none-match": first["ETag"]})
    by_date = client.get(url, headers={"if-modified-since": first["Last-Modified"]})

    assert (first.status_code, by_etag.status_code, by_date.status_code) == (200, 304, 304)


def test_head_is_answered_and_post_is_not_allowed(client, media_root):
    url = place(media_root, "cards/1-abc.png", PNG_BYTES)

    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "/media/../allforces/settings.py",
        "/media/%2e%2e/allforces/settings.py",
        "/media/..%2fallforces/settings.py",
        "/media//etc/passwd",
        "/media/uploads/../../manage.py",
        "/media/",
        "/media/missing.png",
        "/media/uploads",
    ],
)
def test_nothing_outside_media_root_or_missing_is_served(client, media_root, path):
    (media_root / "uploads").mkdir()

    response = client.get(path)

    assert response.status_code == 404
    assert b"SECRET_KEY" not in response.content and b"root:" not in response.content


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("uploads/page.html", b"<!doctype html><script>alert(document.cookie)</script>"),
        ("uploads/logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("uploads/page.htm", b"<script>alert(1)</script>"),
        ("uploads/image.png.html", b"<script>alert(1)</script>"),
        ("uploads/script.js", b"alert(1)"),
        ("uploads/page.png", b"<!doctype html><script>alert(document.cookie)</script>"),  # not what it says
        ("uploads/.hidden.png", PNG_BYTES),
        ("uploads/archive.tar.gz", b"\x1f\x8b"),
    ],
)
def test_only_images_of_the_types_uploads_produce_are_served(client, media_root, name, data):
    url = place(media_root, name, data)

    response = client.get(url)

    assert response.status_code == 404
    assert data not in response.content


def test_a_symlink_out_of_media_root_is_not_followed(client, media_root, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG_BYTES)
    os.symlink(secret, media_root / "link.png")

    assert client.get("/media/link.png").status_code == 404


def test_nothing_is_served_from_media_root_when_media_is_in_a_bucket(client, media_root, settings):
    url = place(media_root, "uploads/a.png", PNG_BYTES)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"bucket_name": "allforces-media"}},
    }

    assert client.get(url).status_code == 404
