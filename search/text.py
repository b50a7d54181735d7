"""Chinese-aware text handling for the database backend: what is stored, how a query is read,
and how a hit is highlighted.

Runs of Chinese characters have no spaces, so a naive full-text index sees 集体学习党章 as one
token and never finds 党章 in it. Every indexed field is therefore stored as a set of
space-separated tokens: the jieba ``cut_for_search`` words, every single Han character and
every pair of adjacent Han characters (the n-grams Elasticsearch's ``cjk_bigram`` with
unigrams produces), plus ASCII words. A query word then matches through its jieba word OR
all of its character bigrams — which does not depend on how jieba happened to cut the stored
text — and a one-character query matches the character itself (党 finds 党章 and 入党).
No token positions are needed, so the full-text index answers without rechecking rows."""

import html
import re
import unicodedata
from dataclasses import dataclass

import jieba

jieba.setLogLevel(60)

# CJK Unified Ideographs (+ extension A and compatibility ideographs): what counts as "Chinese".
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_RUN_RE = re.compile(rf"[{_HAN}]+")
# A run of Han characters or of ASCII letters/digits (how a query is split before jieba).
RUN_RE = re.compile(rf"[{_HAN}]+|[a-z0-9]+")
# Function words that carry no meaning as a one-character query term inside a longer query.
STOP_CHARS = frozenset("的了和与及在是之或对把被就也都而")
MAX_QUERY_CHARS = 100
MAX_TERMS = 12


def normalize(text: str) -> str:
    """Full-width to half-width (ＡＩ → ai, ５Ｇ → 5g) and lowercase: the same for index and query."""
    return unicodedata.normalize("NFKC", text or "").lower()


def index_tokens(text: str) -> str:
    """The token column for one field: jieba search words, Han bigrams and unigrams, ASCII
    words — each once (a set: matching needs no positions or frequencies)."""
    text = normalize(text)
    tokens: dict[str, None] = {}
    for run in RUN_RE.findall(text):
        if not HAN_RUN_RE.fullmatch(run):
            tokens[run] = None
            continue
        if len(run) > 2:
            for word in jieba.cut_for_search(run, HMM=False):
                if len(word) >= 2:
                    tokens[word] = None
        for i, char in enumerate(run):
            tokens[char] = None
            if i + 1 < len(run):
                tokens[run[i : i + 2]] = None
    return " ".join(tokens)


@dataclass(frozen=True)
class Term:
    """One query term: ``text`` must occur (a word, a single character or an ASCII word)."""

    text: str

    @property
    def lexemes(self) -> list[str]:
        """The index tokens that together stand for the term: itself when it is one character,
        one bigram or an ASCII word; else its character bigrams."""
        if len(self.text) <= 2 or not HAN_RUN_RE.fullmatch(self.text):
            return [self.text]
        return list(dict.fromkeys(self.text[i : i + 2] for i in range(len(self.text) - 1)))


def query_terms(query: str) -> list[Term]:
    """Split a user's query into terms, all of which a hit must contain.

    Han runs are cut with jieba (precise mode) so that 乡村振兴政策 asks for 乡村振兴 and 政策
    anywhere rather than the whole run verbatim; one-character pieces are kept (a user who
    types 党 wants 党) except function words inside a longer query."""
    text = normalize(query)[:MAX_QUERY_CHARS]
    terms: list[Term] = []
    for run in RUN_RE.findall(text):
        if not HAN_RUN_RE.fullmatch(run) or len(run) == 1:
            terms.append(Term(run))
            continue
        pieces = [p for p in jieba.cut(run, HMM=False) if p.strip()]
        kept = [p for p in pieces if len(p) > 1 or p not in STOP_CHARS]
        terms += [Term(p) for p in (kept or [run])]
    unique = list(dict.fromkeys(terms))
    return unique[:MAX_TERMS]


def fts5_match(terms: list[Term], *, any_term: bool = False) -> str:
    """An SQLite FTS5 MATCH expression (tokens are only Han characters and [a-z0-9], so the
    quoting cannot be broken)."""
    parts = []
    for term in terms:
        lexemes = term.lexemes
        if len(lexemes) == 1:
            parts.append(f'"{lexemes[0]}"')
        else:
            parts.append(f'("{term.text}" OR (' + " AND ".join(f'"{x}"' for x in lexemes) + "))")
    return (" OR " if any_term else " AND ").join(parts)


def pg_tsquery(terms: list[Term], *, any_term: bool = False) -> str:
    """A PostgreSQL to_tsquery('simple', …) string with the same meaning as fts5_match."""
    parts = []
    for term in terms:
        lexemes = term.lexemes
        if len(lexemes) == 1:
            parts.append(f"'{lexemes[0]}'")
        else:
            parts.append(f"('{term.text}' | (" + " & ".join(f"'{x}'" for x in lexemes) + "))")
    return (" | " if any_term else " & ").join(parts)


def _pattern(terms: list[Term]) -> re.Pattern | None:
    needles = sorted({t.text for t in terms if t.text}, key=len, reverse=True)
    if not needles:
        return None
    return re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)


def highlight(text: str, terms: list[Term]) -> str:
    """HTML-escaped `text` with term occurrences wrapped in <mark> (touching or overlapping
    occurrences merged: 四个服从 is one mark even when the query was cut into 四个 + 服从)."""
    pattern = _pattern(terms)
    if pattern is None:
        return html.escape(text)
    folded = normalize(text)
    # NFKC may change lengths (rare compatibility forms); then highlight the normalized text.
    source = text if len(folded) == len(text) else folded
    spans: list[list[int]] = []
    for term in {t.text for t in terms if t.text}:
        start = folded.find(term)
        while start != -1:
            spans.append([start, start + len(term)])
            start = folded.find(term, start + 1)
    spans.sort()
    merged: list[list[int]] = []
    for span in spans:
        if merged and span[0] <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], span[1])
        else:
            merged.append(span)
    out, last = [], 0
    for start, end in merged:
        out.append(html.escape(source[last:start]))
        out.append(f"<mark>{html.escape(source[start:end])}</mark>")
        last = end
    out.append(html.escape(source[last:]))
    return "".join(out)


def snippet(text: str, terms: list[Term], *, width: int = 90) -> str:
    """About `width` characters of `text` around the first match, highlighted."""
    text = " ".join((text or "").split())
    if not text:
        return ""
    pattern = _pattern(terms)
    match = pattern.search(normalize(text)) if pattern else None
    start = 0 if match is None else max(0, match.start() - width // 3)
    piece = text[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return prefix + highlight(piece, terms) + suffix
