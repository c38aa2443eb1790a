"""The content filters of the message check: pure functions over text, no database, no Redis.

Words are matched on whole words after normalising case, accents, leetspeak (`sh1t`, `a$$`),
masking (`f*ck`), spacing (`f u c k`, `fu ck`) and repeated letters (`fuuuck`). Roots written
`*like-this*` in a list are also found inside longer words (`motherfucker`), except in the words of
the allowlist (`Scunthorpe`). Custom patterns run on RE2, whose matching time grows linearly with
the text, so no pattern can backtrack catastrophically.
"""

from __future__ import annotations

import re
import string
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from urllib.parse import urlsplit

import re2

DATA = Path(__file__).resolve().parent / "data"

LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g", "@": "a", "$": "s", "!": "i"}
    | {"|": "i", "+": "t"}
)
# Cyrillic and Greek letters drawn like Latin ones (a Cyrillic es in "fu\u0441k").
LOOK_ALIKES = str.maketrans("абвеікмнорстухѕјԁүıαβεικνορτυχ", "abbeikmhopctyxsjdyiabeikvoptux")
LETTERS = frozenset(string.ascii_lowercase)
# Symbols that stand for letters inside a word but are punctuation at its edges ("hi!", "$5").
EDGE_SYMBOLS = "!|+@$"
TOKEN_RE = re.compile(r"[a-z0-9@$!|+*]+")
SQUEEZE_RE = re.compile(r"([a-z])\1+")
RUNS_RE = re.compile(r"(([a-z])\2*)")
APOSTROPHES = str.maketrans("", "", "'\u2019\u02bc`")
# Pieces this short next to each other are read together: "f u c k", "fu ck".
SHORT_PIECE = 2
SPELLED_RUN = 3


def squeeze(word: str) -> str:
    return SQUEEZE_RE.sub(r"\1", word)


def is_short(piece: str) -> bool:
    """At most two letters once held-down letters count once ("kkk" in "f u c kkk")."""
    return len(piece) <= SHORT_PIECE or not piece.lstrip(piece[0]).lstrip(piece[-1])


def runs(word: str) -> tuple[int, ...]:
    return tuple(len(match.group(1)) for match in RUNS_RE.finditer(word))


@dataclass(frozen=True)
class Normalized:
    """A message as the word lists see it: candidate words, and `text` for phrase matching."""

    words: tuple[str, ...]
    # Letters spelled apart ("w h a t a p r i c k"): any listed word inside them counts.
    spelled: tuple[str, ...]
    # Adjacent pieces joined ("fu ck"): they match a listed word or start with a listed root.
    joined: tuple[str, ...]
    masked: tuple[str, ...]
    text: str
    squeezed_words: tuple[str, ...]
    squeezed_joined: tuple[str, ...]
    joined_splits: tuple[int, ...]


