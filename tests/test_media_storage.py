"""Media on S3-compatible storage when MEDIA_STORAGE_URL asks for it, so app servers stay stateless."""

import io
import os
import subprocess
import sys
from pathlib import Path

import boto3
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from moto import mock_aws
from PIL import Image

from articles.uploads import clean_uploaded_image

PROJECT = Path(__file__).resolve().parents[1]


def test_media_storage_url_configures_the_s3_backend():
    env = {
        **os.environ,
        "MEDIA_STORAGE_URL": "s3://allforces-media/prod?endpoint_url=http://127.0.0.1:9000&region_name=ap-northeast-1",
    }
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['default']))"
    )
    env["DJANGO_SETTINGS_MODULE"] = "allforces.settings"
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], cwd=PROJECT, env=env, capture_output=True, text=True, check=True
    )

    assert '"storages.backends.s3.S3Storage"' in result.stdout
    assert '"bucket_name": "allforces-media"' in result.stdout and '"location": "prod"' in result.stdout
    assert '"endpoint_url": "http://127.0.0.1:9000"' in result.stdout


def test_a_malformed_media_storage_url_refuses_to_start():
    env = {**os.environ, "MEDIA_STORAGE_URL": "ftp://somewhere"}

    result = subprocess.run([sys.executable, "-c", "import allforces.settings"], cwd=PROJECT, env=env,
                            capture_output=True, text=True, check=False)  # fmt: skip

    assert result.returncode != 0 and "MEDIA_STORAGE_URL" in result.stderr


@mock_aws
def test_uploaded_images_are_stored_in_the_bucket(settings):
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="allforces-media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "allforces-media", "location": "media", "region_name": "us-east-1"},
        },
    }
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "red").save(buffer, "PNG")

    cleaned = clean_uploaded_image(SimpleUploadedFile("a.png", buffer.getvalue(), "image/png"))
    name = default_storage.save(f"uploads/{cleaned.name}", cleaned)

    keys = [
        item["Key"]
        for item in boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket="allforces-media")["Contents"]
    ]
    assert keys == [f"media/{name}"]
    assert default_storage.url(name).startswith("https://allforces-media.s3.amazonaws.com/media/uploads/")
