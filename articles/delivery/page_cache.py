"""Whole-response cache for anonymous readers: a hit costs cache look-ups and no database query.

Correctness comes from two versions stored with every page:
- a site-wide *generation*. Anything that changes what other pages show (publishing, unpublishing, a new
  title or summary, imports, category/author/tag edits) calls `content_changed()`, which moves it on, so
  no page of an older generation is ever served. A scheduled article needs no call: each generation
  remembers when the next scheduled article is due, and the first request after that moment starts a
  new generation.
- a version per path (query strings aside). An edit that only its article's own pages show (a typo in
  the body, a correction note) calls `paths_changed()` with those pages; the rest of the site stays warm,
  which matters most when the article being corrected is the one everybody is reading.
"""

import functools
import hashlib
import uuid
from pathlib import Path
from urllib.parse import unquote, urlencode

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.utils import timezone
from django.utils.cache import patch_cache_control, set_response_etag

from articles.delivery import db_breaker
from articles.delivery.db_routing import REPLICA
from articles.models import Article

GENERATION_KEY = "pages:generation"
NEXT_DUE_KEY = "pages:next-due"
CHANGED_AT_KEY = "pages:changed-at"
BROWSER_MAX_AGE = 60
CACHEABLE_QUERY_KEYS = {"page"}
# A trending topic sends thousands of readers to the same search: its result pages are cached like any list.
SEARCH_PATH = "/search/"
SEARCH_QUERY_KEYS = {"q", "category", "tag", "page"}
# Every other parameter a reader page reads, by path: Django's sitemap is paginated by ?p=.
QUERY_KEYS_BY_PATH = {SEARCH_PATH: SEARCH_QUERY_KEYS, "/sitemap.xml": {"p"}}
UNCACHED_PREFIXES = ("/admin/", "/markdownx/", "/preview/", "/healthz", "/media/", "/static/")


def current_generation():
    generation = cache.get(GENERATION_KEY)
    return _new_generation() if generation is None else generation


def _new_generation():
    cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
    return cache.get(GENERATION_KEY)


def content_changed():
    """What readers see has changed: every cached page becomes unreachable.

    A new random generation, not an increment: the database cache's incr() is a read and a write, so two
    changes at once could both write N+1 and a page rendered between them would survive the second. Values
    never repeat, so whichever write lands last, no page stored before it matches."""
    cache.set_many({GENERATION_KEY: uuid.uuid4().hex, CHANGED_AT_KEY: timezone.now().timestamp()}, None)


def paths_changed(paths):
    """Only the pages at these paths (with any query string) changed: they are rendered again, nothing else.
    The paths may come percent-encoded, as reverse() gives them; requests are keyed by their decoded path."""
    versions = {_path_version_key(unquote(path)): uuid.uuid4().hex for path in paths}
    cache.set_many({**versions, CHANGED_AT_KEY: timezone.now().timestamp()}, _path_version_seconds())


def _path_version_seconds():
    """Path versions outlive the pages stored under them, and then expire: any path a request names gets
    one, scanners' included. An expired version is replaced by a new random one, which no page matches."""
    return settings.PAGE_CACHE_SECONDS or None


def _path_version_key(decoded_path):
    return f"pages:path:{hashlib.sha256(decoded_path.encode()).hexdigest()}"


def _new_path_version(key):
    """A version for a path that had none, created only once its page is about to be stored (a 404 or a
    scanner's path leaves no key). None when a change gave the path a version while the page was rendered:
    that page may predate the change, so it is not stored."""
    version = uuid.uuid4().hex
    return version if cache.add(key, version, _path_version_seconds()) else None


def cache_path(request):
    """The path and the query parameters that choose what the page shows, in one order: `?utm_source=…` and
    other parameters no view reads share the page without them, and `?b=1&a=2` is `?a=2&b=1`."""
    allowed = QUERY_KEYS_BY_PATH.get(request.path, CACHEABLE_QUERY_KEYS)
    chosen = sorted((name, value) for name, values in request.GET.lists() if name in allowed for value in values)
    return f"{request.path}?{urlencode(chosen)}" if chosen else request.path


def _static_version():
    """The hash of the static files' manifest (hashed names, as `make serve` collects them), empty without one.
    It is part of each page's key: a cached page links the CSS and scripts of the release that rendered it,
    and after a release with new files (the old ones may be gone) pages are rendered again."""
    return getattr(staticfiles_storage, "manifest_hash", "")