def normalize(text: str) -> Normalized:
    low = text.lower().translate(APOSTROPHES)
    if not low.isascii():
        low = unicodedata.normalize("NFKD", low.translate(LOOK_ALIKES)).encode("ascii", "ignore").decode()
    words: list[str] = []
    masked: list[str] = []
    # Each piece with whether it had a real letter: "4 5 5" is a number, "a 5 5" is a word.
    pieces: list[tuple[str, bool]] = []
    for raw in TOKEN_RE.findall(low):
        if raw.isalpha():
            # Most words need none of what follows.
            words.append(raw)
            pieces.append((raw, True))
            continue
        if LETTERS.isdisjoint(raw):
            # One symbol for one letter ("s h 1 t", "s h i 7!"); longer numbers stay numbers.
            mapped = (raw.rstrip("!.") or raw).translate(LEET)
            pieces.append((mapped if len(mapped) == 1 and mapped in LETTERS else "", False))
            continue
        core = raw.strip(EDGE_SYMBOLS)
        if raw.startswith("*") and raw.endswith("*"):
            # Stars around a word emphasise it ("*wow*"); stars ending one mask letters ("f***").
            core = raw.strip("*").strip(EDGE_SYMBOLS)
        inner = core.translate(LEET)
        if "*" in inner:
            masked.append(inner)
            inner = inner.replace("*", "")
        words.append(inner)
        # A trailing "!" ends a sentence ("Scunthorpe!"); a trailing "$" still spells ("a$$").
        full = raw.rstrip("!|*").translate(LEET).replace("*", "")
        if full != inner:
            words.append(full)
        pieces.append((inner, True))

    joined: list[str] = []
    joined_splits: list[int] = []
    spelled: list[str] = []
    short: list[tuple[str, bool]] = []
    shorts = [bool(piece) and is_short(piece) for piece, _ in pieces]
    for index, (piece, real) in enumerate([*pieces, ("", False)]):
        is_short_piece = index < len(shorts) and shorts[index]
        if is_short_piece:
            short.append((piece, real))
        else:
            # Letters spelled apart ("f u c k", "sh i t") are read as the word they spell.
            if len(short) >= 2 and any(r for _, r in short):
                words.append("".join(p for p, _ in short))
                # Single letters in a row ("s l u t" in "s l u t off") are searched for listed words.
                for single, group in groupby(short, key=lambda item: not item[0].lstrip(item[0][0])):
                    letters = "".join(p for p, _ in group)
                    if single and len(letters) >= SPELLED_RUN:
                        spelled.append(squeeze(letters))
            short.clear()
        if index and piece and (is_short_piece or shorts[index - 1]):
            left, left_real = pieces[index - 1]
            if left and (real or left_real):
                joined.append(left + piece)
                joined_splits.append(len(squeeze(left)))
    return Normalized(
        words=tuple(words),
        spelled=tuple(spelled),
        joined=tuple(joined),
        masked=tuple(masked),
        text=" " + " ".join(p for p, _ in pieces if p) + " ",
        squeezed_words=tuple(squeeze(" ".join(words)).split(" ")) if words else (),
        squeezed_joined=tuple(squeeze(" ".join(joined)).split(" ")) if joined else (),
        joined_splits=tuple(joined_splits),
    )


def read_list(name: str) -> list[str]:
    lines = (DATA / name).read_text().splitlines()
    return [line.strip().lower() for line in lines if line.strip() and not line.startswith("#")]


class WordMatcher:
    """Whole words, roots found inside words, and phrases; all compared after normalising."""

    def __init__(self, entries: Iterable[str], *, allowed: Iterable[str] = ()) -> None:
        self.words: dict[str, list[tuple[int, ...]]] = {}
        roots: set[str] = set()
        self.phrases: list[str] = []
        for entry in entries:
            entry = entry.strip().lower()
            if len(entry) > 2 and entry.startswith("*") and entry.endswith("*"):
                roots.add(squeeze(entry.strip("*")))
            elif " " in entry:
                self.phrases.append(" " + " ".join(normalize(entry).words) + " ")
            elif entry:
                # Listed as people would type it ("ch3ap"): kept as the normalised message reads it.
                word = entry.strip(EDGE_SYMBOLS).translate(LEET)
                self.words.setdefault(squeeze(word), []).append(runs(word))
        self.roots = sorted(roots)
        self.roots_re = re.compile("|".join(map(re.escape, self.roots))) if self.roots else None
        self.allowed = frozenset(allowed)
        self.maskable = [*self.roots, *self.words]
        self.words_re = re.compile("|".join(map(re.escape, self.words))) if self.words else None

    def _is_word(self, candidate: str, squeezed: str) -> bool:
        shapes = self.words.get(squeezed)
        if not shapes:
            return False
        # "fuuuck" is "fuck" with a longer run; "as" is not "ass", whose run it is shorter than.
        seen = runs(candidate)
        return any(
            len(shape) == len(seen) and all(a >= b for a, b in zip(seen, shape, strict=True)) for shape in shapes
        )

    def _has_root(self, candidate: str, squeezed: str, *, split: int | None) -> bool:
        if candidate in self.allowed:
            return False
        if split is not None:
            # Two pieces read together count only for a root spanning both ("sh it"), not for one
            # inside the first piece alone, which is judged (and maybe allowed) on its own.
            return any(squeezed.startswith(root) and len(root) > split for root in self.roots)
        return any(root in squeezed for root in self.roots)

    def _listed(
        self, candidates: tuple[str, ...], squeezed: tuple[str, ...], *, splits: tuple[int, ...] | None = None
    ) -> bool:
        # Most messages hold no listed word: one set intersection and one regex pass rule them out.
        if not self.words.keys().isdisjoint(squeezed) and any(
            self._is_word(c, s) for c, s in zip(candidates, squeezed, strict=True)
        ):
            return True
        if self.roots_re is None or self.roots_re.search(" ".join(squeezed)) is None:
            return False
        return any(
            self._has_root(c, s, split=splits[i] if splits else None)
            for i, (c, s) in enumerate(zip(candidates, squeezed, strict=True))
        )

    def _is_masked(self, candidate: str) -> bool:
        if len(candidate) < 3 or candidate.count("*") == len(candidate):
            return False
        shape = re.compile(re.escape(candidate).replace(r"\*", "[a-z]"))
        return any(len(word) == len(candidate) and shape.fullmatch(word) for word in self.maskable)

    def find(self, message: Normalized) -> bool:
        """True when the message holds a listed word, root or phrase."""
        if self._listed(message.words, message.squeezed_words):
            return True
        if message.joined and self._listed(message.joined, message.squeezed_joined, splits=message.joined_splits):
            return True
        if self.words_re is not None and any(self.words_re.search(s) for s in message.spelled):
            return True
        if any(self._is_masked(m) for m in message.masked):
            return True
        return any(phrase in message.text for phrase in self.phrases)


