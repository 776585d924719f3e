"""Images derived from an article: hero renditions and the share card (og:image).

Both are made once with Pillow, kept in the default storage and named after a hash of what they were
made from, so a new hero image or a retitled article gets new URLs and a CDN never serves a stale file.
"""

import hashlib
import io
import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageChops, ImageCms, ImageDraw, ImageFont, ImageOps

logger = logging.getLogger(__name__)

RENDITION_WIDTHS = (480, 800, 1200)
RENDITION_FORMATS = {
    "webp": ("WEBP", "webp", {"quality": 80, "method": 6}),
    "jpeg": ("JPEG", "jpg", {"quality": 82, "optimize": True, "progressive": True}),
}
BACKGROUND = (255, 255, 255)

CARD_SIZE = (1200, 630)
CARD_VERSION = "1"  # part of every card's hash: bump it when the design changes
CARD_COLORS = {"from": (12, 24, 43), "to": (14, 68, 122), "pill": (47, 128, 237), "text": (255, 255, 255)}
# Debian/Ubuntu (fonts-noto-cjk), then Fedora/Arch. Face 0 of these collections is the Japanese one.
CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-{weight}.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-{weight}.ttc",
)
# Kinsoku: characters a line may not start with, and ones it may not end with.
NO_LINE_START = frozenset(
    "、。，．,.・：；:;？！?!ー〜」』）］｝〕〉》】〙〗〟’”…‥ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ)]}%"
)
NO_LINE_END = frozenset("「『（［｛〔〈《【〘〖〝‘“([{")
LATIN_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,'%&+\-]*|\s+|.")


# --- Hero renditions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Picture:
    """What templates/includes/_hero_image.html needs, built from stored rendition metadata alone."""

    webp_srcset: str
    jpeg_srcset: str
    src: str
    width: int
    height: int


def rendition_widths(original_width):
    """RENDITION_WIDTHS narrower than the original, plus the original's own width if it is below the largest."""
    widths = [width for width in RENDITION_WIDTHS if width < original_width]
    widest = min(original_width, RENDITION_WIDTHS[-1])
    return widths if widest in widths else [*widths, widest]


def make_renditions(source, storage=default_storage):
    """Store `source` (a Django file) at each rendition width as WebP and JPEG; return their metadata.

    Files are named by a hash of the source's content, so ones already stored are reused, not rewritten.
    """
    with source.open("rb"):
        data = source.read()
    digest = hashlib.sha256(data).hexdigest()[:12]
    with Image.open(io.BytesIO(data)) as opened:
        image = prepare(opened)
    renditions = []
    for width in rendition_widths(image.width):
        height = max(1, round(image.height * width / image.width))
        resized = image if width == image.width else image.resize((width, height), Image.Resampling.LANCZOS)
        for key, (pillow_format, extension, options) in RENDITION_FORMATS.items():
            name = f"renditions/{digest}-{width}w.{extension}"
            if not storage.exists(name):
                buffer = io.BytesIO()
                resized.save(buffer, pillow_format, **options)
                name = storage.save(name, ContentFile(buffer.getvalue()))
            renditions.append({"width": width, "height": height, "format": key, "name": name})
    return renditions


def prepare(image):
    """An upright sRGB copy without metadata: EXIF orientation applied, colour profile and transparency resolved."""
    image = ImageOps.exif_transpose(image)
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "CMYK"):
        try:
            image = ImageCms.profileToProfile(
                image, ImageCms.ImageCmsProfile(io.BytesIO(profile)), srgb_profile(), outputMode="RGB"
            )
        except (ImageCms.PyCMSError, OSError):
            logger.warning("Unusable colour profile in a hero image; converting without it.")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, BACKGROUND)
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode != "RGB":
        image = image.convert("RGB")
    # Pillow writes metadata only when asked, but an empty info keeps it that way if that ever changes.
    image.info = {}
    return image


@cache
def srgb_profile():
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def largest(renditions, image_format):
    candidates = [r for r in renditions if r["format"] == image_format]
    return max(candidates, key=lambda r: r["width"]) if candidates else None


def picture(renditions, storage=default_storage):
    """A Picture for the stored renditions, or None when there are none."""
    fallback = largest(renditions, "jpeg")
    if fallback is None:
        return None

    def srcset(image_format):
        return ", ".join(f"{storage.url(r['name'])} {r['width']}w" for r in renditions if r["format"] == image_format)

    return Picture(
        webp_srcset=srcset("webp"),
        jpeg_srcset=srcset("jpeg"),
        src=storage.url(fallback["name"]),
        width=fallback["width"],
        height=fallback["height"],
    )


# --- Share card -----------------------------------------------------------------------------


def share_card_digest(title, category_name):
    """A short hash of everything drawn on the card; it is part of the card's URL and file name."""
    drawn = "\n".join((CARD_VERSION, settings.SITE_NAME, title, category_name))
    return hashlib.sha256(drawn.encode()).hexdigest()[:10]


