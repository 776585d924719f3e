"""The checker behind tests/test_xss.py flags raw markup that would run script, and passes what would not:
a checker that never complains would let every XSS test pass."""

import pytest

from tests.html_safety import outside_allow_list, parse_fragment, unsafe_markup

RUNS_SCRIPT = [
    "<script>alert(1)</script>",
    "<svg><script>alert(1)</script></svg>",
    "<template><script>alert(1)</script></template>",
    "<img src=x onerror=alert(1)>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<a href='jav&#x09;ascript:alert(1)'>x</a>",
    "<a href=' \x01JavaScript:alert(1)'>x</a>",
    "<a href='&#106;avascript:alert(1)'>x</a>",
    "<a href='data:text/html,<script>alert(1)</script>'>x</a>",
    "<svg><a xlink:href='javascript:alert(1)'><text>x</text></a></svg>",
    "<svg><a><set attributeName=href to=javascript:alert(1) /><text>x</text></a></svg>",
    "<math><mtext><mglyph><style><img src=x onerror=alert(1)>",  # the mXSS classic after its re-parse
    "<iframe srcdoc='&lt;script&gt;alert(1)&lt;/script&gt;'></iframe>",
    "<object data=x></object>",
    "<embed src=x>",
    "<base href=/>",
    "<meta http-equiv=refresh content='0;url=https://evil.example/'>",
    "<link rel=import href=x>",
    "<button formaction=javascript:alert(1)>x</button>",
    "<img srcset='https://example.com/a.png 1x, javascript:alert(1) 2x'>",
    "<div style='background:url(javascript:alert(1))'>x</div>",
    "<p style='x:expr/**/ession(alert(1))'>x</p>",
    "<p style='background:\\75 rl(javascript:alert(1))'>x</p>",
    "<style>*{x:expression(alert(1))}</style>",
    '<script type="application/ld+json">{"a":"</script><script>alert(1)</script>"}</script>',
    '<script type="application/ld+json">{"a":"<!--<script>"}</script>',
    '<script type="application/ld+json" src="//evil.example/x.js"></script>',
    '<script src="/static/admin/js/x.js">alert(1)</script>',
]

HARMLESS = [
    '<a href="https://example.com/" rel="noopener noreferrer">x</a>',
    '<a href="mailto:desk@example.com">x</a>',
    '<a href="java\u200bscript:alert(1)">a relative URL to browsers</a>',
    "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
    '<img src="/media/a.png" alt="onerror=alert(1)">',
    '<td style="text-align:center">x</td>',
    '<script type="application/ld+json">{"headline":"\\u003C/script\\u003E"}</script>',
    '<meta property="og:description" content="javascript:alert(1)">',
]


@pytest.mark.parametrize("markup", RUNS_SCRIPT)
def test_markup_that_could_run_script_is_flagged(markup):
    assert unsafe_markup(parse_fragment(markup))


@pytest.mark.parametrize("markup", HARMLESS)
def test_harmless_markup_is_not_flagged(markup):
    assert unsafe_markup(parse_fragment(markup)) == []


def test_the_admins_own_script_files_pass_only_when_named():
    markup = '<script src="/static/admin/js/core.js"></script>'

    assert unsafe_markup(parse_fragment(markup))
    assert unsafe_markup(parse_fragment(markup), own_scripts=("/static/admin/js/",)) == []


def test_the_allow_list_check_flags_elements_and_attributes_the_sanitizer_drops():
    fragment = parse_fragment('<p id="x" onclick="y">a</p><svg></svg><form></form><a href="/" rel="noopener">b</a>')

    assert outside_allow_list(fragment) == [
        "<p> has attributes off the allow-list: ['onclick']",
        "<svg> (http://www.w3.org/2000/svg) is not on the allow-list",
        "<form> (http://www.w3.org/1999/xhtml) is not on the allow-list",
    ]