@lru_cache(maxsize=1)
def global_matcher() -> WordMatcher:
    return WordMatcher(read_list("blocked_words.txt"), allowed=read_list("allowed_words.txt"))


# --- Capitals ---------------------------------------------------------------------------------
UPPER_RE = re.compile(r"[A-Z]")
LETTER_RE = re.compile(r"[A-Za-z]")
# Short shouts ("OMG", "SOLD!") are fine; a long message mostly in capitals reads as shouting.
CAPS_MIN_LETTERS = 12
CAPS_RATIO = 0.7


def is_shouting(text: str) -> bool:
    letters = len(LETTER_RE.findall(text))
    return letters >= CAPS_MIN_LETTERS and len(UPPER_RE.findall(text)) >= CAPS_RATIO * letters


def calm(text: str) -> str:
    lowered = text.lower()
    return lowered[:1].upper() + lowered[1:]


# --- Links ------------------------------------------------------------------------------------
# Common top-level domains only: "it", "is", "at", "in" would turn ordinary sentences into links.
TLDS = (
    "com|net|org|io|co|me|ly|gg|tv|app|shop|store|link|xyz|info|biz|us|uk|de|fr|ru|cn|site|online|live|"
    "club|top|to|ai|dev|page|gl|nl|es|ca|au|eu|ws|cc|su|ms|fm|am|im|la|lol|vip|pro|sale|deals|click"
)
URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+"
    rf"|\b(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{TLDS})\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
LINK_REMOVED = "[link removed]"


def link_host(link: str) -> str:
    target = link if "://" in link else f"http://{link}"
    return (urlsplit(target).hostname or "").lower().rstrip(".")


def is_allowed_host(host: str, allowed: Iterable[str]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in allowed)


def foreign_links(text: str, allowed: Sequence[str]) -> list[str]:
    return [m.group(0) for m in URL_RE.finditer(text) if not is_allowed_host(link_host(m.group(0)), allowed)]


def remove_links(text: str, links: Iterable[str]) -> str:
    for link in links:
        text = text.replace(link, LINK_REMOVED)
    return text


