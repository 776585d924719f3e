"""The 校正 panel's engine and endpoint: textlint (run by Node) flags, with the line and a suggestion, what a
Japanese desk checks by hand, and the house-style dictionary the 編集長 keeps in the admin."""

import subprocess
import sys
import time

import pytest
import yaml
from django.urls import reverse

from articles.desk import roles
from articles.models import HouseStyleTerm
from articles.proofreading import ProofreadingUnavailable, proofread
from tests.factories import make_user

pytestmark = pytest.mark.django_db
PROOFREAD_URL = "admin:articles_article_proofread"

TEXT = """## 設定

サーバを設定することが出来る。これは便利である。サーバーの設定は以上です。

これはペンです。私は私は学校へ行く。朝なら見れる。ＡＢＣ１２３と書いた。

この文はとても長い文であり、読者が最後まで読み切るのが難しいほどに多くの情報を詰め込んでいるため、途中で息継ぎが必要になり、結果として内容の理解を妨げてしまうことがあると多くの編集者に言われ続けてきた。
"""


def kinds(findings):
    return {(finding.line, finding.kind) for finding in findings}


def test_the_seeded_house_style_and_japanese_rules_are_flagged_with_line_and_suggestion():
    findings = proofread(TEXT, HouseStyleTerm.prh_dictionary())

    spelling = [finding for finding in findings if finding.kind == "表記ゆれ"]
    assert [(finding.line, finding.column, finding.suggestion) for finding in spelling] == [
        (3, 1, "サーバー"),
        (3, 12, "できる"),
    ]  # the サーバー already spelled right is left alone
    assert spelling[0].message == "表記を「サーバー」に統一します。"
    assert {(3, "文体の混在"), (5, "助詞の重複"), (5, "ら抜き言葉"), (5, "全角・半角"), (7, "長い文")} <= kinds(
        findings
    )
    full_width = [finding.suggestion for finding in findings if finding.kind == "全角・半角" and finding.suggestion]
    assert full_width == ["ABC", "123"]
    long_sentence = next(finding for finding in findings if finding.kind == "長い文")
    assert long_sentence.message.startswith("一文が 10") and "100 文字以内" in long_sentence.message


def test_clean_text_has_no_findings():
    assert proofread("## はじめに\n\nこの記事では、半導体の供給について説明します。\n", []) == []


def test_a_term_the_chief_adds_is_flagged_at_once(client):
    HouseStyleTerm.objects.create(variant="Webサイト", preferred="ウェブサイト")
    client.force_login(make_user(roles.WRITER))

    response = client.post(reverse(PROOFREAD_URL), {"content": "はじめに\n\n当社のWebサイトを刷新しました。"})

    assert response.status_code == 200
    assert {
        "line": 3,
        "column": 4,
        "kind": "表記ゆれ",
        "message": "表記を「ウェブサイト」に統一します。",
        "suggestion": "ウェブサイト",
    } in response.json()["findings"]


@pytest.mark.parametrize(
    ("variant", "preferred", "text", "flagged_columns"),
    [
        ("サーバ", "サーバー", "サーバとサーバーと", [1]),
        ("サイト", "ウェブサイト", "サイトとウェブサイトと", [1]),
        ("ログ", "ブログ記事", "ログとブログ記事とブログと", [1, 11]),
    ],
)
def test_a_variant_inside_its_preferred_spelling_is_not_flagged_there(variant, preferred, text, flagged_columns):
    term = HouseStyleTerm(variant=variant, preferred=preferred)

    findings = proofread(text + "書いた。", [{"pattern": term.prh_pattern(), "expected": preferred}])

    assert [finding.column for finding in findings if finding.kind == "表記ゆれ"] == flagged_columns


def test_only_the_desk_may_proofread(client):
    assert client.post(reverse(PROOFREAD_URL), {"content": "出来る"}).status_code == 302  # to the login form
    client.force_login(make_user(roles.WRITER))
    assert client.get(reverse(PROOFREAD_URL)).status_code == 405


def test_the_engine_missing_is_a_japanese_message_not_an_error(client, settings, tmp_path):
    settings.BASE_DIR = tmp_path  # no tools/node_modules here
    client.force_login(make_user(roles.WRITER))

    response = client.post(reverse(PROOFREAD_URL), {"content": "エンジンのない日に出来る"})

    assert response.status_code == 503
    assert "校正エンジン" in response.json()["error"] and "保存はできます" in response.json()["error"]


