"""Search text, pure (no database): normalisation, word analysis, index terms, highlights and snippets.

Text is NFKC-folded and case-folded, then cut into runs of letters and digits (a run ends at a space, at
punctuation and where Japanese script meets Latin letters or digits, so 「生成AI」 and 「生成 AI」 agree).
Each run is read twice:

- as characters and overlapping pairs of characters (bigrams): what the n-gram index (GIN or FTS5) finds
  candidates with, whatever a dictionary knows;
- as words, by SudachiPy (sudachidict-core; see run_words()), each word in its dictionary-normalised
  form, so サーバ and サーバー, ｶﾞｽ and ガス, 取組 and 取り組み are the same word. The words go into the
  index as lexemes marked `__` and into "word text": the field's words separated by one space, runs by
  two, with a space at both ends, so " 京都 " is a whole word and 東京都 (" 東京 都 ") does not hold 京都.

The analyser is loaded once per process, on first use (about 50 ms and 70 MB for the dictionary).
The readers' text (snippets, titles) keeps its own characters; only the index and the query are folded.
"""

import bisect
import functools
import itertools
import operator
import re
import unicodedata
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.markdown import html_to_text
from articles.phrasing import WBR, stored_phrases

SNIPPET_CHARACTERS = 120
SNIPPET_LEAD = 30

_JAPANESE = (
    "\u3005-\u3007"  # 々 〆 〇
    "\u3040-\u30fa\u30fc-\u30ff"  # hiragana, katakana and ー (not the middle dot)
    "\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
)
_RUN = re.compile(f"[{_JAPANESE}]+|[^\\W_{_JAPANESE}]+")
_WORD_CHARACTER = re.compile(f"[^\\W_{_JAPANESE}]")  # Latin (or other alphabet) letters and digits
WORD_START = "_"  # marks the n-grams that begin a Latin word; never part of a run
WORD_LEXEME = "__"  # marks a whole normalised word in the n-gram index
# The katakana middle dot joins words (データ・センター); readers often leave it out.
_IGNORED = "\u30fb"
_SENTENCE_END = re.compile(r"[。！？!?]")


def normalize(text):
    """NFKC and case folding, as both the index and the query see text: ＡＷＳ → aws, ｶﾞ → ガ."""
    return _nfkc(_nfkc(text).casefold()).replace(_IGNORED, "")


# What keeps Japanese prose from passing NFKC's quick check is nearly always a few characters of these blocks:
# full-width ASCII （）：？, the ideographic space, …, half-width kana, ①, ㍿. Each is replaced by its own
# compatibility decomposition (so NFKC of the result is NFKC of the text); then the quick check usually
# passes and the full normalisation, ~0.8 ms for 5,000 characters, is not needed (0.1 ms; snippets fold
# every result's body).
_COMPATIBILITY_BLOCKS = ((0x2000, 0x206F), (0x2460, 0x24FF), (0x3000, 0x3000), (0x3200, 0x33FF), (0xF900, 0xFAFF),
                         (0xFF01, 0xFFEF))  # fmt: skip
_COMPATIBILITY = re.compile("[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in _COMPATIBILITY_BLOCKS) + "]+")
_DECOMPOSED = {
    code: unicodedata.normalize("NFKD", chr(code))
    for low, high in _COMPATIBILITY_BLOCKS
    for code in range(low, high + 1)
    if unicodedata.normalize("NFKC", chr(code)) != chr(code)
}


def _nfkc(text):
    if unicodedata.is_normalized("NFKC", text):
        return text
    text = _COMPATIBILITY.sub(lambda found: found.group().translate(_DECOMPOSED), text)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def runs(text):
    """The runs of letters and digits in already normalised text."""
    return _RUN.findall(text)


def is_word(run):
    """True for a run of Latin (or other alphabetic) letters and digits, which match from their start."""
    return bool(_WORD_CHARACTER.match(run))


@functools.cache
def _analyser():
    from sudachipy import Dictionary, SplitMode  # imported here: commands that never search skip the load

    return Dictionary(dict="core").tokenizer(mode=SplitMode.B), SplitMode.A


@functools.lru_cache(maxsize=65536)
def run_words(run):
    """The normalised words of one run (already normalised text): ("東京", "都", "の", "京都").

    A run is read in Sudachi's middle units (B: 半導体, 取組 → 取り組み), and a noun of several short
    units (A) stands as those units (東京都 → 東京 都, 京都市 → 京都 市, 売上高 → 売り上げ 高): so 京都
    is a whole word of 京都市 but not of 東京都. Each in its normalised form, folded like the rest; where
    the form would hold characters no run holds, the word's own characters stand."""
    if is_word(run):
        return (run,)  # a Latin word or a number is one word; Sudachi would split "h100" into h / 100
    tokenizer, short = _analyser()
    words = []
    for morpheme in tokenizer.tokenize(run):
        # Compound nouns by their parts; a verb stays whole (its parts 引き 上げ are no words of their own).
        units = morpheme.split(short) if morpheme.part_of_speech()[0] == "名詞" else ()
        for unit in units if len(units) > 1 else (morpheme,):
            form = _nominal_form(unit)
            words.append(form if _RUN.fullmatch(form) else normalize(unit.surface()))
    return tuple(words)


