import re
from html.parser import HTMLParser

import frontmatter
import pytest

from articles.markdown import (
    count_reading_characters,
    html_to_text,
    reading_time_minutes,
    render_markdown,
    summarize,
    table_of_contents,
)

DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "background", "srcset"}


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def parsed_elements(html):
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def assert_harmless(html):
    for tag, attrs in parsed_elements(html):
        assert tag not in {"script", "style", "iframe", "object", "embed", "svg", "math", "form", "input", "base"}
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in URL_ATTRIBUTES and value:
                squashed = "".join(value.split()).lower()
                assert not squashed.startswith(DANGEROUS_SCHEMES), (tag, name, value)


HOSTILE_INPUTS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<img src=x OnError=alert(1)>",
    '<img src="x" onerror="alert(1)"/>',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><script>alert(1)</script></mtext></math>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<a href=javascript:alert(1)>x</a>",
    "<a href=JaVaScRiPt:alert(1)>x</a>",
    "<a href='&#106;avascript:alert(1)'>x</a>",
    "<a href='jav&#x09;ascript:alert(1)'>x</a>",
    "<a href=' javascript:alert(1)'>x</a>",
    "<a href=vbscript:msgbox(1)>x</a>",
    "<a href='data:text/html,<script>alert(1)</script>'>x</a>",
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2Zy8+)",
    '![x](https://example.com/a.png" onerror="alert(1))',
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<p style='x:expression(alert(1))'>x</p>",
    "<body onload=alert(1)>",
    "<form action=javascript:alert(1)><input type=submit></form>",
    "<button formaction=javascript:alert(1)>x</button>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<base href=javascript:alert(1)//>",
    "<details open ontoggle=alert(1)>",
    '<a href="#" onclick="alert(1)">x</a>',
    "<!-- <script>alert(1)</script> -->",
    "<style>body{background:red}</style>",
    "```html\n<script>alert(1)</script>\n```",
    "段落 {: onclick=alert(1) }",
    "## 見出し {: onmouseover=alert(1) }",
    "<video poster=javascript:alert(1)></video>",
    "<table background=javascript:alert(1)><tr><td>x</td></tr></table>",
]


@pytest.mark.parametrize("payload", HOSTILE_INPUTS)
def test_hostile_markdown_is_sanitized(payload):
    html = render_markdown(payload)

    assert_harmless(html)
    assert "<script" not in html.lower()


def test_code_blocks_show_markup_as_text_not_elements():
    html = render_markdown("```html\n<script>alert(1)</script>\n```")

    assert "<script>alert(1)</script>" in html_to_text(html)
    assert not any(tag == "script" for tag, _ in parsed_elements(html))


def test_archive_markdown_features_render():
    html = render_markdown(
        "# 大見出し\n\n## 見出し\n\n**太字**の段落。\n\n"
        "1. 一つ目\n2. 二つ目\n\n* 箇条A\n* 箇条B\n\n"
        "> 引用文\n\n"
        "| 列1 | 列2 |\n|---|---|\n| a | b |\n\n"
        "[リンク](https://example.com/)と![図](https://example.com/a.png)\n\n"
        "```python\nprint('こんにちは')\n```\n\n"
        "注釈付き[^1]\n\n[^1]: 注釈の本文\n"
    )
    tags = [tag for tag, _ in parsed_elements(html)]

    for expected in ("h2", "strong", "ol", "ul", "li", "blockquote", "table", "th", "td", "a", "img", "pre", "sup"):
        assert expected in tags, expected
    assert "h1" not in tags  # the page title is the only h1
    assert '<span class="nb">print</span>' in html  # Pygments highlighting
    assert "h1" not in "".join(tags)
    assert 'id="見出し"' in html  # Japanese heading anchors
    assert "注釈の本文" in html


