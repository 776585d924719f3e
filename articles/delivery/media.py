"""Uploaded images served by the app when they live in MEDIA_ROOT: the fallback for a single server.

A real deployment keeps media in a bucket (MEDIA_STORAGE_URL) behind a CDN, or lets the web server in front
serve MEDIA_ROOT; then nothing here is used, and with media in a bucket this view serves nothing at all.

Only what the upload pipeline writes is served: JPEG, PNG and WebP (articles/uploads.py re-encodes every
upload to one of them; renditions and share cards are WebP, JPEG and PNG), recognised by extension and
checked against the file's first bytes, with the Content-Type from that table, never guessed. Names are
resolved inside MEDIA_ROOT after following symlinks, so `..`, absolute paths and links out of it are 404s.
Names are random or content hashes and stored files are never overwritten, so a URL's bytes never change:
browsers and CDNs may keep them for a year. ETag and Last-Modified answer conditional GETs with 304
(ConditionalGetMiddleware).
"""

from pathlib import Path

from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, Http404
from django.utils.http import http_date
from django.views.decorators.http import require_safe

# extension -> (Content-Type, what the file must start with)
IMAGE_TYPES = {
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".webp": ("image/webp", (b"RIFF",)),
}
CACHE_CONTROL = f"public, max-age={60 * 60 * 24 * 365}, immutable"


@require_safe
def serve_media(request, path):
    file_path = _media_file(path)
    if file_path is None:
        raise Http404("画像が見つかりません。")
    content_type, signatures = IMAGE_TYPES[file_path.suffix]
    handle = file_path.open("rb")
    head = handle.read(12)
    if not head.startswith(signatures) or (file_path.suffix == ".webp" and head[8:12] != b"WEBP"):
        handle.close()
        raise Http404("画像が見つかりません。")
    handle.seek(0)
    stat = file_path.stat()
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    response["Last-Modified"] = http_date(stat.st_mtime)
    response["ETag"] = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
    return response


def _media_file(path):
    """The file `path` names inside MEDIA_ROOT, if it is one of IMAGE_TYPES and media is stored there."""
    if not isinstance(default_storage, FileSystemStorage):  # media in a bucket: its URLs point there
        return None
    parts = path.split("/")
    if any(part in {"", ".", ".."} or part.startswith(".") or "\\" in part or "\0" in part for part in parts):
        return None
    root = Path(default_storage.location).resolve()
    try:
        file_path = root.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError):  # missing, or a symlink loop
        return None
    if not file_path.is_relative_to(root) or not file_path.is_file() or file_path.suffix not in IMAGE_TYPES:
        return None
    return file_path
