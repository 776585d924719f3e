import io
from datetime import timedelta
from html.parser import HTMLParser
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from articles import images
from articles.models import Article
from tests.factories import make_article, make_category

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SITE_URL = "https://allforces.example"
    return tmp_path


def image_file(size=(1600, 900), mode="RGB", color="#3366aa", image_format="JPEG", name="hero.jpg", **options):
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, image_format, **options)
    return ContentFile(buffer.getvalue(), name=name)


def stored_files(root, folder):
    path = root / folder
    return sorted(p.name for p in path.iterdir()) if path.exists() else []


def open_stored(root, name):
    return Image.open(root / name)


class Tags(HTMLParser):
    """Start tags and their attributes, in order."""

    def __init__(self, html):
        super().__init__()
        self.tags = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


# --- Renditions ------------------------------------------------------------------------------


def test_renditions_are_webp_and_jpeg_at_each_width_with_proportional_heights(media_root):
    article = make_article(hero_image=image_file((1600, 900)))

    made = [(r["format"], r["width"], r["height"]) for r in article.hero_renditions]
    assert len(made) == 6
    assert set(made) == {(f, w, h) for f in ("webp", "jpeg") for w, h in ((480, 270), (800, 450), (1200, 675))}
    for rendition in article.hero_renditions:
        with open_stored(media_root, rendition["name"]) as stored:
            assert stored.format == rendition["format"].upper()
            assert stored.size == (rendition["width"], rendition["height"])
    assert article.hero_renditions_source == article.hero_image.name


@pytest.mark.parametrize(
    ("original_width", "widths"), [(2400, [480, 800, 1200]), (1000, [480, 800, 1000]), (600, [480, 600]), (300, [300])]
)
def test_renditions_are_never_wider_than_the_original(original_width, widths):
    article = make_article(hero_image=image_file((original_width, 200)))

    assert [r["width"] for r in article.hero_renditions if r["format"] == "jpeg"] == widths


def test_renditions_are_made_once_not_on_later_saves(media_root):
    article = make_article(hero_image=image_file())
    files = stored_files(media_root, "renditions")

    with mock.patch("articles.images.make_renditions") as make_renditions:
        article.title = "タイトルを直した"
        article.save()
        Article.objects.get(pk=article.pk).save()

    make_renditions.assert_not_called()
    assert stored_files(media_root, "renditions") == files
    assert len(files) == 6


def test_an_uploaded_hero_is_stored_under_its_final_name_before_renditions_are_recorded(media_root):
    """As in the admin: the upload's final name (upload_to, clash suffix) is what the renditions are tied to."""
    article = make_article()
    article.hero_image = SimpleUploadedFile("写真.jpg", image_file().read(), content_type="image/jpeg")
    article.save()

    article.refresh_from_db()
    assert article.hero_image.name.startswith("heroes/")
    assert article.hero_renditions_source == article.hero_image.name
    assert (media_root / article.hero_image.name).exists()
    with mock.patch("articles.images.make_renditions") as make_renditions:
        article.save()
    make_renditions.assert_not_called()


def test_a_new_hero_image_gets_new_file_names_and_removing_it_clears_them(media_root):
    article = make_article(hero_image=image_file(color="#aa3333"))
    first = {r["name"] for r in article.hero_renditions}

    article.hero_image = image_file(color="#33aa33")
    article.save()
    second = {r["name"] for r in article.hero_renditions}

    assert first.isdisjoint(second)
    assert all(name.startswith("renditions/") for name in first | second)
    article.hero_image = None
    article.save()
    assert article.hero_renditions == []
    assert article.hero_renditions_source == ""


def test_the_same_image_on_two_articles_shares_its_rendition_files(media_root):
    one = make_article(hero_image=image_file())
    other = make_article(hero_image=image_file())

    assert one.hero_image.name != other.hero_image.name
    assert [r["name"] for r in one.hero_renditions] == [r["name"] for r in other.hero_renditions]
    assert len(stored_files(media_root, "renditions")) == 6