# What renders a page besides its static files, under BASE_DIR: a release that changes any of them (a template, a
# view, a translation) renders pages again instead of serving the previous release's for PAGE_CACHE_SECONDS.
RELEASE_SOURCES = ("templates", "articles", "allforces", "locale")
RELEASE_SUFFIXES = {".py", ".html", ".txt", ".xml", ".mo"}


def _code_version():
    """A hash of the release's templates and code (150 files, ~7 ms): once per process, as a release restarts
    the app servers; on every request under DEBUG, where runserver does not restart for a template."""
    if settings.DEBUG:
        return _fingerprint(Path(settings.BASE_DIR))
    return _release_fingerprint(Path(settings.BASE_DIR))


def _fingerprint(base_dir):
    digest = hashlib.sha256()
    for source in RELEASE_SOURCES:
        for path in sorted((base_dir / source).rglob("*")):
            if path.suffix in RELEASE_SUFFIXES and "__pycache__" not in path.parts and path.is_file():
                digest.update(path.relative_to(base_dir).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


_release_fingerprint = functools.cache(_fingerprint)


def _next_due(generation, remembered):
    """When the next scheduled article goes live, as a timestamp; looked up once per generation."""
    if remembered and remembered[0] == generation:
        return remembered[1]
    upcoming = Article.objects.upcoming().order_by("published_at").values_list("published_at", flat=True).first()
    due = upcoming.timestamp() if upcoming else float("inf")
    cache.set(NEXT_DUE_KEY, (generation, due), settings.PAGE_CACHE_SECONDS)
    return due


def _is_cacheable_request(request):
    return (
        request.method in {"GET", "HEAD"}
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(UNCACHED_PREFIXES)
    )


def _is_cacheable_response(response):
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.cookies
        and not getattr(response, "streaming", False)
        and "private" not in cache_control
        and "no-store" not in cache_control
    )


def _replica_may_lag(changed_at):
    """True just after a change when reader pages read from a replica (articles/db_routing.py): the replica
    may not have replayed the change yet, so the page is served but not stored as current."""
    recent = changed_at is not None and timezone.now().timestamp() - changed_at < settings.REPLICA_LAG_SECONDS
    return recent and REPLICA in settings.DATABASES


class ReaderPageCacheMiddleware:
    """A hit is one cache round trip: the generation, the next due time, the path's version and the page come
    in one get_many, and a page stored under an older generation or path version counts as missing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.PAGE_CACHE_SECONDS or not _is_cacheable_request(request):
            return self.get_response(request)
        if db_breaker.is_open() and db_breaker.cache_needs_database():
            return self.get_response(request)
        request.get_host()  # a Host not in ALLOWED_HOSTS is Django's 400, never a cached page
        page = f"{_static_version()} {_code_version()} {cache_path(request)}"
        key = f"pages:page:{hashlib.sha256(page.encode()).hexdigest()}"
        path_key = _path_version_key(request.path)
        found = cache.get_many([GENERATION_KEY, NEXT_DUE_KEY, CHANGED_AT_KEY, path_key, key])
        generation = found.get(GENERATION_KEY)
        if generation is None:
            generation = _new_generation()
        if timezone.now().timestamp() >= _next_due(generation, found.get(NEXT_DUE_KEY)):
            content_changed()  # a scheduled article has just gone live
            generation = current_generation()
        path_version = found.get(path_key)
        stored_version, response = found.get(key, (None, None))
        if path_version is not None and stored_version == (generation, path_version):
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if _is_cacheable_response(response) and not _replica_may_lag(found.get(CHANGED_AT_KEY)):
            if hasattr(response, "render") and callable(response.render):
                response.render()
            if len(response.content) > settings.PAGE_CACHE_MAX_BYTES:
                return response  # served, not stored: no single page may take a large share of the cache
            path_version = path_version or _new_path_version(path_key)
            if path_version is None:
                return response
            if "Cache-Control" not in response:
                patch_cache_control(response, public=True, max_age=BROWSER_MAX_AGE)
            set_response_etag(response)  # once here, not hashed again on every hit
            cache.set(key, ((generation, path_version), response), settings.PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
        return response
