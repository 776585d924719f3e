import io
import struct
import zlib

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from PIL import Image, ImageCms

from articles.desk import roles
from articles.models import Article
from articles.uploads import clean_uploaded_image
from tests.factories import make_article, make_user

UPLOAD_URL = "/markdownx/upload/"
METADATA_MARKERS = (b"Exif", b"GPS", b"Canon", b"xmpmeta", b"secret comment", b"iCCP", b"ICC_PROFILE", b"tEXt")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media_root):
    return sorted(path for path in media_root.rglob("*") if path.is_file()) if media_root.exists() else []


def encode(image_format, size=(60, 40), color=(200, 30, 30), mode="RGB", **options):
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, image_format, **options)
    return buffer.getvalue()


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def exif_with_gps_and_orientation(orientation=1):
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Canon"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (35.0, 39.0, 29.0)
    gps[3], gps[4] = "E", (139.0, 44.0, 28.0)
    return exif


def png_header(width, height, bit_depth=1, color_type=0):
    """A PNG whose header declares `width`×`height` over one tiny compressed row: cheap to make, and
    Pillow's size checks happen before any pixel data is read."""

    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    row = zlib.compress(b"\x00" * (1 + width // 8))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", row) + chunk(b"IEND", b"")


def noise_image(image_format, size=(320, 240)):
    buffer = io.BytesIO()
    Image.effect_noise(size, 80).convert("RGB").save(buffer, image_format)
    return buffer.getvalue()


def refused(data, name="photo.jpg", content_type="image/jpeg"):
    with pytest.raises(ValidationError) as caught:
        clean_uploaded_image(upload(data, name, content_type))
    return caught.value.messages[0]


# --- accepted and re-encoded ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source_format", "mode", "expected_format", "extension"),
    [
        ("JPEG", "RGB", "JPEG", "jpg"),
        ("PNG", "RGBA", "PNG", "png"),
        ("WEBP", "RGB", "WEBP", "webp"),
        ("GIF", "P", "PNG", "png"),
    ],
)
def test_supported_formats_are_re_encoded_under_a_random_name(source_format, mode, expected_format, extension):
    color = 5 if mode == "P" else (200, 30, 30, 255)[: len(mode)]
    data = encode(source_format, mode=mode, color=color)

    cleaned = clean_uploaded_image(upload(data, name="../../etc/passwd.jpg"))

    assert cleaned.name.endswith(f".{extension}")
    assert len(cleaned.name) == 32 + 1 + len(extension)  # uuid4 hex: the uploader's name is not kept
    with Image.open(io.BytesIO(data)) as original:
        expected_pixel = original.convert("RGB").getpixel((30, 20))
    with Image.open(cleaned) as result:
        assert result.format == expected_format
        assert result.size == (60, 40)
        assert result.convert("RGB").getpixel((30, 20)) == expected_pixel


def test_the_format_is_detected_from_the_bytes_not_the_name_or_content_type():
    cleaned = clean_uploaded_image(upload(encode("PNG"), name="photo.jpg", content_type="image/jpeg"))

    assert cleaned.name.endswith(".png")


def test_only_the_first_frame_of_an_animated_gif_is_kept_with_its_transparency():
    frames = [Image.new("P", (20, 20), index) for index in (1, 2, 3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], transparency=1)

    cleaned = clean_uploaded_image(upload(buffer.getvalue(), name="anim.gif", content_type="image/gif"))

    with Image.open(cleaned) as result:
        assert (result.format, getattr(result, "n_frames", 1)) == ("PNG", 1)
        assert result.convert("RGBA").getpixel((0, 0))[3] == 0


@pytest.mark.parametrize("image_format", ["JPEG", "WEBP"])
def test_exif_gps_xmp_comments_and_icc_profiles_are_stripped(image_format):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(
        image_format,
        exif=exif_with_gps_and_orientation().tobytes(),
        icc_profile=srgb,
        comment=b"secret comment",
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret</x:xmpmeta>',
    )
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(0x8825)  # the fixture really carries GPS
        assert {"icc_profile", "xmp"} <= set(original.info)

    stored = clean_uploaded_image(upload(data)).read()

    with Image.open(io.BytesIO(stored)) as result:
        assert dict(result.getexif()) == {}
        assert result.getexif().get_ifd(0x8825) == {}
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(result.info)
    assert not [marker for marker in METADATA_MARKERS if marker in stored]


def test_a_cmyk_jpeg_is_stored_as_rgb():
    cleaned = clean_uploaded_image(upload(encode("JPEG", mode="CMYK", color=(0, 255, 255, 0))))

    with Image.open(cleaned) as result:
        assert result.mode == "RGB"
        red, green, blue = result.getpixel((5, 5))
        assert red > 200 and green < 60 and blue < 60


def test_png_text_chunks_and_exif_are_stripped():
    from PIL.PngImagePlugin import PngInfo

    text = PngInfo()
    text.add_text("Comment", "secret comment")
    data = encode("PNG", pnginfo=text, exif=exif_with_gps_and_orientation().tobytes())

    stored = clean_uploaded_image(upload(data, name="a.png")).read()

    assert not [marker for marker in METADATA_MARKERS if marker in stored]


def test_exif_orientation_is_applied():
    # 60×40 stored sideways with orientation 6 ("rotate 90° clockwise to view"): upright it is 40×60.
    image = Image.new("RGB", (60, 40), "white")
    image.paste((255, 0, 0), (0, 0, 10, 40))  # a red band on the stored image's left edge
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95, exif=exif_with_gps_and_orientation(orientation=6).tobytes())

    with Image.open(clean_uploaded_image(upload(buffer.getvalue()))) as result:
        assert result.size == (40, 60)
        assert 0x0112 not in result.getexif()
        red, green, _ = result.getpixel((20, 3))  # rotated clockwise, the left edge is now the top
        assert red > 200 and green < 60