def test_exif_orientation_is_applied_and_metadata_stripped(media_root):
    """Stored sideways with 'rotate 90° clockwise to view', red on the left: upright, red is on top."""
    sideways = Image.new("RGB", (400, 200), "blue")
    sideways.paste((255, 0, 0), (0, 0, 200, 200))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "ALLFORCES Test Camera"
    buffer = io.BytesIO()
    sideways.save(buffer, "JPEG", exif=exif, quality=95)

    article = make_article(hero_image=ContentFile(buffer.getvalue(), name="sideways.jpg"))

    assert {(r["width"], r["height"]) for r in article.hero_renditions} == {(200, 400)}
    for rendition in article.hero_renditions:
        with open_stored(media_root, rendition["name"]) as stored:
            rgb = stored.convert("RGB")
            top, bottom = rgb.getpixel((100, 50)), rgb.getpixel((100, 350))
            assert top[0] > 200 and top[2] < 60
            assert bottom[2] > 200 and bottom[0] < 60
            assert not stored.getexif()
            assert not {"exif", "icc_profile", "xmp"} & stored.info.keys()


@pytest.mark.parametrize(
    ("mode", "color", "image_format", "name", "options"),
    [
        ("CMYK", (0, 255, 255, 0), "JPEG", "cmyk.jpg", {}),
        ("P", 0, "PNG", "palette.png", {"transparency": 0}),
        ("LA", (128, 0), "PNG", "grey-alpha.png", {}),
        ("RGBA", (255, 0, 0, 0), "WEBP", "clear.webp", {}),
        ("L", 90, "PNG", "grey.png", {}),
    ],
)
def test_other_colour_modes_become_rgb_with_transparency_on_white(media_root, mode, color, image_format, name, options):
    article = make_article(hero_image=image_file((640, 360), mode, color, image_format, name, **options))

    for rendition in article.hero_renditions:
        with open_stored(media_root, rendition["name"]) as stored:
            assert stored.mode == "RGB"
            pixel = stored.getpixel((10, 10))
            if mode == "CMYK":
                assert pixel[0] > 200 and pixel[1] < 60
            elif mode in ("P", "LA", "RGBA"):
                assert min(pixel) > 240


# --- The <picture> partial ----------------------------------------------------------------


def test_partial_renders_a_picture_with_webp_srcset_and_a_sized_lazy_jpeg():
    article = make_article(hero_image=image_file((1600, 900)), hero_image_alt="東京証券取引所の外観「夜」")

    html = render_to_string("includes/_hero_image.html", {"article": article})

    tags = Tags(html).tags
    assert [tag for tag, _ in tags] == ["picture", "source", "img"]
    source, img = tags[1][1], tags[2][1]
    assert set(source) == {"type", "srcset", "sizes"}
    assert source["type"] == "image/webp"
    assert source["srcset"].count("w, ") == 2 and source["srcset"].endswith(".webp 1200w")
    assert img["srcset"].endswith(".jpg 1200w")
    assert img["src"].startswith("/media/renditions/") and img["src"].endswith("-1200w.jpg")
    assert (img["width"], img["height"]) == ("1200", "675")
    assert img["alt"] == "東京証券取引所の外観「夜」"
    assert img["loading"] == "lazy" and img["decoding"] == "async"
    assert "fetchpriority" not in img
    assert html.count("</picture>") == 1


def test_partial_with_eager_loads_first_and_not_lazily():
    article = make_article(hero_image=image_file())

    html = render_to_string("includes/_hero_image.html", {"article": article, "eager": True, "sizes": "100vw"})

    img = dict(Tags(html).tags)["img"]
    assert img["fetchpriority"] == "high"
    assert "loading" not in img and "decoding" not in img
    assert img["sizes"] == "100vw"


def test_partial_renders_nothing_without_a_hero_image():
    article = make_article()

    assert render_to_string("includes/_hero_image.html", {"article": article}).strip() == ""


def test_partial_and_share_image_url_make_no_queries(django_assert_num_queries):
    make_article(hero_image=image_file())
    article = Article.objects.select_related("category").get()

    with django_assert_num_queries(0):
        render_to_string("includes/_hero_image.html", {"article": article, "eager": True})
        article.share_image_url()


def test_article_page_makes_as_many_queries_with_a_hero_image_as_without(client):
    plain = make_article(title="画像なしの記事")
    illustrated = make_article(title="画像ありの記事", hero_image=image_file())
    client.get(plain.get_absolute_url())  # warms caches such as taggit's content type

    counts = []
    for article in (plain, illustrated):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(article.get_absolute_url()).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]


# --- Share card ---------------------------------------------------------------------------


def get_card(client, article):
    return client.get(article.share_image_url().removeprefix("https://allforces.example"))


def test_share_image_url_is_the_widest_jpeg_rendition_when_there_is_a_hero_image():
    article = make_article(hero_image=image_file((1600, 900)))

    url = article.share_image_url()

    assert url.startswith("https://allforces.example/media/renditions/")
    assert url.endswith("-1200w.jpg")


