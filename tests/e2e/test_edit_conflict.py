"""Two editors in two browsers open the same article; the second save is refused and keeps their text."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from articles.desk import roles
from articles.models import Article
from tests.e2e.conftest import E2E_ARTIFACTS, log_in, make_person
from tests.factories import make_article

# The live server commits; the role groups come from a data migration, which a flush would remove.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def draft():
    writer = make_person(roles.WRITER, "kaito_writer")
    return make_article(title="円安と輸出企業の決算", status=Article.Status.DRAFT, published_at=None, created_by=writer)


def test_second_save_from_a_stale_form_is_refused_and_keeps_the_typed_text(people, axe_audit, draft):
    first, second = people.open("editor-1"), people.open("editor-2")
    for page, username in ((first, "sakura_editor"), (second, "haruto_editor")):
        log_in(page, make_person(roles.EDITOR, username))
        page.goto(reverse("admin:articles_article_change", args=[draft.pk]))
        expect(page.locator("#id_body")).to_have_value(draft.body)

    first.locator("#id_body").fill("為替の影響を先に書き直しました。")
    first.get_by_role("button", name="保存して編集を続ける").click()
    expect(first.locator(".messagelist .success")).to_be_visible()

    typed = "第二の編集者が時間をかけて書いた段落です。\n\n## 見通し\n\n円安は続くのか。"
    second.locator("#id_body").fill(typed)
    second.get_by_role("button", name="保存して編集を続ける").click()
    expect(second.locator(".errornote, .errorlist").first).to_be_visible()
    expect(second.locator("#content")).to_contain_text("他の人が保存しました")
    expect(second.locator("#id_body")).to_have_value(typed)
    axe_audit.check(second, "admin-refused-save")
    E2E_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    second.screenshot(path=E2E_ARTIFACTS / "admin-refused-save.png")

    draft.refresh_from_db()
    assert draft.body == "為替の影響を先に書き直しました。"
    axe_audit.assert_clean(expect_known=False)
    assert not people.problems, "\n".join(people.problems)
