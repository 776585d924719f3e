"""ALLFORCES settings: one file, every environment variable read in the block below."""

import os
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Environment (documented in README.md, "Configuration") -------------------------------
DEBUG = _env_bool("DEBUG", default=False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
PORT = os.environ.get("PORT", "8000")  # the port `make run` / `make serve` listen on
# Absolute URLs (canonical, share links, feeds, sitemap) use SITE_URL; without it, the local server's own port.
SITE_URL = (os.environ.get("SITE_URL") or f"http://127.0.0.1:{PORT}").rstrip("/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
STATIC_HASHED = _env_bool("STATIC_HASHED", default=not DEBUG)
CDN_PURGE_URL = os.environ.get("CDN_PURGE_URL", "")
WEBSUB_HUB_URL = os.environ.get("WEBSUB_HUB_URL", "")  # feeds name it as their hub; pinged after each change
MEDIA_STORAGE_URL = os.environ.get("MEDIA_STORAGE_URL", "")  # s3://bucket/prefix?endpoint_url=…&region_name=…
REDIS_TIMEOUT_SECONDS = float(os.environ.get("REDIS_TIMEOUT_SECONDS", "0.5"))
DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3"))  # seconds
DATABASE_STATEMENT_TIMEOUT = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT", "10000"))  # milliseconds
DATABASE_SERVER_SIDE_BINDING = _env_bool("DATABASE_SERVER_SIDE_BINDING", default=True)  # see _postgresql_timeouts
DATABASE_BREAKER_SECONDS = float(os.environ.get("DATABASE_BREAKER_SECONDS", "5"))  # 0: never short-circuit
TRUSTED_PROXY_COUNT = os.environ.get("TRUSTED_PROXY_COUNT", "0")  # proxies in front that append X-Forwarded-For
# -------------------------------------------------------------------------------------------

_DEVELOPMENT_SECRET_KEY = "development-only-secret-key-never-use-in-production"  # noqa: S105 (refused below)  # nosec B105 (refused when DEBUG is off)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY が設定されていません。本番環境（DEBUG がオフ）では、"
            "十分に長いランダムな SECRET_KEY 環境変数が必要です。"
            "開発中は DEBUG=1 を設定するか `make run` を使ってください。"
        )
    SECRET_KEY = _DEVELOPMENT_SECRET_KEY
elif not DEBUG and (len(SECRET_KEY) < 32 or SECRET_KEY == _DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY が短すぎるか開発用の値です。本番環境では 32 文字以上のランダムな値を設定してください。"
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "taggit",
    "markdownx",
    "csp",
    "axes",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "articles.delivery.page_cache.ReaderPageCacheMiddleware",
    "articles.delivery.db_breaker.DatabaseBreakerMiddleware",
    "articles.delivery.db_routing.ReaderRequestMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "articles.delivery.redirects.ArticleRedirectMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "allforces.urls"
WSGI_APPLICATION = "allforces.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
            ],
        },
    },
]


def _postgresql_timeouts(database):
    """A database that accepts connections but never answers must not hold a worker for gunicorn's 30 s:
    connecting gives up after DATABASE_CONNECT_TIMEOUT, a statement after DATABASE_STATEMENT_TIMEOUT.

    Parameters are bound by the server (DATABASE_SERVER_SIDE_BINDING, default on): psycopg sends them apart
    from the query instead of quoting each into its text in Python (a search sends up to 200 ids; the median
    uncached search went from 16.4 to 13.5 ms in bench-search). Prepared statements stay off, as Django
    leaves them (prepare_threshold), so nothing changes for a connection pooler."""
    if database["ENGINE"] == "django.db.backends.postgresql":
        database.setdefault("OPTIONS", {}).update(
            connect_timeout=DATABASE_CONNECT_TIMEOUT,
            options=f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT}",
            server_side_binding=DATABASE_SERVER_SIDE_BINDING,
        )
    return database


if DATABASE_URL:
    DATABASES = {
        "default": _postgresql_timeouts(dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True))
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "var" / "allforces.sqlite3",
            # Kept open as DATABASE_URL's are: a cached page is a query of the cache table (below), and opening
            # SQLite for it cost more than the look-up (a hit took 1.35 ms, 0.55 ms on an open connection).
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the lock when their transaction begins, and wait for each other. Deferred, two transactions
    # that have both read cannot both write: SQLite refuses one at once ("database is locked"), and the
    # database cache (below) drops such a write silently, which for the page cache is a lost invalidation
    # (six threads storing keys: about 20 % of writes lost; none with IMMEDIATE).
    # And they wait long enough: past the 5 s default a busy machine still dropped writes (the test below failed
    # 2 runs in 3 under load); 20 s stays inside gunicorn's 30 s.
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)
if DATABASE_REPLICA_URL:
    # Reader pages read from the replica; everything else, and every write, uses default.
    DATABASES["replica"] = {
        **_postgresql_timeouts(dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True)),
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["articles.delivery.db_routing.ReaderReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache table made by migration articles/0009_cache_table, whatever CACHES says when it runs.
DATABASE_CACHE_TABLE = "django_cache"
if REDIS_URL:
    # A Redis that is down or hangs degrades to uncached pages (allforces/redis_cache.py), within these bounds.
    CACHES = {
        "default": {
            "BACKEND": "allforces.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT_SECONDS, "socket_timeout": REDIS_TIMEOUT_SECONDS},
        }
    }
    # Sessions live in Redis and the database, so they survive restarts and are shared by all servers.
    SESSION_ENGINE = "allforces.session_engines.cached_db"
else:
    # Never a per-process cache: pages are cached whole, and a change made in one process (a gunicorn worker,
    # import_jekyll, publish_due) must retire them in every other. Local memory did not: after an unpublish
    # under `make serve`, 21 of 30 requests still got the article for up to an hour. Every process that can
    # change an article shares the database, on one machine or several, so the cache is a table there (a file
    # cache would be per machine). A hit is one query: a warm article under `make serve` served 570-790 req/s
    # against local memory's 1,260-2,460 (busy 2-core machine); use Redis for real traffic. MAX_ENTRIES bounds
    # the table (pages ~30-90 KB each) and the rows each store counts; past it a third of the entries go,
    # which costs warm pages, never correctness (page_cache.py's versions are random, so none comes back).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": DATABASE_CACHE_TABLE,
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }
    # Sessions in the database alone: a cache in the same database would save nothing.
    SESSION_ENGINE = "allforces.session_engines.db"

