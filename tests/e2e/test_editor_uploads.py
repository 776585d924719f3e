"""Dropping files on the Markdown editor: a refused file inserts nothing and says why, beside the editor."""

import base64
import io
import re

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from articles.desk import roles
from articles.models import Article
from tests.e2e.conftest import E2E_ARTIFACTS, log_in, make_person, stop_autosaving
from tests.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DROP = """([name, type, base64]) => {
    const bytes = Uint8Array.from(atob(base64), character => character.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], name, {type}));
    const editor = document.querySelector("#id_body");
    editor.focus();
    editor.setSelectionRange(editor.value.length, editor.value.length);
    editor.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
}"""


def png_base64():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), (20, 80, 160)).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def test_a_refused_drop_inserts_nothing_and_a_good_one_inserts_the_image(people, axe_audit, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    writer = make_person(roles.WRITER, "misaki_writer")
    article = make_article(status=Article.Status.DRAFT, published_at=None, created_by=writer, body="書きかけの本文。")
    page = people.open("writer")
    log_in(page, writer)
    page.goto(reverse("admin:articles_article_change", args=[article.pk]))
    body = page.locator("#id_body")
    body.fill("書きかけの本文。ここに図を入れる")

    pdf = base64.b64encode(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").decode()
    page.evaluate(DROP, ["決算資料.pdf", "application/pdf", pdf])

    status = page.get_by_role("alert")
    expect(status).to_contain_text("決算資料.pdf")
    expect(status).to_contain_text("画像")
    expect(body).to_have_value("書きかけの本文。ここに図を入れる")
    axe_audit.check(page, "admin-upload-refused")
    E2E_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=E2E_ARTIFACTS / "admin-upload-refused.png")

    page.evaluate(DROP, ["chart.png", "image/png", png_base64()])

    # The image goes in only once it is described: an empty alt text is refused, in Japanese.
    dialog = page.get_by_role("dialog", name="画像の説明を入力してください")
    dialog.get_by_role("button", name="挿入する").click()
    expect(dialog.get_by_role("alert")).to_contain_text("代替テキストを入力してください")
    expect(body).to_have_value("書きかけの本文。ここに図を入れる")
    axe_audit.check(page, "admin-upload-alt-text")
    page.screenshot(path=E2E_ARTIFACTS / "admin-upload-alt-text.png")
    dialog.get_by_label("代替テキスト（必須）").fill("2025年度の売上推移を示す棒グラフ")
    dialog.get_by_label("キャプション（任意・画像の下に表示されます）").fill("出典: 決算資料")
    dialog.get_by_role("button", name="挿入する").click()

    expect(dialog).to_be_hidden()
    expect(body).to_have_value(
        re.compile(
            r"^書きかけの本文。ここに図を入れる\n\n!\[2025年度の売上推移を示す棒グラフ\]"
            r'\(/media/uploads/\d{4}/\d{2}/\w+\.png "出典: 決算資料"\)\n$'
        )
    )
    expect(status).to_be_hidden()
    # On a paragraph of its own, the caption is the figure's, in the preview as on the article's page.
    preview = page.frame_locator("iframe.desk-preview-frame")
    expect(preview.locator("figure figcaption")).to_have_text("出典: 決算資料")
    expect(preview.locator("figure img")).to_have_attribute("alt", "2025年度の売上推移を示す棒グラフ")
    page.locator("iframe.desk-preview-frame").scroll_into_view_if_needed()
    page.screenshot(path=E2E_ARTIFACTS / "admin-upload-figure.png")
    stop_autosaving(page)
    axe_audit.assert_clean(expect_known=False)
    # The refused upload's 400 is the answer under test; nothing else may have failed.
    assert [problem for problem in people.problems if "/markdownx/upload/" not in problem] == []
