"""Media on S3-compatible storage when MEDIA_STORAGE_URL asks for it, so app servers stay stateless.

The bucket is moto's standalone server, a real S3 endpoint over HTTP on a loopback port: the storage is
configured from a MEDIA_STORAGE_URL exactly as allforces/settings.py reads it, boto3 talks to it through
the network stack, and the URLs pages print are fetched back from it.
"""

import io
import json
import os
import re
import subprocess
import sys
from html import unescape
from pathlib import Path
from urllib.request import Request, urlopen

import boto3
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer
from PIL import Image

from articles.uploads import clean_uploaded_image
from tests.factories import make_article, make_hero_image

PROJECT = Path(__file__).resolve().parents[1]
BUCKET = "allforces-media"
REGION = "ap-northeast-1"
READERS_MAY_READ_MEDIA = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/media/*"}
    ],
}


def storage_settings(media_storage_url):
    """settings.STORAGES["default"] as allforces/settings.py makes it from this MEDIA_STORAGE_URL."""
    env = {**os.environ, "MEDIA_STORAGE_URL": media_storage_url, "DJANGO_SETTINGS_MODULE": "allforces.settings"}
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['default']))"
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], cwd=PROJECT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server on a free loopback port, for this module's tests."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def bucket_storage(s3_endpoint):
    return storage_settings(f"s3://{BUCKET}/media?endpoint_url={s3_endpoint}&region_name={REGION}")


@pytest.fixture
def bucket(s3_endpoint, bucket_storage, settings, monkeypatch):
    """An empty bucket as the default storage; a boto3 client to look inside it."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.STORAGES = {**settings.STORAGES, "default": bucket_storage}
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    # Media URLs are unsigned (querystring_auth off): readers may read the prefix, as README's Deploying says.
    client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(READERS_MAY_READ_MEDIA))
    yield client
    urlopen(Request(f"{s3_endpoint}/moto-api/reset", method="POST")).close()  # noqa: S310 (our loopback server)


def keys(client, prefix="media/"):
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", []))


def fetch(url):
    """What a browser gets from a media URL: status, content type and bytes."""
    with urlopen(url, timeout=5) as response:  # noqa: S310 (the test's own loopback server)
        return response.status, response.headers["Content-Type"], response.read()


def test_media_storage_url_configures_the_s3_backend():
    storage = storage_settings(
        "s3://allforces-media/prod?endpoint_url=http://127.0.0.1:9000&region_name=ap-northeast-1"
    )

    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "allforces-media" and storage["OPTIONS"]["location"] == "prod"
    assert storage["OPTIONS"]["endpoint_url"] == "http://127.0.0.1:9000"


def test_a_malformed_media_storage_url_refuses_to_start():
    env = {**os.environ, "MEDIA_STORAGE_URL": "ftp://somewhere"}

    result = subprocess.run([sys.executable, "-c", "import allforces.settings"], cwd=PROJECT, env=env,
                            capture_output=True, text=True, check=False)  # fmt: skip

    assert result.returncode != 0 and "MEDIA_STORAGE_URL" in result.stderr


def test_uploaded_images_are_stored_in_the_bucket_and_served_from_its_url(bucket, s3_endpoint):
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "red").save(buffer, "PNG")

    cleaned = clean_uploaded_image(SimpleUploadedFile("a.png", buffer.getvalue(), "image/png"))
    name = default_storage.save(f"uploads/{cleaned.name}", cleaned)

    assert keys(bucket) == [f"media/{name}"]
    url = default_storage.url(name)
    assert url == f"{s3_endpoint}/{BUCKET}/media/{name}"
    status, content_type, body = fetch(url)
    assert (status, content_type) == (200, "image/png")
    assert body == bucket.get_object(Bucket=BUCKET, Key=f"media/{name}")["Body"].read()
    with Image.open(io.BytesIO(body)) as served:
        assert served.size == (20, 10)


@pytest.mark.django_db
def test_hero_image_and_renditions_go_to_the_bucket_and_the_page_links_to_them(bucket, client, s3_endpoint):
    article = make_article(hero_image=make_hero_image(size=(1000, 560)), hero_image_alt="工程の図")

    stored = keys(bucket)
    assert [key for key in stored if key.startswith("media/heroes/")] == [f"media/{article.hero_image.name}"]
    renditions = [key for key in stored if key.startswith("media/renditions/")]
    assert len(renditions) == 6  # 480, 800 and 1000 pixels wide, WebP and JPEG
    html = client.get(article.get_absolute_url()).content.decode()
    linked = sorted(set(re.findall(rf"{re.escape(s3_endpoint)}/{BUCKET}/(media/renditions/[^\s\"]+)", html)))
    assert linked == renditions
    for key in linked:
        status, content_type, _ = fetch(f"{s3_endpoint}/{BUCKET}/{key}")
        assert (status, content_type) == (200, "image/webp" if key.endswith(".webp") else "image/jpeg")
    og_image = unescape(re.search(r'<meta property="og:image" content="([^"]+)"', html)[1])
    assert og_image == f"{s3_endpoint}/{BUCKET}/{next(key for key in renditions if '-1000w.jpg' in key)}"


@pytest.mark.django_db
def test_the_share_card_is_drawn_once_into_the_bucket(bucket, client):
    article = make_article(title="半導体の供給網を読む")
    card_url = article.share_image_url().split("://", 1)[1].split("/", 1)[1]

    first = client.get(f"/{card_url}")
    stored = keys(bucket, "media/cards/")
    bucket.put_object(Bucket=BUCKET, Key=stored[0], Body=b"kept")  # the second request must read the bucket
    second = client.get(f"/{card_url}")

    assert first.status_code == 200 and first["Content-Type"] == "image/png"
    assert first.content.startswith(b"\x89PNG")
    assert stored == [f"media/cards/{article.pk}-{article.share_card_digest()}.png"]
    assert second.content == b"kept"


@pytest.mark.django_db
def test_a_bucket_that_cannot_be_reached_is_a_japanese_refusal_not_a_server_error(client, settings, monkeypatch):
    """S3's errors are not OSErrors: with the endpoint on a closed port, an editor's upload is the same JSON
    refusal as a full disk, not an HTML 500."""
    import socket

    from articles.desk import roles
    from tests.factories import make_user

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": storage_settings(f"s3://{BUCKET}/media?endpoint_url=http://127.0.0.1:{closed}&region_name={REGION}"),
    }
    client.force_login(make_user(roles.WRITER))
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(buffer, "PNG")

    response = client.post("/markdownx/upload/", {"image": SimpleUploadedFile("a.png", buffer.getvalue(), "image/png")})

    assert response.status_code == 503
    assert "画像を保存できませんでした" in response.json()["image"][0]
