"""Emphasis next to Japanese punctuation, as Japanese writers expect: a markdown-it-py rule.

CommonMark decides whether `**` opens or closes from the characters on either side, and punctuation next to
a letter blocks it: `**Graviton（グラビトン）**シリーズ` and `**「規制」**は` stay as literal asterisks,
although the archive's kramdown made them bold. The CommonMark "CJK-friendly amendments"
(github.com/tats-u/markdown-cjk-friendly, specification.md; the rule the npm `markdown-it-cjk-friendly`
plugin implements) change only the flanking rules: CJK punctuation such as （）「」、。 no longer blocks a
delimiter run, and a CJK character counts like whitespace beside other punctuation. Text without CJK
characters is parsed exactly as CommonMark says. Pure code, no database.

Not covered, as the spec leaves them unspecified or rare here: a Standard Variation Selector after
whitespace, and the "CJK ambiguous punctuation sequences" (an East Asian Width A punctuation mark followed by
a variation selector asking for its full-width form).
"""

import unicodedata

from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline.state_inline import Delimiter

# U+FE00–U+FE0E: variation selectors that may follow a CJK character (U+FE0F asks for an emoji).
_GENERAL_USE_VS = range(0xFE00, 0xFE0F)
_IDEOGRAPHIC_VS = range(0xE0100, 0xE01F0)
_HANGUL = (range(0x1100, 0x1200), range(0x3130, 0x3190), range(0xA960, 0xA980), range(0xAC00, 0xD7B0),
           range(0xD7B0, 0xD800), range(0xFFA0, 0xFFDD))  # fmt: skip


def is_cjk(character):
    """A CJK character in the spec's sense: East Asian Width W, F or H and not an emoji, or Hangul.

    Emoji are approximated as the wide symbols (category So) outside the CJK blocks: U+2300–U+2FFF
    (⌚ ⭐ ♈ …) and U+1F000 and above; CJK symbols such as 〒 or ㈱ stay CJK."""
    code = ord(character)
    if any(code in block for block in _HANGUL):
        return True
    if unicodedata.east_asian_width(character) not in {"W", "F", "H"}:
        return False
    is_symbol = unicodedata.category(character) == "So"
    return not (is_symbol and (0x2300 <= code < 0x3000 or code >= 0x1F000))


def _is_punctuation(character):
    return isMdAsciiPunct(ord(character)) or isPunctChar(character)


def _is_non_cjk_punctuation(character):
    return _is_punctuation(character) and not is_cjk(character)


def scan_delimiters(state, start, can_split_word):
    """StateInline.scanDelims with the CJK-friendly flanking rules: (can_open, can_close, length)."""
    source, end = state.src, state.posMax
    marker = source[start]
    position = start
    while position < end and source[position] == marker:
        position += 1
    length = position - start

    before = source[start - 1] if start > 0 else " "  # the start of the line counts as whitespace
    # A variation selector after a character makes one sequence with it: the character decides.
    base_before = source[start - 2] if ord(before) in _GENERAL_USE_VS and start > 1 else before
    after = source[position] if position < end else " "

    before_space, after_space = isWhiteSpace(ord(before)), isWhiteSpace(ord(after))
    left_flanking = not after_space and (
        not _is_non_cjk_punctuation(after)
        or before_space
        or _is_non_cjk_punctuation(base_before)
        or is_cjk(base_before)
        or ord(before) in _IDEOGRAPHIC_VS
    )
    right_flanking = not before_space and (
        not _is_non_cjk_punctuation(base_before) or after_space or _is_non_cjk_punctuation(after) or is_cjk(after)
    )
    if can_split_word:  # `*`
        return left_flanking, right_flanking, length
    can_open = left_flanking and (not right_flanking or _is_punctuation(base_before))
    can_close = right_flanking and (not left_flanking or _is_punctuation(after))
    return can_open, can_close, length


def emphasis(state, silent):
    """markdown-it's emphasis tokenizer with scan_delimiters in place of state.scanDelims."""
    marker = state.src[state.pos]
    if silent or marker not in {"_", "*"}:
        return False
    can_open, can_close, length = scan_delimiters(state, state.pos, marker == "*")
    for _ in range(length):
        token = state.push("text", "", 0)
        token.content = marker
        state.delimiters.append(
            Delimiter(
                marker=ord(marker), length=length, token=len(state.tokens) - 1, end=-1, open=can_open, close=can_close
            )
        )
    state.pos += length
    return True


def cjk_friendly_emphasis(parser):
    """Use on a MarkdownIt parser: its emphasis follows the CJK-friendly flanking rules."""
    parser.inline.ruler.at("emphasis", emphasis)
