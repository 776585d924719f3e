"""Issue #18 items 1-3 in a real browser: nothing typed is lost (autosave, restore after a reload, a warning
before leaving), the status panel's steps are visible without scrolling, the article list's titles are
readable, and bulk 今すぐ公開する first names what it will do. axe-core checks each desk page on the way."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from articles.desk import roles
from articles.models import Article, Autosave
from tests.e2e.conftest import E2E_ARTIFACTS, log_in, make_person
from tests.factories import make_article

Status = Article.Status
# The live server commits; the role groups come from a data migration, which a flush would remove.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SCREENS = {"1280": (1280, 800), "375": (375, 812)}
LONG_TITLE = "生成AIが押し上げるデータセンターの電力需要と、送電網の増強に必要な投資の規模を読み解く"


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def screenshot(page, name):
    folder = E2E_ARTIFACTS / "desk"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"{name}.png")


@pytest.fixture
def writer():
    return make_person(roles.WRITER, "kaito_writer")


@pytest.fixture
def draft(writer):
    return make_article(
        title="円安と輸出企業の決算", body="最初の段落です。", status=Status.DRAFT, published_at=None, created_by=writer
    )


def test_typed_text_survives_a_reload_and_is_restored(people, axe_audit, writer, draft):
    page = people.open("writer")
    log_in(page, writer)
    page.goto(change_url(draft))
    page.on("dialog", lambda dialog: dialog.accept())  # the leave-page question, answered "leave"

    page.get_by_label("タイトル:").fill("円安と輸出企業の決算を読む")
    page.locator("#id_body").fill("最初の段落です。\n\n自動保存されるはずの二段落目。")
    expect(page.locator("#desk-autosave")).to_contain_text("自動保存しました")
    page.reload()

    offer = page.locator("#desk-autosave-offer")
    expect(offer).to_contain_text("保存されていない入力があります")
    expect(offer.locator("ins").first).to_be_visible()
    expect(offer).to_contain_text("自動保存されるはずの二段落目")
    expect(page.get_by_label("タイトル:")).to_have_value("円安と輸出企業の決算")  # nothing changed by itself
    axe_audit.check(page, "admin-autosave-offer")
    screenshot(page, "autosave-offer-1280")

    offer.get_by_role("button", name="復元する").click()
    expect(offer).to_have_count(0)
    expect(page.get_by_label("タイトル:")).to_have_value("円安と輸出企業の決算を読む")
    expect(page.locator("#id_body")).to_have_value("最初の段落です。\n\n自動保存されるはずの二段落目。")
    page.get_by_role("button", name="保存して編集を続ける").click()
    expect(page.locator(".messagelist li")).to_have_count(1)

    draft.refresh_from_db()
    assert draft.title == "円安と輸出企業の決算を読む" and "二段落目" in draft.body
    assert not Autosave.objects.exists()
    axe_audit.assert_clean(expect_known=False)
    assert not people.problems, "\n".join(people.problems)


def test_a_new_article_never_saved_is_offered_back(people, axe_audit, writer):
    page = people.open("writer")
    log_in(page, writer)
    page.goto(reverse("admin:articles_article_add"))
    page.on("dialog", lambda dialog: dialog.accept())

    page.get_by_label("タイトル:").fill("まだ一度も保存していない記事")
    page.locator("#id_body").fill("書き始めたばかりの本文。")
    expect(page.locator("#desk-autosave")).to_contain_text("自動保存しました")
    page.reload()

    expect(page.locator("#desk-autosave-offer")).to_contain_text("空の新規記事")
    axe_audit.check(page, "admin-add-autosave-offer")
    page.get_by_role("button", name="復元する").click()
    expect(page.get_by_label("タイトル:")).to_have_value("まだ一度も保存していない記事")
    expect(page.locator("#id_body")).to_have_value("書き始めたばかりの本文。")
    axe_audit.assert_clean(expect_known=False)
    assert not people.problems, "\n".join(people.problems)


def test_leaving_with_unsaved_changes_asks_first_and_a_save_does_not(people, writer, draft):
    page = people.open("writer")
    log_in(page, writer)
    page.goto(change_url(draft))
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # "stay on this page"

    page.on("dialog", answer)
    page.goto(reverse("admin:index"))  # nothing typed yet: no question
    assert asked == []

    page.goto(change_url(draft))
    page.locator("#id_body").click()
    page.keyboard.type("書きかけ")
    page.get_by_role("link", name="ホーム").click()
    expect(page).to_have_url(f"{people.base_url}{change_url(draft)}")
    assert asked == ["beforeunload"]

    page.get_by_role("button", name="保存して編集を続ける").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert asked == ["beforeunload"]  # a save is not leaving with unsaved changes
    assert not people.problems, "\n".join(people.problems)


@pytest.mark.parametrize("screen", SCREENS)
def test_each_role_sees_its_steps_at_the_top_without_scrolling(people, axe_audit, writer, screen):
    width, height = SCREENS[screen]
    editor, chief = make_person(roles.EDITOR, "sakura_editor"), make_person(roles.EDITOR_IN_CHIEF, "ren_chief")
    sent_back = make_article(title=LONG_TITLE, status=Status.IN_REVIEW, published_at=None, created_by=writer)
    from articles.desk import workflow

    workflow.perform("request_changes", sent_back, editor, comment="第二節の数字に出典を付けてください。")
    in_review = make_article(title="為替の見通し", status=Status.IN_REVIEW, published_at=None, created_by=writer)
    scheduled = make_article(title="半導体の供給網", status=Status.SCHEDULED, created_by=writer,
                             published_at=timezone.now() + timedelta(days=2))  # fmt: skip
    seen = {
        "writer": (writer, sent_back, ["レビューに出す"], "第二節の数字に出典を付けてください。"),
        "editor": (editor, in_review, ["差し戻す", "承認する"], "レビュー待ち"),
        "chief": (chief, scheduled, ["予約公開する", "今すぐ公開する", "非公開にする"], "予約: "),
    }
    for name, (person, article, steps, shown) in seen.items():
        for scheme in ("light", "dark"):
            page = people.open(f"{name}-{scheme}", width=width, height=height, color_scheme=scheme)
            log_in(page, person)
            page.goto(change_url(article))
            panel = page.locator("#desk-status")
            expect(panel.get_by_role("heading", name="状態と次の操作")).to_be_visible()
            expect(panel).to_contain_text(shown)
            for step in steps:
                expect(panel.get_by_role("link", name=step, exact=True)).to_be_in_viewport(ratio=1)
            screenshot(page, f"status-{name}-{screen}-{scheme}")
            if scheme == "light":
                axe_audit.check(page, f"admin-status-{name}-{screen}")
    axe_audit.assert_clean(expect_known=False)
    assert not people.problems, "\n".join(people.problems)


@pytest.mark.parametrize("screen", SCREENS)
def test_the_list_shows_readable_titles(people, axe_audit, writer, screen):
    width, height = SCREENS[screen]
    chief = make_person(roles.EDITOR_IN_CHIEF, "ren_chief")
    for number in range(6):
        make_article(title=f"{LONG_TITLE}（{number}）", status=Status.DRAFT, published_at=None, created_by=writer)
    for scheme in ("light", "dark"):
        page = people.open(f"chief-{scheme}", width=width, height=height, color_scheme=scheme)
        log_in(page, chief)
        page.goto(reverse("admin:articles_article_changelist"))
        cell = page.locator("#result_list th.field-title").first
        expect(cell).to_be_visible()
        cell_width, font_size = cell.evaluate(
            "cell => [cell.getBoundingClientRect().width, parseFloat(getComputedStyle(cell).fontSize)]"
        )
        characters = 24 if screen == "1280" else 14
        assert cell_width >= characters * font_size, (cell_width, font_size)
        expect(cell).to_be_in_viewport(ratio=1)
        for heading in ("状態", "著者", "カテゴリ", "最終更新", "公開・予約日時"):
            expect(page.locator("#result_list thead")).to_contain_text(heading)
        screenshot(page, f"list-{screen}-{scheme}")
        if scheme == "light":
            axe_audit.check(page, f"admin-list-{screen}")
    axe_audit.assert_clean(expect_known=False)
    assert not people.problems, "\n".join(people.problems)


def test_bulk_publish_names_each_article_and_the_scheduled_time_it_would_override(people, axe_audit, writer):
    chief = make_person(roles.EDITOR_IN_CHIEF, "ren_chief")
    due = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    ready = make_article(title="承認済みの記事", status=Status.APPROVED, published_at=None, created_by=writer)
    scheduled = make_article(title="予約した記事", status=Status.SCHEDULED, published_at=due, created_by=writer)
    page = people.open("chief")
    log_in(page, chief)
    page.goto(reverse("admin:articles_article_changelist"))

    for article in (ready, scheduled):
        page.locator(f"input[name=_selected_action][value='{article.pk}']").check()
    page.get_by_label("操作:").select_option("bulk_publish")
    page.get_by_role("button", name="実行").click()

    shown_due = timezone.localtime(due).strftime("%Y年%-m月%-d日 %H:%M")
    table = page.locator(".desk-bulk-confirm table")
    expect(table).to_contain_text("「承認済みの記事」")
    expect(table).to_contain_text("「予約した記事」")
    expect(page.get_by_label(f"予約時刻（{shown_due}）を取り消して今すぐ公開する")).not_to_be_checked()
    assert Article.objects.get(pk=ready.pk).status == Status.APPROVED  # nothing yet
    axe_audit.check(page, "admin-bulk-publish-confirmation")
    screenshot(page, "bulk-publish-confirmation-1280")

    page.get_by_role("button", name="公開する").click()
    expect(page.locator(".messagelist")).to_contain_text("1 件に「今すぐ公開する」を行いました: 「承認済みの記事」")
    expect(page.locator(".messagelist")).to_contain_text(f"「予約した記事」: {shown_due} の予約公開のままです")
    scheduled.refresh_from_db()
    assert (scheduled.status, scheduled.published_at) == (Status.SCHEDULED, due)
    axe_audit.assert_clean(expect_known=False)
    assert not people.problems, "\n".join(people.problems)
