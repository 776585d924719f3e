from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "samples" / "000_e095b20dff1ae5fa.txt"


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
def fresh_cache(settings):
    """Each test starts with an empty cache and, unless it enables it, no whole-page cache: most tests
    change rows directly, without the workflow calls that refresh cached pages."""
    from django.core.cache import cache

    cache.clear()
    settings.PAGE_CACHE_SECONDS = 0
    yield
    cache.clear()


@pytest.fixture
def desk(db):
    """One user per editorial role: {ライター: …, 編集者: …, 編集長: …}."""
    from articles.desk.roles import ALL_ROLES
    from tests.factories import make_user

    return {role: make_user(role) for role in ALL_ROLES}