def test_share_image_url_is_the_share_card_without_a_hero_image():
    article = make_article(title="円安の行方")

    url = article.share_image_url()

    path = reverse("articles:share-card", kwargs={"slug": article.slug, "digest": article.share_card_digest()})
    assert url == f"https://allforces.example{path}"
    assert path.endswith(f"/og-{article.share_card_digest()}.png")


def test_share_card_is_a_1200_by_630_png_cached_for_ever(client):
    article = make_article(title="日銀の金融政策、正常化への道筋")

    response = get_card(client, article)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    with Image.open(io.BytesIO(response.content)) as card:
        assert card.format == "PNG"
        assert card.size == (1200, 630)


def test_share_card_is_drawn_once_then_served_from_storage(client, media_root):
    article = make_article()
    first = get_card(client, article).content
    assert stored_files(media_root, "cards") == [f"{article.pk}-{article.share_card_digest()}.png"]

    with mock.patch("articles.images.render_share_card") as render:
        second = get_card(client, article).content

    render.assert_not_called()
    assert second == first
    assert len(stored_files(media_root, "cards")) == 1


def test_share_card_url_changes_with_the_title_and_category_and_the_old_one_is_404(client):
    article = make_article(title="最初のタイトル")
    first = article.share_image_url()

    article.title = "直したタイトル"
    article.save()
    retitled = article.share_image_url()
    article.category = make_category("市場レポート")
    article.save()
    recategorized = article.share_image_url()

    assert len({first, retitled, recategorized}) == 3
    assert client.get(first.removeprefix("https://allforces.example")).status_code == 404
    assert client.get(retitled.removeprefix("https://allforces.example")).status_code == 404
    assert get_card(client, article).status_code == 200


@pytest.mark.parametrize(
    ("status", "offset"),
    [(Article.Status.DRAFT, -1), (Article.Status.UNPUBLISHED, -1), (Article.Status.SCHEDULED, 1)],
)
def test_share_card_of_an_article_readers_cannot_see_is_404(client, media_root, status, offset):
    article = make_article(status=status, published_at=timezone.now() + timedelta(hours=offset))

    assert get_card(client, article).status_code == 404
    assert stored_files(media_root, "cards") == []


def test_share_card_draws_the_title_in_the_title_area():
    """The title area holds many white text pixels, and a different title draws different ones."""
    one = images.render_share_card("半導体サプライチェーンの再編を読む", "技術動向", "ALLFORCES")
    other = images.render_share_card("円安は続くのか", "技術動向", "ALLFORCES")

    def title_area(png):
        with Image.open(io.BytesIO(png)) as card:
            return card.convert("RGB").crop((80, 150, 1120, 500))

    white = [p for p in title_area(one).get_flattened_data() if min(p) > 230]
    assert len(white) > 5000
    assert title_area(one).tobytes() != title_area(other).tobytes()


def test_wrapped_title_lines_fit_and_respect_kinsoku():
    font = images.cjk_font(60)
    title = "半導体サプライチェーンの再編：2025年、日本企業は「次の一手」をどう打つべきか。NVIDIAとTSMCの決算から読む"

    lines = images.wrap_text(title, font, 1040)

    assert len(lines) > 1
    assert "".join(lines) == title
    assert any("NVIDIA" in line for line in lines)
    for line in lines:
        assert font.getlength(line) <= 1040
        assert line[0] not in images.NO_LINE_START
        assert line[-1] not in images.NO_LINE_END


def test_a_line_that_would_start_with_punctuation_takes_the_character_before_it():
    font = images.cjk_font(50)
    width = font.getlength("あ" * 5)

    assert images.wrap_text("あああああ、いいい", font, width) == ["ああああ", "あ、いいい"]
    assert images.wrap_text("ああああ「いいい」", font, width) == ["ああああ", "「いいい」"]


def test_without_a_cjk_font_the_card_uses_pillows_font_and_warns(caplog, monkeypatch):
    monkeypatch.setattr(images, "CJK_FONT_CANDIDATES", ("/nonexistent/{weight}.ttc",))
    images.cjk_font_path.cache_clear()
    try:
        png = images.render_share_card("フォントなし", "技術動向", "ALLFORCES")
    finally:
        images.cjk_font_path.cache_clear()

    assert Image.open(io.BytesIO(png)).size == (1200, 630)
    assert "No CJK font found" in caplog.text
