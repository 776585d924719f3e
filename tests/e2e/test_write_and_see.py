"""Write and see: the article beside the editor in the reader's stylesheet, updating as the editor types,
with the live 文字数 and 読了時間 of the model's own rule."""

import math

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from articles.desk import roles
from articles.markdown import count_reading_characters, render_markdown
from articles.models import Article
from tests.e2e.conftest import log_in, make_person, screenshots, stop_autosaving
from tests.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BODY = "## 半導体の行方\n\n" + "台湾と日本の工場が、次の十年の供給を左右する。\n\n" * 60 + "## 結び\n\n最後の段落。"


def box(locator):
    return locator.bounding_box()


@pytest.mark.parametrize(("width", "height", "side_by_side"), [(1280, 800, True), (375, 812, False)])
def test_the_preview_follows_the_typing_in_the_readers_styles(people, axe_audit, width, height, side_by_side):
    editor_in_chief = make_person(roles.EDITOR_IN_CHIEF, f"chief_{width}")
    article = make_article(status=Article.Status.DRAFT, published_at=None, created_by=editor_in_chief, body="書き出し")
    page = people.open("chief", width=width)
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, editor_in_chief)
    page.goto(reverse("admin:articles_article_change", args=[article.pk]))
    body, frame = page.locator("#id_body"), page.locator("iframe.desk-preview-frame")
    preview = page.frame_locator("iframe.desk-preview-frame")
    expect(preview.locator(".article__body")).to_contain_text("書き出し")

    body.fill(BODY)
    page.locator("#id_title").fill("半導体の行方を読む：台湾と日本の十年")

    expect(preview.locator(".article__body h2").first).to_have_text("半導体の行方")
    expect(preview.locator("h1.article__title")).to_have_text("半導体の行方を読む：台湾と日本の十年")
    # The reader's stylesheet, not the admin's: site.css gives the body its 1.8 line height.
    line_height = preview.locator(".article__body p").first.evaluate("p => getComputedStyle(p).lineHeight")
    font_size = preview.locator(".article__body p").first.evaluate("p => getComputedStyle(p).fontSize")
    assert float(line_height.removesuffix("px")) == pytest.approx(1.8 * float(font_size.removesuffix("px")), 0.01)
    characters = count_reading_characters(render_markdown(BODY))
    minutes = math.ceil(characters / 500)
    expect(page.locator("#desk-counter")).to_have_text(f"文字数 {characters:,} 字 ／ 読了時間 約 {minutes} 分")

    editor_box, frame_box = box(body), box(frame)
    if side_by_side:
        assert frame_box["x"] >= editor_box["x"] + editor_box["width"]
        assert abs(frame_box["y"] - editor_box["y"]) < 5
    else:
        assert frame_box["y"] >= editor_box["y"] + editor_box["height"]
        assert frame_box["x"] + frame_box["width"] <= width

    body.evaluate("editor => { editor.scrollTop = editor.scrollHeight; editor.dispatchEvent(new Event('scroll')); }")
    # The preview has scrolled with the editor: its last heading is inside the frame's own view.
    last_heading = preview.locator("h2").last
    expect(last_heading).to_have_text("結び")
    page.wait_for_function(
        """() => {
            const view = document.querySelector("iframe.desk-preview-frame").contentWindow;
            const box = [...view.document.querySelectorAll("h2")].pop().getBoundingClientRect();
            return box.top >= 0 && box.bottom <= view.innerHeight;
        }"""
    )

    axe_audit.check(page, f"admin-write-and-see-{width}")
    frame.scroll_into_view_if_needed()
    screenshots(page, f"write-and-see-{width}")
    stop_autosaving(page)
    axe_audit.assert_clean(expect_known=False)
    assert people.problems == []


def test_a_sixty_character_title_fits_in_the_title_box(people):
    writer = make_person(roles.WRITER, "title_writer")
    page = people.open("writer", width=1280)
    log_in(page, writer)
    page.goto(reverse("admin:articles_article_add"))
    title = page.locator("#id_title")

    title.fill(
        "生成AIは日本の製造業をどう変えるか、現場データ活用の最前線と二〇三〇年に向けた課題を読み解く十の視点とその先にある未来の姿"
    )

    assert len(title.input_value()) >= 60
    assert title.evaluate("input => input.scrollWidth <= input.clientWidth")
    stop_autosaving(page)


def test_a_body_over_the_limit_shows_the_reason_in_the_preview_not_a_count(people):
    writer = make_person(roles.WRITER, "long_writer")
    page = people.open("writer", width=1280)
    log_in(page, writer)
    page.goto(reverse("admin:articles_article_add"))
    hostile_title = '"><img src=x onerror=alert(1)> & <b>題</b>'
    page.locator("#id_title").fill(hostile_title)

    page.locator("#id_body").evaluate(
        "editor => { editor.value = 'あ'.repeat(200001); editor.dispatchEvent(new Event('input', {bubbles: true})); }"
    )

    preview = page.frame_locator("iframe.desk-preview-frame")
    expect(preview.locator(".article__body")).to_contain_text("本文が長すぎます（200,001 文字）")
    expect(page.locator("#desk-counter")).to_have_text("文字数と読了時間は、本文が上限内に収まると表示されます。")
    expect(preview.locator("h1")).to_have_text(hostile_title)  # the title is text in the frame, never markup
    assert preview.locator("img, b").count() == 0
    stop_autosaving(page)
    # The autosave refuses the over-long body too (413, its message beside the form); nothing else may fail.
    assert [problem for problem in people.problems if "/article/autosave/" not in problem] == []
