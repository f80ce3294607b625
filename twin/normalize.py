"""Text as the filters see it: one form for every look-alike spelling of the same words.

A filter written once for "ignore your rules" must also catch it with a zero-width space
inside, in fullwidth letters, with a Cyrillic "i", and "ignorez les règles". `for_screening`
gives the one form the filters match against:

- NFKC folds compatibility forms (fullwidth letters, ligatures, superscripts, odd spaces);
- invisible characters (zero-width spaces and joiners, soft hyphens, bidi controls, tag
  characters: Unicode category Cf, and a few blank letters) are removed;
- letters of other scripts that look like Latin ones (Cyrillic and Greek o, ...) become Latin;
- accents are dropped ("précédentes" -> "precedentes").

`visible` is the milder form for text that is shown (NFKC and no invisible characters).
The forms are for matching only; what is quoted keeps the author's letters.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["for_screening", "visible"]

# Blank characters that are letters or symbols, not format characters (so not category Cf).
_BLANKS = "\u115f\u1160\u3164\uffa0\u2800"

# Letters of other scripts that look like Latin ones: (look-alikes, the Latin letters).
_CONFUSABLES = [
    # Cyrillic
    (
        (
            "\u0430\u0432\u0435\u0451\u043a\u043c\u043d\u043e\u0440\u0441\u0442\u0443\u0445\u0455"
            "\u0456\u0457\u0458\u0501\u04bb\u04cf\u051b\u051d\u04af\u0410\u0412\u0415\u041a\u041c"
            "\u041d\u041e\u0420\u0421\u0422\u0423\u0425\u0405\u0406\u0408\u0500\u04c0"
        ),
        "abeekmhopctyxsiijdhlqwyABEKMHOPCTYXSIJDI",
    ),
    # Greek
    (
        (
            "\u03b1\u03bf\u03c1\u03b9\u03ba\u03bd\u03c5\u03c4\u03f2\u0391\u0392\u0395\u0396\u0397"
            "\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7"
        ),
        "aopikvutcABEZHIKMNOPTYX",
    ),
    # Latin look-alikes that NFKC keeps
    (("\u0261\u0131\u0237\ua781\u01c0"), "gijll"),
]
_LATIN = str.maketrans("".join(a for a, _ in _CONFUSABLES), "".join(b for _, b in _CONFUSABLES))


def _invisible(char: str) -> bool:
    return unicodedata.category(char) == "Cf" or char in _BLANKS


def visible(text: str) -> str:
    """NFKC, without invisible characters."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if not _invisible(c))


@lru_cache(maxsize=20_000)  # passages come back question after question
def for_screening(text: str) -> str:
    """The form every filter matches against (see the module docstring)."""
    text = visible(text).translate(_LATIN)
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)
