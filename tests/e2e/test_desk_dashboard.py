"""The dashboard as a desk: what a ライター, an 編集者 and the 編集長 see first, at 1280 and 375 px; and a
share-preview link that is a link, copied with one button."""

import itertools
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from articles.desk import roles, workflow
from articles.models import Article
from tests.e2e.conftest import log_in, make_person, screenshots
from tests.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
Status = Article.Status


@pytest.mark.parametrize("width", [1280, 375])
def test_each_role_sees_its_next_step_first(people, axe_audit, width):
    writer = make_person(roles.WRITER, f"misaki_{width}")
    editor = make_person(roles.EDITOR, f"kenta_{width}")
    chief = make_person(roles.EDITOR_IN_CHIEF, f"yoko_{width}")
    returned = make_article(status=Status.DRAFT, published_at=None, created_by=writer, title="電池の現在と十年後")
    workflow.perform("submit", returned, writer)
    workflow.perform("request_changes", returned, editor, comment="結論の根拠となる数字を足してください")
    waiting = make_article(status=Status.DRAFT, published_at=None, created_by=writer, title="半導体の行方")
    workflow.perform("submit", waiting, writer, comment="図表の出典を確認してください")
    make_article(status=Status.DRAFT, published_at=None, created_by=writer, title="書きかけの分析")
    first_heading = {"writer": "差し戻された自分の記事", "editor": "レビュー待ち", "chief": "レビュー待ち"}

    for name, person in (("writer", writer), ("editor", editor), ("chief", chief)):
        page = people.open(name, width=width)
        page.set_viewport_size({"width": width, "height": 812 if width == 375 else 800})
        log_in(page, person)
        dashboard = page.get_by_role("region", name="編集部ダッシュボード")
        expect(dashboard.get_by_role("link", name="新規記事を書く")).to_be_in_viewport()
        expect(dashboard.get_by_role("heading", level=3).first).to_contain_text(first_heading[name])
        if name == "writer":
            expect(dashboard).to_contain_text("差し戻し理由（kenta_")
            expect(dashboard).to_contain_text("結論の根拠となる数字を足してください")
        else:
            expect(dashboard.get_by_role("list", name="レビュー待ち（自分の担当・未割り当て）")).to_contain_text(
                f"misaki_{width} さんが"
            )
            expect(dashboard).to_contain_text("「図表の出典を確認してください」")
        axe_audit.check(page, f"admin-dashboard-{name}-{width}")
        screenshots(page, f"dashboard-{name}-{width}")

    axe_audit.assert_clean(expect_known=False)
    assert people.problems == []


@pytest.mark.parametrize("width", [1280, 375])
def test_on_a_wide_screen_the_dashboard_takes_the_width_with_its_lists_side_by_side(people, width):
    """Django keeps its index 600 px wide; at 1280 that left half the screen empty beside one long column."""
    editor = make_person(roles.EDITOR, f"kenta_wide_{width}")
    for number in range(8):
        make_article(title=f"公開済みの分析{number}")
    page = people.open("editor", width=width)
    page.set_viewport_size({"width": width, "height": 812 if width == 375 else 800})
    log_in(page, editor)
    dashboard = page.get_by_role("region", name="編集部ダッシュボード")
    headings = dashboard.get_by_role("heading", level=3)
    boxes = [headings.nth(index).bounding_box() for index in range(headings.count())]
    published = dashboard.get_by_role("heading", name=re.compile("最近公開した記事")).bounding_box()

    if width == 1280:
        assert dashboard.bounding_box()["width"] >= 1100
        assert boxes[0]["y"] == boxes[1]["y"] == published["y"]  # the queue, the next list and the newest, in a row
        assert boxes[0]["x"] < boxes[1]["x"] < published["x"]
    else:
        assert all(earlier["y"] < later["y"] for earlier, later in itertools.pairwise(boxes))
        assert len({round(box["x"]) for box in boxes}) == 1  # one column, one under the other
    assert people.problems == []


@pytest.mark.parametrize("width", [1280, 375])
def test_a_share_preview_link_is_opened_and_copied_from_the_article(people, axe_audit, width):
    editor = make_person(roles.EDITOR, f"kenta_share_{width}")
    article = make_article(
        status=Status.IN_REVIEW, published_at=None, title="社外レビューの記事", body="社外向けの本文。"
    )
    page = people.open("editor", width=width)
    page.set_viewport_size({"width": width, "height": 812 if width == 375 else 800})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, editor)
    page.goto(reverse("admin:articles_article_change", args=[article.pk]))

    page.get_by_role("button", name="社外レビュー用の共有リンクを作る（7日間有効）").click()
    link = page.locator(".desk-share-links a").first
    expect(link).to_have_attribute("href", re.compile(r"^http://[^/]+/preview/[\w-]+/$"))
    expect(page.locator(".desk-share-links")).to_contain_text("有効期限")
    page.get_by_role("button", name="リンクをコピー").click()

    expect(page.locator(".desk-copy__status")).to_have_text("コピーしました")
    assert page.evaluate("navigator.clipboard.readText()") == link.get_attribute("href")
    link.scroll_into_view_if_needed()
    axe_audit.check(page, f"admin-share-link-{width}")
    screenshots(page, f"share-link-{width}")
    axe_audit.assert_clean(expect_known=False)
    assert people.problems == []