def _nominal_form(morpheme):
    """The normalised form; for a verb in its 連用形 (引き上げ in 税を引き上げ、), the form its surface
    has on its own, as a query has it (the noun 引き上げ, not the verb 引き上げる)."""
    part_of_speech = morpheme.part_of_speech()
    if part_of_speech[0] == "動詞" and part_of_speech[5].startswith("連用形"):
        return _alone(morpheme.surface())
    return normalize(morpheme.normalized_form())


@functools.lru_cache(maxsize=16384)
def _alone(surface):
    morphemes = _analyser()[0].tokenize(surface)
    return normalize(morphemes[0].normalized_form() if len(morphemes) == 1 else surface)


def word_text(text):
    """`text` as the index stores it for whole-word matching: " 東京都 の 京都  ai " (words one space
    apart, runs two, a space at both ends)."""
    return " " + "  ".join(" ".join(run_words(run)) for run in runs(normalize(text))) + " "


def document_grams(text):
    """What the n-gram index holds for `text`: every character and bigram of every run, each Latin word's
    start (marked `_`), each normalised word and each pair of neighbouring words in a run (marked `__`,
    the pair joined by `_`: __全_固体), and each pair of neighbouring runs (joined by `__`: __生成__ai), so
    that a term's words, and their order, are answered by the index alone."""
    text_runs = runs(normalize(text))
    joined = " ".join(text_runs)  # one pass over the text, then drop what straddles two runs
    grams = set(joined) | set(map(operator.add, joined, joined[1:]))
    grams = {gram for gram in grams if " " not in gram}
    grams.update(WORD_START + run[:size] for run in text_runs if is_word(run) for size in (1, 2))
    for run in text_runs:
        if not is_word(run):
            grams.update(_word_lexemes(run_words(run)))
    for left, right in itertools.pairwise(text_runs):
        grams.update(_run_pairs(left, right, sizes=(1, 2)))
    return grams


def _run_pairs(left, right, sizes=(2,)):
    """Lexemes for two neighbouring runs (生成 | AI, as word text has them: "生成  ai"): the left's last word,
    `__`, the right's first word; a Latin word by its first one or two characters, since it matches from its
    start (生成AI holds 生成A). `__` between them, where a pair inside one run has `_` (需要供給 is not 需要。供給)."""
    last = left if is_word(left) else run_words(left)[-1]
    firsts = {right[:size] for size in sizes} if is_word(right) else {run_words(right)[0]}
    return {f"{WORD_LEXEME}{last}{WORD_LEXEME}{first}" for first in firsts}


def _word_lexemes(words):
    lexemes = {WORD_LEXEME + word for word in words}
    lexemes.update(f"{WORD_LEXEME}{left}_{right}" for left, right in itertools.pairwise(words))
    return lexemes


def term_grams(term_runs):
    """What an article must hold to hold a term's characters: each run's bigrams (its character, if it has
    only one), and for a Latin word its start."""
    grams = set()
    for run in term_runs:
        grams.update(map(operator.add, run, run[1:]) if len(run) > 1 else {run})
        if is_word(run):
            grams.add(WORD_START + run[:2])
    return grams


def term_word_grams(term_runs):
    """What an article must hold to hold a term as whole words: a Japanese run's words and their pairs
    (サーバ finds サーバー, 京都 finds 京都市 but not 東京都), a Latin word's characters from a word's start.
    A one-character term is whole wherever its character is (株 in 株価 is the word's own sense)."""
    if len(term_runs) == 1 and len(term_runs[0]) == 1:
        return term_grams(term_runs)
    grams = set()
    for run in term_runs:
        grams.update(term_grams((run,)) if is_word(run) else _word_lexemes(run_words(run)))
    for left, right in itertools.pairwise(term_runs):
        grams.update(_run_pairs(left, right))  # 生成AI: 生成 next to ai, not 生成 here and AI there
    return grams


def is_unprintable(char):
    return char == "\ufffd" or unicodedata.category(char) in _UNPRINTABLE_CATEGORIES


# Control characters, lone surrogates, private-use and unassigned code points, and U+FFFD (what an
# undecodable byte in the URL became): never part of a query.
_UNPRINTABLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}


# --- what readers see ----------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    article: object
    title: str  # highlighted HTML
    snippet: str  # highlighted HTML


def hit(article, query):
    """How a result is shown: its title and a passage of its body (else its summary), terms marked. The title
    breaks between the phrases stored at save (title_html, articles/phrasing.py), so BudouX is not run again."""
    passage = snippet(html_to_text(article.body_html), query) or highlight(article.summary, query)
    return Hit(article, highlight(article.title, query, breaks=_phrase_breaks(article)), passage)


