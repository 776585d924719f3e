"""Reader pages in a real browser (headless Chromium against live_server): axe-core finds no violation at
phone and desktop widths in light and dark mode, nothing scrolls sideways down to 320px, the stylesheet
applies, and no page logs a console error or fails to load an asset.

On failure the violations are printed, and a screenshot and the page's HTML are saved under artifacts/.
"""

import re

import pytest
from django.urls import reverse

from tests.factories import make_reader_site
from tests.tools import ARTIFACTS, describe_violations

WIDTHS = (375, 1280)
SCHEMES = ("light", "dark")
AXE_PAGES = ("home", "article", "category", "tag", "series", "404")

ALL_IMAGES_SETTLED = """() => Promise.all(
    Array.from(document.images).filter((image) => !image.complete).map((image) => new Promise((resolve) => {
        image.addEventListener("load", resolve);
        image.addEventListener("error", resolve);
    }))
)"""


@pytest.fixture
def urls(live_server, settings, tmp_path):
    """Absolute URLs of the reader pages, on test data with a hero image stored under a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path
    site = make_reader_site()
    paths = {
        "home": reverse("articles:home"),
        "article": site.rich.get_absolute_url(),
        "category": site.category.get_absolute_url(),
        "tag": reverse("articles:tag", kwargs={"slug": site.tag}),
        "series": site.series.get_absolute_url(),
        "404": "/存在しないページ/",
    }
    return {page: live_server.url + path for page, path in paths.items()}


class Visit:
    """A page loaded in a fresh browser context, with every console error and failed request it caused."""

    def __init__(self, browser, url, *, width, scheme="light"):
        self.label = f"{width}px-{scheme}"
        self.context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
        self.page = self.context.new_page()
        self.problems, self.document_url = [], None
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        self.page.on("requestfailed", lambda request: self.problems.append(f"failed: {request.url}"))
        self.page.on("response", self._on_response)
        self.response = self.page.goto(url, wait_until="load")
        # Bring lazy images into view and wait for them, so that a missing one is noticed too.
        self.page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        # evaluate(), not wait_for_function(): the page's CSP forbids the eval that polling needs.
        self.page.evaluate(ALL_IMAGES_SETTLED)
        self.page.evaluate("window.scrollTo(0, 0)")

    def resize(self, width, scheme="light"):
        """The same page at another width and colour scheme: the layout and colours follow without a reload."""
        self.label = f"{width}px-{scheme}"
        self.page.set_viewport_size({"width": width, "height": 800})
        self.page.emulate_media(color_scheme=scheme)

    def _on_response(self, response):
        # The page's own status is asserted by the tests (the 404 page is meant to be a 404).
        if response.request.resource_type == "document" and self.document_url is None:
            self.document_url = response.url
        elif response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def _on_console(self, message):
        # Chromium also logs the 404 page's own status as a failed resource.
        if message.type == "error" and message.location.get("url") != self.document_url:
            self.problems.append(f"console error: {message.text} ({message.location.get('url')})")

    def save_artifacts(self, name):
        ARTIFACTS.mkdir(exist_ok=True)
        stem = ARTIFACTS / f"{name}-{self.label}"
        self.page.screenshot(path=f"{stem}.png", full_page=True)
        stem.with_suffix(".html").write_text(self.page.content(), encoding="utf-8")
        return f"{stem}.png"

    def close(self):
        self.context.close()


def style_of(page, selector, *properties):
    script = "([selector, names]) => { const style = getComputedStyle(document.querySelector(selector));"
    script += " return names.map((name) => style.getPropertyValue(name)); }"
    return page.evaluate(script, [selector, list(properties)])


def pixels(value):
    return float(re.fullmatch(r"([\d.]+)px", value).group(1))


def test_stylesheet_applies_the_reading_typography_in_light_and_dark(browser, urls):
    """Without the CSS the contrast checks below would test browser defaults, so prove it is applied."""
    visit = Visit(browser, urls["article"], width=1280)
    try:
        family, size, line_height = style_of(visit.page, "body", "font-family", "font-size", "line-height")
        (paragraph_width,) = style_of(visit.page, ".article__body p", "width")
        (light_background,) = style_of(visit.page, "body", "background-color")
    finally:
        visit.close()
    dark = Visit(browser, urls["article"], width=1280, scheme="dark")
    try:
        (dark_background,) = style_of(dark.page, "body", "background-color")
    finally:
        dark.close()

    assert "Hiragino Sans" in family
    assert pixels(size) >= 16
    assert 1.7 <= pixels(line_height) / pixels(size) <= 1.9
    assert 35 <= pixels(paragraph_width) / pixels(size) <= 40  # full-width characters per line
    assert light_background == "rgb(255, 255, 255)"
    assert dark_background != light_background
    assert not visit.problems and not dark.problems


@pytest.mark.parametrize("page_name", AXE_PAGES)
def test_page_has_no_axe_violations_or_load_errors(browser, urls, page_name):
    from axe_playwright_python.sync_playwright import Axe

    axe, failures = Axe(), []
    visit = Visit(browser, urls[page_name], width=WIDTHS[0])
    try:
        expected_status = 404 if page_name == "404" else 200
        if visit.response.status != expected_status:
            visit.problems.append(f"HTTP {visit.response.status} for the page itself")
        for width in WIDTHS:
            for scheme in SCHEMES:
                visit.resize(width, scheme)
                violations = axe.run(visit.page).response["violations"]
                if violations:
                    screenshot = visit.save_artifacts(page_name)
                    failures.append(
                        f"{page_name} at {visit.label} (see {screenshot}):\n{describe_violations(violations)}"
                    )
        if visit.problems:
            failures.append(f"{page_name} while loading (see {visit.save_artifacts(page_name)}):")
            failures.extend(f"  {problem}" for problem in visit.problems)
    finally:
        visit.close()

    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


@pytest.mark.parametrize("page_name", ["home", "article", "series"])
def test_page_does_not_scroll_sideways_down_to_320px(browser, urls, page_name):
    visit = Visit(browser, urls[page_name], width=375)
    try:
        for width in (375, 320):
            visit.resize(width)
            scroll_width, inner_width = visit.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if scroll_width > inner_width:
                pytest.fail(
                    f"{page_name} is {scroll_width}px wide at {width}px (see {visit.save_artifacts(page_name)})",
                    pytrace=False,
                )
        assert not visit.problems
    finally:
        visit.close()