# Another server process in the middle of proofreading: it holds the first N lock files until it dies.
HOLD_PLACES = """
import fcntl, pathlib, sys, time
held = [(pathlib.Path(sys.argv[1]) / f"slot-{n}.lock").open("a") for n in range(int(sys.argv[2]))]
for lock in held:
    fcntl.flock(lock, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(120)
"""


def test_when_every_place_to_run_textlint_is_taken_the_editor_is_told_to_retry_and_loses_nothing(
    client, settings, tmp_path
):
    settings.PROOFREADING_CONCURRENCY, settings.PROOFREADING_LOCK_DIR = 2, str(tmp_path)
    settings.PROOFREADING_WAIT_SECONDS = 0.5
    holder = subprocess.Popen(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", HOLD_PLACES, str(tmp_path), "2"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        client.force_login(make_user(roles.WRITER))
        started = time.monotonic()

        busy = client.post(reverse(PROOFREAD_URL), {"content": "混み合う日に出来る"})

        assert busy.status_code == 503 and time.monotonic() - started < 5
        assert busy.json()["error"].startswith("校正が混み合っています（同時に 2 件まで）")
        assert "保存には影響しません" in busy.json()["error"]
    finally:
        holder.kill()  # its locks go with it, as they would with a crashed worker
        holder.wait()

    freed = client.post(reverse(PROOFREAD_URL), {"content": "混み合う日に出来る"})
    assert freed.status_code == 200
    assert "できる" in {finding["suggestion"] for finding in freed.json()["findings"]}


def test_a_lock_folder_that_cannot_be_written_is_a_japanese_message_naming_the_setting(client, settings, tmp_path):
    """Below a regular file, so that the operating system refuses even root, whom a read-only folder would not."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the lock folder should be")
    settings.PROOFREADING_LOCK_DIR = str(blocker / "locks")
    client.force_login(make_user(roles.WRITER))

    response = client.post(reverse(PROOFREAD_URL), {"content": "鍵のない日に出来る"})

    assert response.status_code == 503
    error = response.json()["error"]
    assert "PROOFREADING_LOCK_DIR" in error and "保存には影響しません" in error


def test_the_same_text_and_dictionary_are_answered_without_running_textlint_again(settings, tmp_path):
    dictionary = [{"pattern": "出来る", "expected": "できる"}]
    first = proofread("二度目は速く出来る。", dictionary)
    settings.BASE_DIR = tmp_path  # textlint is gone: only a remembered answer can come back

    assert proofread("二度目は速く出来る。", dictionary) == first
    with pytest.raises(ProofreadingUnavailable):
        proofread("二度目は速く出来る。", [*dictionary, {"pattern": "速く", "expected": "早く"}])


def test_only_the_editor_in_chief_edits_the_house_style_dictionary(client):
    term = HouseStyleTerm.objects.get(variant="サーバ")
    add_url = reverse("admin:articles_housestyleterm_add")
    change_url = reverse("admin:articles_housestyleterm_change", args=[term.pk])
    client.force_login(make_user(roles.EDITOR))

    assert client.get(reverse("admin:articles_housestyleterm_changelist")).status_code == 200  # reads it
    assert client.post(add_url, {"variant": "御社", "preferred": "貴社"}).status_code == 403
    client.post(change_url, {"variant": "サーバ", "preferred": "サーバ機"})
    assert HouseStyleTerm.objects.get(pk=term.pk).preferred == "サーバー"

    client.force_login(make_user(roles.EDITOR_IN_CHIEF))
    response = client.post(add_url, {"variant": "御社", "preferred": "貴社", "note": "社外向けの文書"})
    assert response.status_code == 302
    assert HouseStyleTerm.objects.filter(variant="御社", preferred="貴社").exists()


def test_the_dictionary_is_served_as_prh_yaml_to_the_desk(client):
    url = reverse("admin:articles_housestyleterm_prh")
    assert client.get(url).status_code == 302  # to the login form
    client.force_login(make_user(roles.WRITER))

    response = client.get(url)

    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    rules = yaml.safe_load(response.content)["rules"]
    assert {"expected": "サーバー", "pattern": "/サーバ(?!ー)/"} in rules
    assert {"expected": "できる", "pattern": "出来る"} in rules
    assert len(rules) == HouseStyleTerm.objects.count()


def test_a_term_that_changes_nothing_is_refused_in_japanese(client):
    client.force_login(make_user(roles.EDITOR_IN_CHIEF))

    response = client.post(
        reverse("admin:articles_housestyleterm_add"), {"variant": "サーバー", "preferred": "サーバー"}
    )

    assert "揺れた表記と同じです" in response.content.decode()