def test_links_keep_safe_urls():
    html = render_markdown("[a](https://example.com/x?y=1) [b](/articles/技術/) [c](mailto:desk@example.com)")
    hrefs = [attrs["href"] for tag, attrs in parsed_elements(html) if tag == "a"]

    assert hrefs == ["https://example.com/x?y=1", "/articles/%E6%8A%80%E8%A1%93/", "mailto:desk@example.com"]


def test_an_image_with_a_title_is_a_figure_with_its_caption():
    html = render_markdown('![横浜港の夜景](/media/port.jpg "横浜港、2025年12月撮影")')

    assert html.strip() == (
        '<figure><img src="/media/port.jpg" alt="横浜港の夜景" loading="lazy" decoding="async">'
        "<figcaption>横浜港、2025年12月撮影</figcaption></figure>"
    )


def test_an_image_caption_is_text_and_an_inline_image_keeps_its_paragraph():
    captioned = render_markdown('![a](/a.jpg "<script>alert(1)</script>")')
    inline = render_markdown('本文 ![港](/a.jpg "港") の続き')

    assert "<script>" not in captioned and "<figcaption>&lt;script&gt;" in captioned
    assert inline.startswith("<p>本文 <img") and "<figure>" not in inline


def test_reading_time_counts_characters_without_whitespace():
    html = render_markdown("あ い う\n\n" + "え" * 497)

    assert count_reading_characters(html) == 500
    assert reading_time_minutes(html) == 1
    assert reading_time_minutes(render_markdown("え" * 501)) == 2
    assert reading_time_minutes("") == 0
    assert reading_time_minutes(render_markdown("短い")) == 1


def test_summary_is_first_paragraph_as_plain_text_and_bounded():
    html = render_markdown("**最初の**段落です。&amp;\n\n二番目の段落。")

    assert summarize(html) == "最初の段落です。&"
    long_summary = summarize(render_markdown("長" * 300))
    assert len(long_summary) == 120
    assert long_summary.endswith("…")


def test_sample_post_reads_in_eight_minutes(shared_sample):
    """About 3,930 non-whitespace characters -> 8 minutes (counting whitespace would give 9).

    3,928 rather than the archive's 3,934: its two bulleted lists follow a bold line directly, and
    render as real lists here, so their `*` markers are no longer text; and bold next to Japanese
    punctuation renders as bold (articles/markdown_cjk.py), so its `**` are no longer text either."""
    _, body = frontmatter.parse(shared_sample.read_text(encoding="utf-8"))
    html = render_markdown(body)

    assert count_reading_characters(html) == 3928
    assert reading_time_minutes(html) == 8
    assert html.count("<li>") == 10  # 4 numbered + 2 x 3 bulleted items


def test_sample_post_bold_lines_are_headings_in_the_table_of_contents(shared_sample):
    _, body = frontmatter.parse(shared_sample.read_text(encoding="utf-8"))
    headings = [text for _, _, text in table_of_contents(render_markdown(body))]

    assert headings[:3] == [
        "AWSの「シリコン戦略」の核心",
        "なぜ今、AWSは自社チップを加速させるのか？",
        "投資家と技術者が今、注目すべきこと",
    ]
    assert len(headings) == 5


def test_a_list_may_follow_a_paragraph_line_directly():
    html = render_markdown("**ポイント:**\n*   一つ目\n*   二つ目")

    assert "<ul>" in html
    assert html.count("<li>") == 2


def test_bold_line_becomes_a_heading_only_when_it_stands_alone():
    html = render_markdown("## 本当の見出し\n\n**小見出し**\n\n**太字**と普通の文。\n\n**A** と **B**")
    toc = table_of_contents(html)

    assert [(level, text) for level, _, text in toc] == [(2, "本当の見出し"), (3, "小見出し")]
    assert "<p><strong>太字</strong>と普通の文。</p>" in html


def test_summary_leaves_out_footnote_marks():
    html = render_markdown("供給網は三つに分かれます。[^1]\n\n[^1]: 出典")

    assert summarize(html) == "供給網は三つに分かれます。"