def test_a_multi_picture_jpeg_from_a_camera_is_stored_as_a_plain_jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), "red").save(buffer, "MPO", save_all=True, append_images=[Image.new("RGB", (30, 20))])

    cleaned = clean_uploaded_image(upload(buffer.getvalue()))

    with Image.open(cleaned) as result:
        assert (cleaned.name[-4:], result.format) == (".jpg", "JPEG")


def test_a_jpeg_with_a_script_appended_is_stored_without_the_trailing_bytes():
    """A polyglot is accepted as the image it decodes to; re-encoding drops everything after the image."""
    data = encode("JPEG") + b"<script>alert(document.cookie)</script><html><body>hi</body></html>"

    stored = clean_uploaded_image(upload(data)).read()

    assert b"<script" not in stored
    assert b"<html" not in stored
    assert stored.endswith(b"\xff\xd9")


# --- refused, with nothing stored -------------------------------------------------------------


SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
NOISY_JPEG = noise_image("JPEG")
REFUSALS = [
    pytest.param("ただのテキストです。\n".encode(), "notes.txt", "画像ファイルではありません", id="text"),
    pytest.param(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "a.pdf", "画像ファイルではありません", id="pdf"),
    pytest.param(
        b"<!doctype html><script>alert(1)</script>", "photo.jpg", "画像ファイルではありません", id="html-as-jpg"
    ),
    pytest.param(SVG, "logo.svg", "SVG はアップロードできません", id="svg"),
    pytest.param(SVG.split(b"\n", 1)[1], "logo.png", "SVG はアップロードできません", id="svg-as-png"),
    pytest.param(encode("BMP"), "image.bmp", "画像ファイルではありません", id="bmp"),
    pytest.param(NOISY_JPEG[: len(NOISY_JPEG) // 2], "cut.jpg", "壊れた画像です", id="truncated-jpeg"),
    pytest.param(noise_image("PNG")[:-40], "cut.png", "壊れた画像です", id="truncated-png"),
    pytest.param(png_header(30000, 30000), "bomb.png", "画像の画素数が多すぎます", id="decompression-bomb"),
    pytest.param(png_header(10000, 10000), "bomb.png", "画像の画素数が多すぎます", id="bomb-warning-range"),
    pytest.param(png_header(7000, 6000), "big.png", "画像の画素数が多すぎます", id="over-pixel-limit"),
    pytest.param(b"", "empty.jpg", "ファイルが空です", id="empty"),
]


@pytest.mark.parametrize(("data", "name", "message"), REFUSALS)
def test_refusals_have_a_japanese_message(data, name, message):
    assert message in refused(data, name)


def test_a_file_over_the_byte_limit_is_refused_before_it_is_decoded(settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 1000

    assert refused(NOISY_JPEG) == "ファイルが大きすぎます（上限 1000 バイト）。"


def test_the_default_limits_are_stated_in_megabytes(settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    oversized = SimpleUploadedFile("big.jpg", b"\xff" * 16, content_type="image/jpeg")
    oversized.size = 11 * 1024 * 1024  # what the upload handler counted

    with pytest.raises(ValidationError, match=r"ファイルが大きすぎます（上限 10 MB）"):
        clean_uploaded_image(oversized)


def test_the_pixel_limit_is_read_from_settings_at_call_time(settings):
    settings.IMAGE_UPLOAD_MAX_PIXELS = 100

    assert "画像の画素数が多すぎます" in refused(encode("PNG", size=(11, 10)))


def test_a_40_megapixel_png_of_160_kb_is_refused_by_default_without_being_decoded():
    """Such a file (8000×5000, one colour) once cost ~3 s and ~460 MB to verify and re-encode: decoded, it is
    160 MB a copy. The default limit (25 million pixels, above a 24-megapixel camera's 6000×4000) refuses it
    from its header."""
    data = encode("PNG", size=(8000, 5000))

    assert len(data) < 200 * 1024
    assert refused(data) == "画像の画素数が多すぎます（上限 25,000,000 画素）。縮小してからアップロードしてください。"


# --- the editor's upload view -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", roles.ALL_ROLES)
def test_every_editorial_role_can_upload_and_gets_markdown_back(client, media_root, role):
    client.force_login(make_user(role))

    response = client.post(UPLOAD_URL, {"image": upload(encode("JPEG"), name="写真.jpeg")})

    assert response.status_code == 200
    image_code = response.json()["image_code"]
    assert image_code.startswith("![](/media/uploads/") and image_code.endswith(".jpg)")
    [stored] = stored_files(media_root)
    assert image_code == f"![](/media/{stored.relative_to(media_root).as_posix()})"
    assert stored.parent.parent.parent.name == "uploads"  # uploads/<year>/<month>/


@pytest.mark.django_db
def test_a_bad_file_gets_a_400_with_the_message_in_markdownx_error_format(client, media_root):
    client.force_login(make_user(roles.WRITER))

    response = client.post(UPLOAD_URL, {"image": upload(b"<html>not an image</html>", name="x.jpg")})

    assert response.status_code == 400
    assert list(response.json()) == ["image"]
    assert "画像ファイルではありません" in response.json()["image"][0]
    assert stored_files(media_root) == []


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "name", "message"), REFUSALS)
def test_every_refusal_reaches_the_editor_and_stores_nothing(client, media_root, data, name, message):
    client.force_login(make_user(roles.WRITER))

    response = client.post(UPLOAD_URL, {"image": upload(data, name)})

    assert response.status_code == 400
    assert message in response.json()["image"][0]
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_a_post_without_a_file_is_a_400(client):
    client.force_login(make_user(roles.EDITOR))

    response = client.post(UPLOAD_URL, {})

    assert response.status_code == 400
    assert response.json() == {"image": ["画像ファイルが送られていません。"]}


@pytest.mark.django_db
def test_anonymous_and_non_staff_users_are_sent_to_the_admin_login(client, media_root):
    anonymous = client.post(UPLOAD_URL, {"image": upload(encode("JPEG"))})
    client.force_login(make_user())
    reader = client.post(UPLOAD_URL, {"image": upload(encode("JPEG"))})

    for response in (anonymous, reader):
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_staff_without_article_permissions_are_refused(client, media_root):
    client.force_login(get_user_model().objects.create_user("staff-without-role", is_staff=True))

    response = client.post(UPLOAD_URL, {"image": upload(encode("JPEG"))})

    assert response.status_code == 403
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_get_is_not_allowed(client):
    client.force_login(make_user(roles.WRITER))

    assert client.get(UPLOAD_URL).status_code == 405


# --- the hero image field, as the module docstring tells a form to use it ---------------------


class HeroImageForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ("hero_image",)

    def clean_hero_image(self):
        image = self.cleaned_data.get("hero_image")
        if isinstance(image, UploadedFile):
            image = clean_uploaded_image(image)
        return image


@pytest.mark.django_db
def test_a_hero_image_from_a_form_is_stored_re_encoded_under_heroes(media_root):
    article = make_article()
    data = encode("JPEG", size=(800, 450), exif=exif_with_gps_and_orientation().tobytes())
    form = HeroImageForm(data={}, files={"hero_image": upload(data, name="自宅で撮影.jpg")}, instance=article)

    assert form.is_valid(), form.errors
    form.save()

    article.refresh_from_db()
    assert article.hero_image.name.startswith("heroes/") and article.hero_image.name.endswith(".jpg")
    assert "自宅" not in article.hero_image.name
    assert b"GPS" not in article.hero_image.read()
    assert article.hero_renditions


@pytest.mark.django_db
def test_a_refused_hero_image_is_a_form_error_and_stores_nothing(media_root):
    article = make_article()
    form = HeroImageForm(
        data={}, files={"hero_image": upload(png_header(7000, 6000), name="big.png")}, instance=article
    )

    assert not form.is_valid()
    assert "画像の画素数が多すぎます" in form.errors["hero_image"][0]
    assert stored_files(media_root) == []


@pytest.fixture
def broken_storage(settings, tmp_path):
    """MEDIA_ROOT below a regular file: every write fails in the operating system (NotADirectoryError), even
    for root, whom a read-only folder would not stop."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = blocker / "media"
    return settings.MEDIA_ROOT


@pytest.mark.django_db
def test_a_storage_failure_on_an_editor_upload_is_a_japanese_refusal_not_a_server_error(client, broken_storage):
    client.force_login(make_user(roles.WRITER))

    response = client.post(UPLOAD_URL, {"image": upload(encode("PNG"), name="chart.png", content_type="image/png")})

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert "画像を保存できませんでした" in response.json()["image"][0]


@pytest.mark.django_db
def test_a_storage_failure_on_a_hero_image_keeps_the_form_and_the_typed_text(client, broken_storage):
    writer = make_user(roles.WRITER)
    article = make_article(status=Article.Status.DRAFT, published_at=None, created_by=writer, body="保存済みの本文")
    client.force_login(writer)
    hero = upload(encode("JPEG"), name="hero.jpg")

    response = client.post(
        f"/admin/articles/article/{article.pk}/change/",
        {
            "title": article.title, "slug": article.slug, "body": "まだ保存していない大事な本文", "excerpt": "",
            "hero_image": hero, "hero_image_alt": "グラフ", "author": article.author_id,
            "category": article.category_id, "tags": "", "loaded_version": article.edit_version,
        },
    )  # fmt: skip

    html = response.content.decode()
    assert response.status_code == 200
    assert "画像を保存できませんでした" in html
    assert "まだ保存していない大事な本文" in html
    article.refresh_from_db()
    assert article.body == "保存済みの本文" and not article.hero_image
