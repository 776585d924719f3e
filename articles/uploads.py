"""Verified image uploads: every image the desk uploads is checked with Pillow and re-encoded before it is stored.

`clean_uploaded_image(file)` takes an uploaded file and returns a new ContentFile, or raises ValidationError
with a Japanese message for the editor. Nothing is written to storage here; the caller saves the result.

- The format is what Pillow detects in the bytes (JPEG, PNG, WebP, GIF; no other decoder is tried), never the
  file name or the browser's content type. SVG is refused: it can carry scripts.
- The size is bounded by `settings.IMAGE_UPLOAD_MAX_BYTES`, the pixel count by `settings.IMAGE_UPLOAD_MAX_PIXELS`
  (checked from the header, before decoding), and Pillow's decompression-bomb guard is a refusal, not a crash.
- The image is fully decoded (a truncated file is refused), turned upright by its EXIF orientation, converted
  to sRGB when it carries a colour profile, and re-encoded without any metadata (EXIF with GPS, XMP, ICC,
  comments, text chunks): JPEG stays JPEG (quality 88), PNG stays PNG, WebP stays WebP, GIF becomes a PNG of
  its first frame. Bytes after the image's end (a polyglot's trailing HTML or script) are not carried over.
- The result is named `<uuid>.<ext>`, so the uploader's file name never reaches a URL.

The editor's drag-and-drop upload is articles/views_uploads.py. For a form's image field, clean a newly
uploaded file and keep anything else (the stored file, or False for "clear") as it is::

    def clean_hero_image(self):
        image = self.cleaned_data.get("hero_image")
        if isinstance(image, UploadedFile):
            image = clean_uploaded_image(image)
        return image
"""

import contextlib
import io
import struct
import uuid
import warnings

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from articles.images import srgb_profile

# What storing a file raises when storage fails: the file system's errors, and an S3 bucket's (django-storages
# with MEDIA_STORAGE_URL), which are not OSErrors.
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)

MIB = 1024 * 1024

# Pillow's format name -> how it is stored: (format, extension, save options).
OUTPUT_FORMATS = {
    "JPEG": ("JPEG", "jpg", {"quality": 88, "optimize": True}),
    "PNG": ("PNG", "png", {}),
    "WEBP": ("WEBP", "webp", {"quality": 88, "method": 4}),
    "GIF": ("PNG", "png", {}),
    "MPO": ("JPEG", "jpg", {"quality": 88, "optimize": True}),  # a camera's multi-picture JPEG: its main image
}
# Only these decoders ever see an upload: Pillow's others (EPS runs Ghostscript) are never tried.
DETECTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")

NOT_AN_IMAGE = "画像ファイルではありません（対応している形式: JPEG、PNG、WebP、GIF）。"
SVG_REFUSED = "SVG はアップロードできません。PNG か JPEG に書き出してください。"
EMPTY_FILE = "ファイルが空です。"
TOO_LARGE = "ファイルが大きすぎます（上限 {limit}）。"
TOO_MANY_PIXELS = "画像の画素数が多すぎます（上限 {limit:,} 画素）。縮小してからアップロードしてください。"
BROKEN_IMAGE = "壊れた画像です。画像を保存し直してからアップロードしてください。"

# What Pillow raises on damaged data, beyond OSError: bad chunk layouts, bad EXIF, bad dimensions.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, struct.error)


def clean_uploaded_image(uploaded_file):
    """A verified, re-encoded copy of `uploaded_file` as a ContentFile named `<uuid>.<ext>`.

    Raises ValidationError (code `invalid_image`, `too_large`, `too_many_pixels`, …) when it is refused.
    """
    data = _read_bounded(uploaded_file, settings.IMAGE_UPLOAD_MAX_BYTES)
    if _looks_like_svg(data):
        raise ValidationError(SVG_REFUSED, code="svg")
    max_pixels = settings.IMAGE_UPLOAD_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            source_format = _verify(data, max_pixels)
            # Not in a `with` block: closing would discard the decoded pixels that `cleaned` may share, and a
            # BytesIO holds nothing to release.
            image = Image.open(io.BytesIO(data), formats=DETECTED_FORMATS)
            image.load()
            # In place, and no copy below: each copy of a decoded 24-megapixel image is ~96 MB (Pillow keeps RGB
            # as 4 bytes a pixel); a copy per step made one upload cost three times that.
            ImageOps.exif_transpose(image, in_place=True)
            cleaned = _without_metadata(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(TOO_MANY_PIXELS.format(limit=max_pixels), code="too_many_pixels") from None
    except UnidentifiedImageError:
        raise ValidationError(NOT_AN_IMAGE, code="invalid_image") from None
    except _DECODE_ERRORS:
        raise ValidationError(BROKEN_IMAGE, code="broken_image") from None

    pillow_format, extension, options = OUTPUT_FORMATS[source_format]
    if pillow_format == "JPEG" and cleaned.mode not in ("L", "RGB"):
        cleaned = cleaned.convert("RGB")
    buffer = io.BytesIO()
    cleaned.save(buffer, pillow_format, **options)
    return ContentFile(buffer.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")


def _read_bounded(uploaded_file, max_bytes):
    """The file's bytes, reading at most one byte past the limit whatever size the upload claims."""
    too_large = ValidationError(TOO_LARGE.format(limit=_human_size(max_bytes)), code="too_large")
    if (uploaded_file.size or 0) > max_bytes:
        raise too_large
    uploaded_file.seek(0)
    data = uploaded_file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large
    if not data:
        raise ValidationError(EMPTY_FILE, code="empty")
    return data


def _looks_like_svg(data):
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") and b"<svg" in head


def _verify(data, max_pixels):
    """Pillow's format name after checking the header's size and the file's structure (verify())."""
    with Image.open(io.BytesIO(data), formats=DETECTED_FORMATS) as probe:
        if probe.width * probe.height > max_pixels:
            raise ValidationError(TOO_MANY_PIXELS.format(limit=max_pixels), code="too_many_pixels")
        probe.verify()
        return probe.format


def _without_metadata(image):
    """A copy in sRGB with no metadata; palette transparency becomes an alpha channel so it survives."""
    if "transparency" in image.info:
        image = image.convert("RGBA")
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA", "CMYK"):
        # An unusable profile is dropped like the rest of the metadata, the pixels kept as they are.
        with contextlib.suppress(ImageCms.PyCMSError, OSError):
            image = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                srgb_profile(),
                outputMode="RGBA" if image.mode == "RGBA" else "RGB",
            )
    if image.mode == "CMYK":
        image = image.convert("RGB")
    image.info = {}  # the caller's own decoded image (or a conversion of it): no copy needed to drop metadata
    return image


def _human_size(size):
    """`10 MB`, `512 KB`, `900 バイト` for the editor."""
    if size >= MIB:
        return f"{size / MIB:g} MB"
    if size >= 1024:
        return f"{size / 1024:g} KB"
    return f"{size} バイト"
