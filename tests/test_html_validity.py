"""Every kind of reader page, and the desk's own pages, are valid HTML: the Nu Html Checker (vnu) reports no
error. (The desk pages are the Django admin's with ours inside: the dashboard, the article list, the form.)

The pages are rendered once from shared test data, and the checker runs once over all of them,
because starting Java costs seconds.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils.timezone import localtime
from django.views.defaults import server_error

from articles.desk import roles
from tests.factories import make_reader_site, make_user
from tests.tools import VNU_JAR, unavailable

# Also what makes pytest-django create the test database that rendered_pages writes to.
pytestmark = pytest.mark.django_db

PAGES = [
    "home",
    "home-page-2",
    "article",
    "article-without-hero",
    "category",
    "tag",
    "author",
    "archive",
    "archive-year",
    "archive-month",
    "series",
    "404",
    "500",
]
DESK_PAGES = ["desk-dashboard", "desk-list", "desk-edit", "desk-new"]


def desk_urls(site):
    return {
        "desk-dashboard": reverse("admin:index"),
        "desk-list": reverse("admin:articles_article_changelist"),
        "desk-edit": reverse("admin:articles_article_change", args=[site.rich.pk]),
        "desk-new": reverse("admin:articles_article_add"),
    }


def page_urls(site):
    published = localtime(site.rich.published_at)
    return {
        "home": reverse("articles:home"),
        "home-page-2": reverse("articles:home") + "?page=2",
        "article": site.rich.get_absolute_url(),
        "article-without-hero": site.plain.get_absolute_url(),
        "category": site.category.get_absolute_url(),
        "tag": reverse("articles:tag", kwargs={"slug": site.tag}),
        "author": site.author.get_absolute_url(),
        "archive": reverse("articles:archive"),
        "archive-year": reverse("articles:archive-year", kwargs={"year": published.year}),
        "archive-month": reverse("articles:archive-month", kwargs={"year": published.year, "month": published.month}),
        "series": site.series.get_absolute_url(),
        "404": "/存在しないページ/",
    }


@pytest.fixture(scope="module")
def vnu_command():
    java = shutil.which("java")
    if java is None:
        unavailable("Java is not installed (Debian package default-jre-headless)")
    if not VNU_JAR.is_file():
        unavailable(f"the Nu Html Checker is missing: {VNU_JAR}")
    return [java, "-jar", str(VNU_JAR), "--format", "json", "--errors-only"]


@pytest.fixture(scope="module")
def rendered_pages(django_db_setup, django_db_blocker, tmp_path_factory):
    """{page: path of its HTML file}, rendered from test data that is rolled back afterwards."""
    folder, media = tmp_path_factory.mktemp("pages"), tmp_path_factory.mktemp("media")
    contents = {}
    # ARTICLES_PER_PAGE=2 gives the home page a second page with five articles.
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, ARTICLES_PER_PAGE=2):
        cache.clear()  # module fixtures run before the per-test cache reset in conftest.py
        with transaction.atomic():
            client, site = Client(), make_reader_site()
            for page, url in page_urls(site).items():
                response = client.get(url)
                assert response.status_code == (404 if page == "404" else 200), url
                contents[page] = response.content
            contents["500"] = server_error(RequestFactory().get("/")).content
            client.force_login(make_user(roles.EDITOR_IN_CHIEF))
            for page, url in desk_urls(site).items():
                response = client.get(url)
                assert response.status_code == 200, url
                contents[page] = response.content
            transaction.set_rollback(True)
        cache.clear()
    assert sorted(contents) == sorted(PAGES + DESK_PAGES)
    paths = {}
    for page, content in contents.items():
        paths[page] = folder / f"{page}.html"
        paths[page].write_bytes(content)
    return paths


@pytest.fixture(scope="module")
def vnu_errors(vnu_command, rendered_pages):
    """{page: [vnu error message, …]} from one run of the checker over every page."""
    page_of_file = {path.name: page for page, path in rendered_pages.items()}
    result = subprocess.run(  # noqa: S603 (our own arguments)
        [*vnu_command, *map(str, rendered_pages.values())], capture_output=True, text=True, timeout=300, check=False
    )
    try:
        messages = json.loads(result.stderr)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"the Nu Html Checker did not report JSON (exit {result.returncode}):\n{result.stderr}")
    errors = {page: [] for page in rendered_pages}
    for message in messages:
        page = page_of_file.get(Path(message.get("url", "")).name)
        if page is None:  # about the run rather than one file, e.g. a file it could not read
            pytest.fail(f"the Nu Html Checker failed: {message}")
        errors[page].append(message)
    return errors


def describe(message):
    extract = message.get("extract", "").replace("\n", "⏎")
    return f"  line {message.get('lastLine', '?')}: {message['message']}\n      {extract}"


@pytest.mark.parametrize("page", PAGES + DESK_PAGES)
def test_page_is_valid_html(vnu_errors, rendered_pages, page):
    errors = vnu_errors[page]

    if errors:
        report = "\n".join(map(describe, errors))
        pytest.fail(f"{page} ({rendered_pages[page]}) has {len(errors)} HTML error(s):\n{report}", pytrace=False)