# --- Off-platform payment -----------------------------------------------------------------------
PHONE_RE = re.compile(
    r"(?<![\w$#.,])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)|\d{2,4})[\s.-]?\d{3,4}[\s.-]?\d{3,4}(?![\w.,]?\d)"
)
MIN_PHONE_DIGITS = 9
PAYMENT_APPS = (
    r"cash\s*app|venmo|zelle|pay\s*pal|revolut|wise|western\s*union|moneygram|apple\s*pay|google\s*pay|"
    r"crypto|bitcoin|btc|usdt|eth"
)
PAYMENT_RE = re.compile(
    r"\bpay\s+(?:me|us)\s+(?:on|via|through|thru|with|at|by|in|using|over)\b"
    r"|\b(?:send|transfer|wire)\s+(?:me\s+|us\s+)?(?:the\s+|your\s+)?(?:money|payment|cash|funds)\b"
    rf"|\b(?:{PAYMENT_APPS})\s*(?:me\b|@|\$|:|at\b|to\b|is\b|handle|tag|id\b|only\b|instead\b)"
    r"|paypal\.me/|venmo\.com/|cash\.app/"
    r"|(?<![\w$])\$[a-z][a-z0-9_-]{2,}"
    r"|\b(?:outside|off)\s+(?:of\s+)?(?:the\s+)?(?:app|platform|tokshop|site)\b"
    r"|\b(?:text|call|whatsapp|telegram|signal|dm|message)\s+me\s+(?:at|on)\b",
    re.IGNORECASE,
)


def has_phone_number(text: str) -> bool:
    return any(sum(c.isdigit() for c in m.group(0)) >= MIN_PHONE_DIGITS for m in PHONE_RE.finditer(text))


def solicits_payment(text: str) -> bool:
    return PAYMENT_RE.search(text) is not None


# --- Custom patterns ----------------------------------------------------------------------------
PATTERN_MAX_LENGTH = 200
# RE2 refuses a pattern whose compiled program would need more memory than this.
PATTERN_MAX_MEMORY = 1 << 20
# A message is at most this long (the check refuses longer ones first), which bounds each match.
MESSAGE_MAX_LENGTH = 500
# Saving a pattern times it on hostile texts of the longest length; slower than this is refused
# (far below the 50 ms a match may ever take, leaving room for a busy machine).
PATTERN_PROBE_LIMIT_S = 0.005
PROBES = (
    "a" * MESSAGE_MAX_LENGTH,
    "a " * (MESSAGE_MAX_LENGTH // 2),
    ("ab" * MESSAGE_MAX_LENGTH)[:MESSAGE_MAX_LENGTH],
    ("x1 " * MESSAGE_MAX_LENGTH)[:MESSAGE_MAX_LENGTH],
    ("\u00e9\u4e2d " * MESSAGE_MAX_LENGTH)[:MESSAGE_MAX_LENGTH],
)


class PatternError(ValueError):
    pass


def _options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = PATTERN_MAX_MEMORY
    return options


def compile_pattern(pattern: str) -> re2._Regexp:
    """Compile a staff's or seller's pattern, or raise PatternError saying why it is refused."""
    if not pattern.strip():
        raise PatternError("Enter a pattern.")
    if len(pattern) > PATTERN_MAX_LENGTH:
        raise PatternError(f"A pattern is at most {PATTERN_MAX_LENGTH} characters.")
    try:
        compiled = re2.compile(pattern, _options())
    except re2.error as error:
        reason = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else str(error)
        raise PatternError(
            f"Not a pattern Tokshop can run ({reason}). Patterns use RE2 syntax: "
            "no back-references (\\1) or look-around ((?=…), (?<=…))."
        ) from None
    if compiled.search("") is not None:
        raise PatternError("This pattern matches an empty message, so it would catch every message.")
    return compiled


def probe_pattern(compiled: re2._Regexp, *, repeats: int = 3) -> float:
    """The slowest search of `compiled` over the hostile probe texts, in seconds. Each probe counts
    its fastest of `repeats` runs, so a busy machine pausing this process refuses no pattern."""
    slowest = 0.0
    for probe in PROBES:
        fastest = float("inf")
        for _ in range(repeats):
            started = time.perf_counter()
            compiled.search(probe)
            fastest = min(fastest, time.perf_counter() - started)
        slowest = max(slowest, fastest)
    return slowest


def validate_pattern(pattern: str) -> None:
    compiled = compile_pattern(pattern)
    if probe_pattern(compiled) > PATTERN_PROBE_LIMIT_S:
        raise PatternError("This pattern is too slow to run on every message; make it simpler.")
