"""End-to-end tests: people in separate browser contexts (Debian's Chromium through Playwright) against
pytest-django's live_server. Marked `e2e`: `make e2e` runs only these, `make test` runs them with the rest.

Every page a test opens is watched for script errors, console errors and failed requests; when a test fails,
a screenshot and the HTML of every page still open are saved under artifacts/e2e/failures/.
"""

import re

import pytest

from tests.factories import make_user
from tests.tools import ARTIFACTS, chromium, describe_violations

E2E_ARTIFACTS = ARTIFACTS / "e2e"
PASSWORD = "kumo-no-ue-no-kaigishitsu-42"
SERIOUS = {"serious", "critical"}
# Serious violations in the admin that are known and reported, as (rule, part of the element's selector): the
# fix. The story fails on any other, and on an entry that no longer occurs (remove it once fixed).
KNOWN_ADMIN_VIOLATIONS = {}
_reports = pytest.StashKey[dict]()


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: end-to-end in a real browser (make e2e runs only these)")


def pytest_collection_modifyitems(items):
    for item in items:
        if "/tests/e2e/" in item.path.as_posix():
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


@pytest.fixture(scope="module")
def browser():
    """One Chromium per module: starting it takes seconds; each person gets a context of their own."""
    with chromium() as browser:
        from playwright.sync_api import expect

        expect.set_options(timeout=15_000)  # two cores, often shared with other test runs
        yield browser


@pytest.fixture
def people(browser, live_server, request):
    people = People(browser, live_server.url)
    yield people
    report = request.node.stash.get(_reports, {}).get("call")
    if report is None or report.failed:
        people.save_failure(re.sub(r"\W+", "-", request.node.name))
    people.close()


@pytest.fixture
def axe_audit(people):
    return AxeAudit(people)


def make_person(role, username):
    """A desk account that logs in through the form with PASSWORD."""
    user = make_user(role, username=username)
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(page, user, *, axe_audit=None):
    """Through the admin's login form, as a person would."""
    from playwright.sync_api import expect

    page.goto("/admin/")  # sends an anonymous visitor to the login form
    if axe_audit:
        axe_audit.check(page, "admin-login")
    page.get_by_label("ユーザー名").fill(user.username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator("#user-tools")).to_contain_text(user.username)


def stop_autosaving(page):
    """Wait until an autosave has answered (within its 5 s), so that the test's check of `people.problems` covers
    its answer, then stop the page autosaving: a `submit` event (the form is not sent: a script's event has no
    default action) tells it a save is underway. Closing a page with typing not yet autosaved would otherwise
    send one last autosave (static/js/desk-autosave.js) after the test's checks. Whatever still reaches the
    live server is answered before the database is flushed (tests/conftest.py, live_server_idle_before_flush)."""
    from playwright.sync_api import expect

    expect(page.locator("#desk-autosave")).not_to_have_text("", timeout=20_000)
    page.locator("#article_form").evaluate("form => form.dispatchEvent(new Event('submit'))")


