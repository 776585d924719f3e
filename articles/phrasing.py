"""Japanese line breaking by phrase: BudouX's phrase boundaries as <wbr>, decided once, server-side.

With `word-break: keep-all` (static/css/site.css) a browser then breaks a title or a heading only where a
<wbr> allows it, so 「日本企業」 or 「2027年」 never split across lines, in every browser and not only in
Chromium's `auto-phrase`. Pure functions, no database: the model stores the result when an article is saved.
"""

import html
import re
from functools import cache

import budoux

WBR = "<wbr>"
_TAG = re.compile(r"(<[^>]*>)")
_WBR = re.compile(r"<wbr\s*/?>", re.I)
# BudouX's model sometimes cuts inside a number or a Latin word (202|7年); such a cut is never a phrase break.
_UNBREAKABLE = re.compile(r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ.,．，%％]")
_PUNCTUATION = re.compile(r"[：、。，．」』）】〕！？・]")
_AFTER_PUNCTUATION = re.compile(r"(?<=[：、。！？])(?=[^：、。，．」』）】〕！？・])")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


@cache
def parser():
    """BudouX's Japanese model, loaded once per process (articles/slugs.py uses it too)."""
    return budoux.load_default_japanese_parser()


def phrases(text):
    """`text` cut into phrases: BudouX's boundaries, and after ：、。！？, except inside
    numbers and Latin words, and never leaving one character as a phrase of its own (BudouX's 「：分|配金」)."""
    if not _JAPANESE.search(text):
        return [text] if text else []
    pieces = [piece for chunk in parser().parse(text) for piece in _AFTER_PUNCTUATION.split(chunk) if piece]
    merged = []
    for piece in pieces:
        if merged and _joins(merged[-1], piece):
            merged[-1] += piece
        else:
            merged.append(piece)
    if len(merged) > 1 and len(merged[-1]) == 1:
        merged[-2:] = [merged[-2] + merged[-1]]
    return merged


def _joins(previous, piece):
    """True when no break may fall between `previous` and `piece`."""
    inside_a_word = _UNBREAKABLE.match(previous[-1]) and _UNBREAKABLE.match(piece[0])
    return bool(inside_a_word) or (len(previous) == 1 and not _PUNCTUATION.match(previous))


def phrase_text(text):
    """Plain `text` as escaped HTML with <wbr> between its phrases."""
    return WBR.join(html.escape(phrase, quote=False) for phrase in phrases(text or ""))


def phrase_html(fragment):
    """An HTML fragment (already sanitized) with <wbr> between the phrases of each text run; tags and
    entities are kept as they are (text is unescaped to be cut, then escaped again)."""
    parts = _TAG.split(fragment or "")
    for index in range(0, len(parts), 2):  # even positions are text between tags
        parts[index] = phrase_text(html.unescape(parts[index]))
    return "".join(parts)


def stored_phrases(phrased, text):
    """The phrases phrase_text() stored for `text` as `phrased`; cut again if `phrased` is stale or missing."""
    pieces = [html.unescape(piece) for piece in (phrased or "").split(WBR)]
    return pieces if "".join(pieces) == text else phrases(text)


def strip_wbr(fragment):
    """`fragment` without the <wbr> added here: for feeds, whose readers lay text out themselves."""
    return _WBR.sub("", fragment or "")