def share_card_png(article, storage=default_storage):
    """The article's card as PNG bytes, drawn on first use and read from storage afterwards."""
    name = f"cards/{article.pk}-{article.share_card_digest()}.png"
    if storage.exists(name):
        with storage.open(name, "rb") as stored:
            return stored.read()
    png = render_share_card(article.title, article.category.name, settings.SITE_NAME)
    saved = storage.save(name, ContentFile(png))
    if saved != name:  # another request stored the same card first: keep one copy
        storage.delete(saved)
    return png


def render_share_card(title, category_name, site_name):
    """A 1200×630 PNG: the title wrapped Japanese-style, the category above it, the site name below."""
    width, height = CARD_SIZE
    margin = 80
    card = _gradient(CARD_SIZE, CARD_COLORS["from"], CARD_COLORS["to"])
    draw = ImageDraw.Draw(card, "RGBA")

    pill_font = cjk_font(30)
    category_name = _ellipsize(category_name, pill_font, width - 2 * margin - 48)
    pill_width = draw.textlength(category_name, font=pill_font)
    draw.rounded_rectangle((margin, 64, margin + pill_width + 48, 64 + 56), radius=28, fill=CARD_COLORS["pill"])
    draw.text((margin + 24, 64 + 28), category_name, font=pill_font, fill=CARD_COLORS["text"], anchor="lm")

    title_top, title_bottom = 150, height - 130
    font, lines, line_height = _fit_title(title, width - 2 * margin, title_bottom - title_top)
    block_top = title_top + (title_bottom - title_top - line_height * len(lines)) // 2
    for number, line in enumerate(lines):
        baseline = block_top + line_height * number + round(line_height * 0.78)
        draw.text((margin, baseline), line, font=font, fill=CARD_COLORS["text"], anchor="ls")

    draw.line((margin, height - 110, width - margin, height - 110), fill=(255, 255, 255, 60), width=2)
    draw.rectangle((margin, height - 74, margin + 10, height - 38), fill=CARD_COLORS["pill"])
    _draw_spaced(draw, (margin + 28, height - 56), site_name, cjk_font(36), spacing=6)

    buffer = io.BytesIO()
    card.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _fit_title(title, max_width, max_height):
    """The largest font size at which the title fits; at the smallest, the last line ends in …"""
    for size in (68, 60, 54, 48):
        font, line_height = cjk_font(size), round(size * 1.45)
        lines = wrap_text(title, font, max_width)
        if len(lines) * line_height <= max_height:
            return font, lines, line_height
    max_lines = max_height // line_height
    lines = lines[:max_lines]
    lines[-1] = _ellipsize(lines[-1] + "…", font, max_width)
    return font, lines, line_height


def _ellipsize(text, font, max_width):
    """`text`, or as much of it as fits followed by …"""
    if font.getlength(text) <= max_width:
        return text
    while text and font.getlength(text + "…") > max_width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap_text(text, font, max_width):
    """Lines of `text` no wider than `max_width`, broken between characters as Japanese is.

    Latin words and numbers stay whole when they fit on a line, and kinsoku is roughly respected: a
    line does not start with closing punctuation or a small kana, nor end with an opening bracket.
    """
    tokens = []
    for token in LATIN_RUN.findall(text.strip()):
        tokens.extend(list(token) if font.getlength(token) > max_width else [token])
    lines, line = [], []
    for token in tokens:
        if line and font.getlength("".join(line) + token) > max_width:
            if token.isspace():
                lines.append(line)
                line = []
                continue
            carried = [token]
            while len(line) > 1 and (carried[0][0] in NO_LINE_START or line[-1][-1] in NO_LINE_END):
                carried.insert(0, line.pop())
            lines.append(line)
            line = carried
        elif line or not token.isspace():
            line.append(token)
    if line:
        lines.append(line)
    return ["".join(line).strip() for line in lines]


def cjk_font(size, weight="Bold"):
    path = cjk_font_path(weight)
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size, index=0)


@cache
def cjk_font_path(weight="Bold"):
    """The first Noto Sans CJK font file found, or None (then cards use Pillow's default font, without kanji)."""
    for candidate in CJK_FONT_CANDIDATES:
        path = Path(candidate.format(weight=weight))
        if path.is_file():
            return path
    logger.warning("No CJK font found (install fonts-noto-cjk, see `make system-deps`): share cards lack Japanese.")
    return None


def _gradient(size, start, end):
    """A diagonal gradient from `start` (top left) to `end` (bottom right)."""
    across = Image.linear_gradient("L").rotate(90).resize(size)
    down = Image.linear_gradient("L").resize(size)
    mask = ImageChops.add(across, down, scale=2)
    return Image.composite(Image.new("RGB", size, end), Image.new("RGB", size, start), mask)


def _draw_spaced(draw, position, text, font, spacing):
    x, y = position
    for character in text:
        draw.text((x, y), character, font=font, fill=CARD_COLORS["text"], anchor="lm")
        x += draw.textlength(character, font=font) + spacing
