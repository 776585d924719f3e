"""The reader's site on a phone (375×812, headless Chromium against live_server): a header of one line of logo,
search and menu plus one sideways-scrolling line of categories, at most 100 px; an article's first screen
reaches its body text; a wide table scrolls inside the article with its first column kept in view; the
ランキング switches between 24 hours and 7 days without a page load."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from articles.management.commands.seed_demo_images import draw_chart
from tests.factories import make_article, make_category

PHONE = {"width": 375, "height": 812}
LONG_TITLE = "2027年に向けた市場展望：金利・為替・エネルギーの三つの焦点と日本企業の論点"
TABLE = (
    "| 指標 | 計算の仕方 | 分かること | 注意したい点 |\n|---|---|---|---|\n"
    "| 配当性向 | 配当総額 ÷ 純利益 | 利益のうち配当に回した割合 | 一時的な利益の増減で大きく動く |\n"
    "| 総還元性向 | （配当 ＋ 自社株買い）÷ 純利益 | 利益のうち株主に返した割合 | 自社株買いは年ごとの振れが大きい |\n"
)
BODY = (
    "日本企業の株主還元は、配当だけでなく自社株買いを含めた総還元性向で語られるようになりました。\n\n"
    + "".join(f"## 見出し{number}\n\n段落です。\n\n" for number in range(6))
    + TABLE
)


@pytest.fixture
def site(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    categories = [make_category(name) for name in ("市場レポート", "技術動向", "投資分析", "エネルギー", "半導体")]
    article = make_article(title=LONG_TITLE, body=BODY, category=categories[0], hero_image_alt="架空のグラフ")
    article.hero_image.save("chart.png", ContentFile(draw_chart("x", "bars", "市場レポート")))
    for number in range(6):
        make_article(
            title=f"記事{number}",
            category=categories[number % 5],
            published_at=timezone.now() - timedelta(hours=number + 1),
        )
    return live_server.url, article


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE)
    yield context.new_page()
    context.close()


def box(page, selector):
    return page.eval_on_selector(selector, "element => element.getBoundingClientRect().toJSON()")


@pytest.mark.parametrize("page_name", ["home", "article"])
def test_the_phone_header_is_one_line_and_one_line_of_categories_within_100px(site, phone, page_name):
    base, article = site
    phone.goto(base + ("/" if page_name == "home" else article.get_absolute_url()))

    header, navigation = box(phone, ".site-header"), phone.locator(".site-nav ul")
    logo, search, menu = box(phone, ".site-logo"), box(phone, ".site-header__search-link"), box(phone, ".site-menu")

    assert header["height"] <= 100
    assert abs(logo["top"] - search["top"]) < 20 and abs(search["top"] - menu["top"]) < 5  # one line
    link_tops = {
        round(top)
        for top in navigation.evaluate("ul => [...ul.querySelectorAll('a')].map(a => a.getBoundingClientRect().top)")
    }
    assert len(link_tops) == 1  # every category on one line: アーカイブ no longer wraps alone
    assert navigation.evaluate("ul => ul.scrollWidth > ul.clientWidth")  # the rest scrolls sideways
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_first_screen_of_an_article_shows_its_body_text(site, phone):
    base, article = site
    phone.goto(base + article.get_absolute_url())

    first_paragraph = box(phone, ".article__body p")

    assert first_paragraph["top"] + 30 <= PHONE["height"]  # at least a line of it


def test_a_wide_table_scrolls_inside_the_article_with_its_first_column_in_view(site, phone):
    base, article = site
    phone.goto(base + article.get_absolute_url())
    table = phone.locator(".article__body table")
    table.scroll_into_view_if_needed()
    before = box(phone, ".article__body tbody tr td")

    assert table.evaluate("table => table.scrollWidth > table.clientWidth + 100")
    table.evaluate("table => { table.scrollLeft = 200; }")
    after = box(phone, ".article__body tbody tr td")
    second = box(phone, ".article__body tbody tr td:nth-child(2)")

    assert abs(after["left"] - before["left"]) < 1  # the first column stays
    assert second["width"] >= 100  # cells keep a readable width instead of 2–4 characters a line
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_ranking_switches_to_seven_days_without_a_page_load(site, phone):
    base, _article = site
    phone.goto(base + "/")
    phone.evaluate("window.marker = 'same page'")

    assert phone.locator(".ranking__list--day").is_visible() and not phone.locator(".ranking__list--week").is_visible()
    phone.click("label[for=ranking-week]")

    assert phone.locator(".ranking__list--week").is_visible() and not phone.locator(".ranking__list--day").is_visible()
    assert phone.evaluate("window.marker") == "same page"


@pytest.mark.parametrize(("width", "beside"), [(1280, True), (375, False)])
def test_a_category_page_has_the_ranking_beside_its_list_on_a_wide_screen_and_after_it_on_a_phone(
    site, browser, width, beside
):
    base, article = site
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        page.goto(base + article.category.get_absolute_url())

        cards, ranking = box(page, ".card-list"), box(page, ".ranking")
        if beside:
            assert ranking["left"] >= cards["right"] and ranking["top"] < cards["bottom"]
            assert ranking["right"] > width * 0.85  # the right of the page is no longer empty
        else:
            assert ranking["top"] >= cards["bottom"]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()  # its connections too: the live server must be idle before the database is flushed
