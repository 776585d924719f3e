"""Reading a search query: the terms a reader typed (articles.search finds and ranks articles for them), and
the editors' 同義語辞書 that gives each term its alternatives, read at query time and cached until it changes.

A query is terms separated by half- or full-width spaces; 「…」 or "…" make one term of a phrase (spaces and
all) that synonyms leave alone. Each term is its normalised runs (articles/search_text.py)."""

import re
import unicodedata
from dataclasses import dataclass, field, replace

from django.core.cache import cache

from articles.models import Synonym
from articles.search_text import is_unprintable, normalize, run_words, runs, term_grams

MAX_QUERY_CHARACTERS = 100
MAX_TERMS = 8
MAX_ALTERNATIVES = 6  # a term and at most five synonyms: each costs a scan of the candidates' text
SYNONYMS_CACHE_KEY = "search:synonyms"
# 「…」, "…" and “…” quote a phrase; NFKC has already made ＂ into ".
_QUOTED = re.compile(r"「([^」]*)」|\"([^\"]*)\"|“([^”]*)”|(\S+)")


@dataclass(frozen=True)
class Query:
    text: str = ""  # what the reader typed, cleaned and capped: shown back, never folded
    terms: tuple[tuple[str, ...], ...] = ()  # each term as its normalised runs
    truncated: bool = False
    phrases: frozenset = frozenset()  # the terms that were quoted
    synonyms: tuple | None = field(default=None, compare=False)  # per term, its other alternatives

    def __bool__(self):
        return bool(self.terms)

    @property
    def patterns(self):
        """The runs to find and highlight (synonyms too, once known), longest first."""
        alternatives = [*self.terms, *(alt for alts in self.synonyms or () for alt in alts)]
        return sorted({run for term in alternatives for run in term}, key=lambda run: (-len(run), run))

    def grams(self):
        return sorted(set().union(*(term_grams(term) for term in self.terms)))

    def alternatives(self):
        """For each term, itself and then its synonyms."""
        synonyms = self.synonyms or ((),) * len(self.terms)
        return [(term, *others) for term, others in zip(self.terms, synonyms, strict=True)]


def parse_query(raw):
    """A Query from what the reader typed: unprintable characters become spaces, the text is capped at
    MAX_QUERY_CHARACTERS and MAX_TERMS terms (half- or full-width spaces between them, a quoted phrase is
    one), and terms with no letters or digits are dropped. Never raises."""
    kept = raw[: MAX_QUERY_CHARACTERS * 10]  # room for spaces and control characters, not for megabytes
    cleaned = "".join(" " if is_unprintable(char) else char for char in kept)
    words = cleaned.split()
    text = " ".join(words)
    truncated = len(kept) < len(raw) or len(text) > MAX_QUERY_CHARACTERS or len(words) > MAX_TERMS
    text = " ".join(text[:MAX_QUERY_CHARACTERS].split()[:MAX_TERMS])
    terms, phrases = [], set()
    for match in _QUOTED.finditer(text.replace("＂", '"')):
        quoted = next((group for group in match.groups()[:3] if group is not None), None)
        term = tuple(runs(normalize(quoted if quoted is not None else match.group(4))))
        if term and term not in terms and len(terms) < MAX_TERMS:
            terms.append(term)
            if quoted is not None:
                phrases.add(term)
    return Query(text=text, terms=tuple(terms), truncated=truncated, phrases=frozenset(phrases))


def canonical_text(raw):
    """The one spelling of a query that its result page is shown and cached under (articles/views.py redirects
    to it): NFKC (full-width Latin letters and digits, half-width kana), spaces collapsed, a repeated word
    once, capped as parse_query caps. Case is kept: readers see the query they typed."""
    folded = unicodedata.normalize("NFKC", raw[: MAX_QUERY_CHARACTERS * 10])
    return " ".join(dict.fromkeys(parse_query(folded).text.split()))


# --- synonyms --------------------------------------------------------------------------------


def synonym_groups():
    """The 同義語辞書 as groups of normalised terms (each a tuple of runs), cached until it changes
    (side_effects.after_synonyms_change())."""
    groups = cache.get(SYNONYMS_CACHE_KEY)
    if groups is None:
        groups = []
        for entry in Synonym.objects.all():
            terms = list(dict.fromkeys(tuple(runs(normalize(word))) for word in entry.terms()))
            terms = [term for term in terms if term]
            if len(terms) > 1:
                groups.append(tuple(terms))
        cache.set(SYNONYMS_CACHE_KEY, groups, None)
    return groups


def forget_synonyms():
    cache.delete(SYNONYMS_CACHE_KEY)


def expand(query):
    """`query` with each unquoted term's synonyms: the other words of every entry that has the term (the
    same characters, or the same normalised words: サーバ is in an entry that says サーバー)."""
    if query.synonyms is not None:
        return query
    groups = synonym_groups() if query else []
    synonyms = []
    for term in query.terms:
        others = []
        if term not in query.phrases:
            key = _word_key(term)
            for group in groups:
                if any(member == term or _word_key(member) == key for member in group):
                    others += [member for member in group if member != term and member not in others]
        synonyms.append(tuple(others[: MAX_ALTERNATIVES - 1]))
    return replace(query, synonyms=tuple(synonyms))


def _word_key(term):
    return tuple(run_words(run) for run in term)
