import re
from pathlib import Path

import pytest
from django.test import Client

FIXTURES = Path(__file__).parent / "fixtures"
DATABASE_FIXTURES = {"db", "transactional_db", "live_server"}
SHARED_SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "samples" / "000_e095b20dff1ae5fa.txt"


class ReaderClient(Client):
    """The test client, reading HTML pages as a reader sees them: without the <wbr> that titles and headings
    carry between phrases (articles/phrasing.py). A <wbr> is invisible, and with it in the page a title cut
    into phrases would make every `title not in page` assertion pass whether the article is shown or not.
    The HTML as served stays in `response.served_content` for tests of the markup itself."""

    def request(self, **request):
        response = super().request(**request)
        if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
            response.served_content = response.content
            response.content = _WBR.sub(b"", response.content)
        return response


_WBR = re.compile(rb"<wbr>")


@pytest.fixture
def client():
    """pytest-django's `client`, as a ReaderClient."""
    return ReaderClient()


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module (Debian's, through Playwright): starting it takes seconds. tests/e2e has
    its own, with Playwright's assertion timeout raised."""
    from tests.tools import chromium

    with chromium() as browser:
        yield browser


@pytest.fixture
def shared_sample():
    """The real archive post from ../shared; absent on machines without ../shared."""
    if not SHARED_SAMPLE.exists():
        pytest.skip("../shared/samples is not present beside this checkout")
    return SHARED_SAMPLE


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashers cost ~0.3 s per user by design; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def live_server_idle_before_flush(request):
    """A test with a live server ends only once the server has answered every connection: autouse fixtures
    are torn down after the test's own (its browsers are closed by then) and before pytest-django flushes
    the database, which a request still running would find locked."""
    if "live_server" not in request.fixturenames:
        yield
        return
    from tests.tools import ServedConnections

    connections = ServedConnections.of(request.getfixturevalue("live_server"))
    yield
    connections.wait_until_idle()


@pytest.fixture(autouse=True)
def closed_database_breaker():
    """A test that makes a connection fail must not leave the next test's requests answered with 503."""
    from articles.delivery import db_breaker

    db_breaker.reset()
    yield
    db_breaker.reset()


@pytest.fixture(autouse=True)
def fresh_cache(request, settings):
    """Each test starts with an empty cache and, unless it enables it, no whole-page cache: most tests
    change rows directly, without the workflow calls that refresh cached pages.

    The cache is a table of the test database (no REDIS_URL: settings.py), one per xdist worker, so only
    a test that may use the database has one: a test's own transaction takes its entries away, and those
    of a transactional test, which commits, are cleared here."""
    from django.core.cache import cache

    settings.PAGE_CACHE_SECONDS = 0
    uses_database = request.node.get_closest_marker("django_db") or DATABASE_FIXTURES & set(request.fixturenames)
    if uses_database:
        cache.clear()
    yield
    if uses_database:
        cache.clear()


@pytest.fixture
def cache_off_the_database(settings):
    """A local-memory cache in place of the database cache, standing for Redis in production: a query budget
    then counts what a page asks of the database for its content, not its cache look-ups."""
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "budgets"}}
    cache.clear()  # local memory outlives a test
    yield
    cache.clear()


@pytest.fixture
def desk(db):
    """One user per editorial role: {ライター: …, 編集者: …, 編集長: …}."""
    from articles.desk.roles import ALL_ROLES
    from tests.factories import make_user

    return {role: make_user(role) for role in ALL_ROLES}


@pytest.fixture
def own_redis(settings, tmp_path):
    """A redis-server of the test's own, on a free port, configured as README's deployment section says
    (maxmemory with allkeys-lru, nothing kept on disk), as the page cache. Yields a redis-py client to it."""
    import os
    import shutil
    import socket
    import subprocess
    import time

    import redis

    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is missing, and CI must test against a real Redis")
        pytest.skip("redis-server is not installed (outside CI only)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603 (fixed argv)
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--maxmemory", "8mb", "--maxmemory-policy", "allkeys-lru", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(port=port, socket_connect_timeout=1)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    settings.CACHES = {
        "default": {"BACKEND": "allforces.redis_cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0"}
    }
    yield client
    process.terminate()
    process.wait(timeout=10)