def _phrase_breaks(article):
    """Where the title's stored phrases (title_html) meet: the positions of its <wbr>."""
    return set(itertools.accumulate(map(len, stored_phrases(article.title_html, article.title)[:-1])))


def highlight(text, query, breaks=frozenset()):
    """`text` HTML-escaped, with every occurrence of the query's terms in <mark>, and <wbr> at `breaks`
    (positions in `text`)."""
    folded, sources = _fold_with_sources(text)
    spans = _merged(
        (sources[start][0], sources[start + len(pattern) - 1][1])
        for pattern in query.patterns
        for start in _occurrences(folded, pattern)
    )
    opens, closes = {start for start, _end in spans}, {end for _start, end in spans}
    cuts = sorted({0, len(text), *opens, *closes, *(cut for cut in breaks if 0 < cut < len(text))})
    html_pieces = []
    for begin, end in itertools.pairwise(cuts):
        html_pieces += [
            "</mark>" if begin in closes else "",
            WBR if begin in breaks else "",
            "<mark>" if begin in opens else "",
            escape(text[begin:end]),
        ]
    html_pieces.append("</mark>" if len(text) in closes else "")
    return mark_safe("".join(html_pieces))  # noqa: S308 (every piece of text above is escaped)  # nosec B308 B703


def snippet(text, query, width=SNIPPET_CHARACTERS):
    """About `width` characters of `text` from the first sentence holding the most of the query's terms,
    highlighted; None when no term is in the text."""
    start = _best_match(text, query.patterns)
    if start is None:
        return None
    sentence_start = max(text.rfind(end, 0, start) for end in "。！？!?") + 1
    begin = max(sentence_start, start - SNIPPET_LEAD, 0)
    while text[begin].isspace():
        begin += 1
    end = min(len(text), begin + width)
    prefix, suffix = ("…" if begin > 0 else ""), ("…" if end < len(text) else "")
    return mark_safe(prefix + highlight(text[begin:end], query) + suffix)  # noqa: S308 (highlight escapes)  # nosec B308 B703


def _best_match(text, patterns):
    """Where in `text` the first match starts in the first sentence (up to 。！？!?) with the most distinct
    patterns."""
    folded, sources = _fold_with_sources(text)
    if len(patterns) == 1:  # the first sentence that has it is where it first occurs
        first = _first_occurrence(folded, patterns[0])
        return None if first is None else sources[first][0]
    ends = [end.end() for end in _SENTENCE_END.finditer(text)]
    holding = {}  # sentence number -> {pattern: where it first starts in `text`}
    for pattern in patterns:
        for start in _occurrences(folded, pattern):
            position = sources[start][0]
            holding.setdefault(bisect.bisect_right(ends, position), {}).setdefault(pattern, position)
    if not holding:
        return None
    best = min(holding, key=lambda number: (-len(holding[number]), number))
    return min(holding[best].values())


def _first_occurrence(folded, pattern):
    return next(_occurrences(folded, pattern), None)


def _occurrences(folded, pattern):
    """Where `pattern` starts in `folded`; a Latin word only where a word starts."""
    latin, start = is_word(pattern), folded.find(pattern)
    while start != -1:
        if not (latin and start > 0 and _WORD_CHARACTER.match(folded[start - 1])):
            yield start
        start = folded.find(pattern, start + len(pattern))


def _fold_with_sources(text):
    """normalize(text), and for each of its characters the (start, end) of the source text it came from."""
    folded = normalize(text)
    if len(folded) == len(text) and not _may_merge().search(text):
        # Nothing here can join a neighbour or vanish, and nothing grew: each character folded to one.
        return folded, _OneToOne()
    return _fold_walking(text)


class _OneToOne:
    """The sources of a text whose every character folded to one character: the n-th came from the n-th."""

    def __getitem__(self, position):
        return position, position + 1


def _fold_walking(text):
    """_fold_with_sources() cluster by cluster: a base character with its combining marks folds as one."""
    folded, sources = [], []
    start = 0
    while start < len(text):
        end = start + 1
        while end < len(text) and (unicodedata.combining(text[end]) or text[end] in "\uff9e\uff9f"):
            end += 1  # a base character with its combining marks (half-width ﾞﾟ too) folds as one
        piece = _normalize_character(text[start:end])
        folded.append(piece)
        sources += [(start, end)] * len(piece)
        start = end
    return "".join(folded), sources


@functools.lru_cache(maxsize=8192)
def _normalize_character(cluster):
    return normalize(cluster)


@functools.cache
def _may_merge():
    """Characters whose folding can join the one before or vanish: combining marks (and every character
    past the BMP, not listed), Hangul jamo, half-width ﾞﾟ, the ignored middle dot."""
    marks = [chr(code) for code in range(0x10000) if unicodedata.category(chr(code))[0] == "M"]
    listed = "".join(re.escape(mark) for mark in marks)
    return re.compile(f"[{listed}\u1100-\u11ff\u3130-\u318f\uffa0-\uffdc\uff9e\uff9f{_IGNORED}\U00010000-\U0010ffff]")


def _merged(spans):
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