class People:
    """Browser contexts, one per person: separate cookies, sessions and HTTP caches."""

    def __init__(self, browser, base_url):
        self.browser, self.base_url = browser, base_url
        self.pages, self.problems, self.unwatched = {}, [], set()

    def open(self, name, *, width=1280, height=900, color_scheme="light"):
        context = self.browser.new_context(
            base_url=self.base_url,
            viewport={"width": width, "height": height},
            locale="ja-JP",
            timezone_id="Asia/Tokyo",
            color_scheme=color_scheme,
        )
        page = context.new_page()
        page.on("pageerror", lambda error: self._problem(page, f"{name}: script error: {error}"))
        page.on("console", lambda message: self._on_console(name, page, message))
        page.on("requestfailed", lambda request: self._on_request_failed(name, page, request))
        page.on("response", lambda response: self._on_response(name, page, response))
        self.pages[name] = page
        return page

    def _problem(self, page, problem):
        if page not in self.unwatched:
            self.problems.append(problem)

    def _on_console(self, name, page, message):
        # A page that is itself an error (a 404 the test asked for) is reported by its status, not here.
        if message.type == "error" and message.location.get("url") != page.url:
            self._problem(page, f"{name}: console error: {message.text} ({message.location.get('url')})")

    def _on_request_failed(self, name, page, request):
        # Scripts cancel requests on purpose (the autocomplete drops its last query as the person types).
        if request.failure != "net::ERR_ABORTED":
            self._problem(page, f"{name}: failed ({request.failure}): {request.url}")

    def _on_response(self, name, page, response):
        if response.request.resource_type != "document" and response.status >= 400:
            self._problem(page, f"{name}: HTTP {response.status}: {response.url}")

    def save_failure(self, test_name):
        folder = E2E_ARTIFACTS / "failures"
        folder.mkdir(parents=True, exist_ok=True)
        for name, page in self.pages.items():
            stem = folder / f"{test_name}-{name}"
            try:
                page.screenshot(path=f"{stem}.png", full_page=True)
                stem.with_suffix(".html").write_text(page.content(), encoding="utf-8")
            except Exception as error:  # a page that cannot be saved must not hide the failure
                print(f"could not save {stem}: {error}")
            else:
                print(f"saved {stem}.png and .html ({page.url})")

    def close(self):
        for page in self.pages.values():
            # A page hidden by the close sends its last autosave; after the test, the server may no longer
            # touch the database, so nothing leaves the browser now.
            page.context.route("**/*", lambda route: route.abort())
            page.context.close()


class AxeAudit:
    """axe-core on every page a test visits. Serious and critical violations fail the test at the end, once
    every page has been checked; the failure lists every violation found, whatever its impact."""

    def __init__(self, people):
        self.people = people
        self.report, self.failures, self.known_seen = [], [], set()

    def check(self, page, label):
        from axe_playwright_python.sync_playwright import Axe

        # axe-core fetches a stylesheet's @import relative to the page instead of the stylesheet (the admin's
        # forms.css imports widgets.css), so what it requests while it runs is not the page's problem.
        self.people.unwatched.add(page)
        try:
            violations = Axe().run(page).response["violations"]
        finally:
            self.people.unwatched.discard(page)
        if violations:
            self.report.append(f"{label} ({page.url}):\n{describe_violations(violations)}")
        if any(self._is_new_and_serious(violation, label) for violation in violations):
            E2E_ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=E2E_ARTIFACTS / f"axe-{label}.png", full_page=True)
            self.failures.append(label)

    def _is_new_and_serious(self, violation, label):
        if violation["impact"] not in SERIOUS:
            return False
        new = False
        for node in violation["nodes"]:
            target = " ".join(map(str, node["target"]))
            known = [
                key
                for key in KNOWN_ADMIN_VIOLATIONS
                if label.startswith("admin") and key[0] == violation["id"] and key[1] in target
            ]
            self.known_seen.update(known)
            new = new or not known
        return new

    def assert_clean(self, *, expect_known=True):
        """`expect_known`: the test visits the admin pages where the known violations occur."""
        assert not self.failures, (
            f"serious or critical axe-core violations on {', '.join(self.failures)} "
            f"(screenshots in {E2E_ARTIFACTS}/axe-*.png); all violations:\n" + "\n".join(self.report)
        )
        fixed = set(KNOWN_ADMIN_VIOLATIONS) - self.known_seen if expect_known else set()
        assert not fixed, f"no longer found, remove from KNOWN_ADMIN_VIOLATIONS: {sorted(fixed)}"


def screenshots(page, name):
    """`page` as it looks now in light and in dark, saved under artifacts/e2e/ for a person to look at."""
    E2E_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=E2E_ARTIFACTS / f"{name}-{scheme}.png")
    page.emulate_media(color_scheme="light")
