"""The 校正 panel: a spelling the 編集長 adds to the house-style dictionary in the admin is flagged in a
writer's article, with its line and the suggested spelling; the findings never stop a save."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from articles.desk import roles
from articles.models import Article
from tests.e2e.conftest import E2E_ARTIFACTS, log_in, make_person, screenshots
from tests.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("width", [1280, 375])
def test_a_house_style_term_is_flagged_with_its_line_and_suggestion(people, axe_audit, width):
    chief = make_person(roles.EDITOR_IN_CHIEF, f"chief_{width}")
    writer = make_person(roles.WRITER, f"writer_{width}")
    article = make_article(status=Article.Status.DRAFT, published_at=None, created_by=writer, body="書き出し。")

    desk = people.open("chief", width=width)
    log_in(desk, chief)
    desk.goto(reverse("admin:articles_housestyleterm_add"))
    axe_audit.check(desk, f"admin-house-style-add-{width}")
    desk.get_by_label("揺れた表記").fill("Webサイト")
    desk.get_by_label("統一する表記").fill("ウェブサイト")
    desk.get_by_role("button", name="保存", exact=True).click()
    expect(desk.locator("#result_list")).to_contain_text("ウェブサイト")
    axe_audit.check(desk, f"admin-house-style-list-{width}")
    desk.screenshot(path=E2E_ARTIFACTS / f"house-style-list-{width}.png")

    page = people.open("writer", width=width)
    page.set_viewport_size({"width": width, "height": 812 if width == 375 else 800})
    log_in(page, writer)
    page.goto(reverse("admin:articles_article_change", args=[article.pk]))
    body = page.locator("#id_body")
    body.fill("はじめに。\n\n当社のWebサイトを刷新しました。\n")
    panel = page.get_by_role("region", name="校正")
    panel.get_by_role("button", name="本文を校正する").click()

    finding = panel.get_by_role("listitem").filter(has_text="表記ゆれ")
    expect(finding).to_contain_text("表記を「ウェブサイト」に統一します。")
    expect(finding).to_contain_text("提案：ウェブサイト")
    expect(panel.get_by_role("status")).to_contain_text("助言です")
    finding.get_by_role("button", name="3 行目を選択").click()
    assert body.evaluate("editor => editor.value.slice(editor.selectionStart, editor.selectionEnd)") == (
        "当社のWebサイトを刷新しました。"
    )

    axe_audit.check(page, f"admin-proofread-{width}")
    panel.scroll_into_view_if_needed()
    screenshots(page, f"proofread-{width}")

    # Advice only: the article saves with the flagged spelling in it.
    page.get_by_role("button", name="保存して編集を続ける").click()
    expect(page.locator(".messagelist")).to_be_visible()
    article.refresh_from_db()
    assert "Webサイト" in article.body
    axe_audit.assert_clean(expect_known=False)
    assert people.problems == []