# --- Security -------------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],  # no inline script anywhere; JSON-LD is a data block, not script
        "style-src": ["'self'", "'unsafe-inline'"],  # the admin and markdownx set style attributes
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12  # an editor's working day; a stolen cookie does not live for weeks
CSRF_TRUSTED_ORIGINS = [SITE_URL]
if SITE_URL.startswith("https://") and not DEBUG:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

if not TRUSTED_PROXY_COUNT.isascii() or not TRUSTED_PROXY_COUNT.isdigit():
    raise ImproperlyConfigured(
        f"TRUSTED_PROXY_COUNT は 0 以上の整数で指定してください（いまの値: {TRUSTED_PROXY_COUNT!r}）。"
        "アプリの前にあって X-Forwarded-For に接続元を書き足すプロキシ（ロードバランサー、CDN）の数です。"
    )
TRUSTED_PROXY_COUNT = int(TRUSTED_PROXY_COUNT)

# Admin login: 5 failures for the same account from the same address lock it for 30 minutes. "The same
# address" is the client's, not the load balancer's (allforces/proxies.py): otherwise every failure behind
# the balancer comes from one address and anyone could lock the 編集長 out.
AXES_CLIENT_IP_CALLABLE = "allforces.proxies.client_address"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
# Our own catalog fills what django-taggit leaves untranslated ("Taggit", "tags"); the .mo is committed.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names need `collectstatic` first (make serve does it); development serves files as they are.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_HASHED
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if MEDIA_STORAGE_URL:
    # Media in an S3-compatible bucket (django-storages); credentials come from the usual AWS_* variables.
    _media = urlsplit(MEDIA_STORAGE_URL)
    if _media.scheme != "s3" or not _media.netloc:
        raise ImproperlyConfigured(
            "MEDIA_STORAGE_URL は s3://バケット名/プレフィックス?endpoint_url=… の形で指定してください。"
        )
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _media.netloc,
            "location": _media.path.strip("/"),
            "file_overwrite": False,
            "querystring_auth": False,
            **dict(parse_qsl(_media.query)),
        },
    }
WHITENOISE_MAX_AGE = 60 * 60
# Anonymous reader pages are kept whole in the cache (articles/page_cache.py); 0 turns that off.
PAGE_CACHE_SECONDS = 60 * 60
# A larger page is served but not stored: no single page may take a large share of the cache's memory.
PAGE_CACHE_MAX_BYTES = 512 * 1024
# With a read replica, pages rendered this soon after a change are served but not cached (replication lag).
REPLICA_LAG_SECONDS = int(os.environ.get("DATABASE_REPLICA_LAG_SECONDS", "5"))
MEDIA_URL = "/media/"

SITE_NAME = "ALLFORCES"
SITE_DESCRIPTION = "投資分析と技術動向を読み解く日本語の長文メディア"
DEFAULT_AUTHOR_NAME = "ALLFORCES編集部"
DEFAULT_CATEGORY_NAME = "未分類"
ARTICLES_PER_PAGE = 12
TAGGIT_CASE_INSENSITIVE = True

MARKDOWNX_MARKDOWNIFY_FUNCTION = "articles.markdown.render_markdown"
# The editor keeps its height and scrolls, so the preview beside it can follow its scroll position.
MARKDOWNX_EDITOR_RESIZABLE = False
# Every uploaded image (editor and hero) goes through articles.uploads, which reads these two.
IMAGE_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
IMAGE_UPLOAD_MAX_PIXELS = 25_000_000  # a 24-megapixel camera (6000×4000); decoded, ~100 MB
# The 校正 panel's textlint runs (articles/proofreading.py): ~390 MB each, so at most this many at once on the
# machine (0: one per CPU); a request that finds none free waits this long, then is told to try again.
PROOFREADING_CONCURRENCY = int(os.environ.get("PROOFREADING_CONCURRENCY", "0"))
PROOFREADING_WAIT_SECONDS = float(os.environ.get("PROOFREADING_WAIT_SECONDS", "10"))
PROOFREADING_LOCK_DIR = os.environ.get("PROOFREADING_LOCK_DIR", "")  # default: <tmp>/allforces-proofread

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