# --- Emphasis next to Japanese punctuation (articles/markdown_cjk.py) ----------------------------------


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("**Graviton（グラビトン）**シリーズ", "<strong>Graviton（グラビトン）</strong>シリーズ"),
        ("**HBM（高帯域メモリ）**の供給", "<strong>HBM（高帯域メモリ）</strong>の供給"),
        ("この**「見通し」**は", "この<strong>「見通し」</strong>は"),
        ("*（注）*です", "<em>（注）</em>です"),
        ("結論は**明確。**次に", "結論は<strong>明確。</strong>次に"),
        ("売上は**前年比20%増**となった", "売上は<strong>前年比20%増</strong>となった"),
    ],
)
def test_emphasis_next_to_japanese_punctuation_renders(markdown, expected):
    assert expected in render_markdown(markdown)


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("foo**bar**", "foo<strong>bar</strong>"),
        ("**foo**bar", "<strong>foo</strong>bar"),
        ("a * b * c", "a * b * c"),
        ("snake_case_name", "snake_case_name"),
        ('**"quoted"**word', '**"quoted"**word'),  # CommonMark's own rule where no CJK is involved
        ("_foo_bar", "_foo_bar"),
    ],
)
def test_emphasis_without_japanese_follows_commonmark(markdown, expected):
    assert f"<p>{expected}</p>" in render_markdown(markdown).replace("&quot;", '"')


def test_every_bold_phrase_of_the_sample_post_is_bold(shared_sample):
    """The archive's kramdown made each **…** bold; none may be left as literal asterisks."""
    _, body = frontmatter.parse(shared_sample.read_text(encoding="utf-8"))
    rendered = render_markdown(body)
    bold = {html_to_text(inner) for inner in re.findall(r"<(?:strong|h2[^>]*)>(.*?)</(?:strong|h2)>", rendered)}

    phrases = re.findall(r"\*\*(.+?)\*\*", body)
    assert phrases
    assert [phrase for phrase in phrases if html_to_text(render_markdown(phrase)) not in bold] == []
    assert "**" not in html_to_text(rendered)


@pytest.mark.django_db
def test_stored_articles_are_rerendered_by_the_migration():
    """Migration 0011 makes stored HTML again with the CJK-friendly renderer."""
    import importlib

    from django.apps import apps

    from articles.models import Article
    from tests.factories import make_article

    article = make_article(body="**HBM（高帯域メモリ）**の供給")
    Article.objects.filter(pk=article.pk).update(body_html="<p>**HBM（高帯域メモリ）**の供給</p>")
    migration = importlib.import_module("articles.migrations.0011_rerender_cjk_emphasis")

    migration.rerender(apps, None)

    assert "<strong>HBM（高帯域メモリ）</strong>" in Article.objects.get(pk=article.pk).body_html


def test_repeated_headings_get_numbered_ids_each_once():
    """Ids as mdit-py-plugins' anchors gave them (h, h-1, …; a literal `h-1` heading then gets h-1-1), but
    found in linear time: 20,000 repeats took 22 s before (make bench-bounds)."""
    ids = re.findall(r'<h2 id="([^"]+)"', render_markdown("## h\n\n" * 3000 + "## h-1\n\n## a\n\n## a\n"))

    assert ids[:3] == ["h", "h-1", "h-2"] and ids[2999] == "h-2999"
    assert ids[3000:] == ["h-1-1", "a", "a-1"]
    assert len(set(ids)) == len(ids)


def test_a_body_over_the_limit_is_refused_with_its_length():
    from articles.markdown import BODY_MAX_CHARACTERS, body_length_refusal

    assert body_length_refusal("あ" * BODY_MAX_CHARACTERS) == ""
    assert "200,001 文字" in body_length_refusal("あ" * (BODY_MAX_CHARACTERS + 1))
