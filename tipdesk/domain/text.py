"""The one Vietnamese text normaliser: search index, queries and duplicate matching all use it.

``fold`` removes every diacritic (tones and vowel marks), maps đ/Đ to ``d``, lower-cases and
reduces punctuation to single spaces, so ``Nguyễn Văn Đức`` and ``NGUYEN  van-duc`` both give
``nguyen van duc``. Precomposed (NFC) and decomposed (NFD) input fold alike.

``fold_telex`` also undoes what people type without a Vietnamese input method (Telex or VNI
key sequences left as plain letters): ``Nguyeenx`` → ``nguyen``, ``dduwcs``/``ddu7c1`` → ``duc``.

Telex heuristic (per folded word):

1. A word that already *is* a plausible Vietnamese syllable (optional initial consonant, a vowel
   nucleus and an optional final consonant, all from the closed sets below) is never touched.
   Every real Vietnamese word folds to such a syllable, so ``fold_telex(fold(x)) == fold(x)``
   for Vietnamese names and words.
2. Other words are decoded only when they carry *strong* evidence of Telex/VNI typing:
   ``dd``, ``aa``, ``ee``, ``oo``; a ``w`` that is not a word-initial consonant (``uw ow aw``,
   ``nhw``); VNI digits 1-9 after letters (word starts with a letter, has two or more letters, no
   ``0``); a tone key ``s f x j z`` after the first vowel; a tone key ``r`` after the first vowel
   that is followed by more letters, follows a final consonant, or ends a nucleus of two or more
   vowels (``hair`` → ``hai``). A final ``r`` after a single vowel is *weak* evidence and is not
   decoded on its own, because minority-language names end so (``Ea Kar``, ``Ksor``, ``Ia Tôr``).
3. Decoding drops the VNI digits, maps ``dd`` → ``d``, drops a ``w`` after a vowel and turns any
   other ``w`` into ``u``, drops the tone keys ``s f r x j z`` after the first vowel and collapses
   ``aa ee oo``. The result is kept only if it is a plausible syllable; else the word stays as it
   was, which protects foreign and minority-language words (``Thomas``, ``Wang``, ``Kbuôr``).

Known trade-offs: a syllable plus one strong tone key that is a real word elsewhere is read as
Telex (``as`` → ``a``, ``CAX`` → ``ca``, ``Max`` → ``ma``); ``oo`` is read as Telex ``ô``, so the
few words really spelt with it change (``xoong`` → ``xong``; in commune names ``Boòng``, ``Khoong``,
``Loong``, ``Ngoong``, ``Toong``), as do ``Uar``, ``Cuôr``, ``Êê`` and ``Dêê``; a hỏi key after a
single vowel with no other key is left alone (``thur`` for ``Thủ``). Apply ``fold_telex`` to both
the stored text and the query so that these cases still match each other.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "fold_telex", "is_syllable", "name_key", "tokens"]

# Letters that NFKD does not decompose but that people use for đ (legacy fonts use ETH).
_D_LIKE = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ɖ": "d", "Ɖ": "d"})
_APOSTROPHES = str.maketrans("", "", "'’‘ʼ`´")
_NOT_WORD = re.compile(r"[^\w/]|_")
_LOOSE_SLASH = re.compile(r"(?<![^\W_])/|/(?![^\W_])")
_SPACES = re.compile(r"\s+")

_INITIALS = "ngh|ng|gh|gi|kh|ph|th|tr|ch|nh|qu|b|c|d|g|h|k|l|m|n|p|r|s|t|v|x"
_NUCLEI = (
    "ieu|yeu|uoi|uou|uya|uye|uyu|oai|oay|oeo|uay|"
    "ai|ao|au|ay|eo|ia|ie|iu|oa|oe|oi|ua|ue|ui|uo|uu|uy|ye|"
    "a|e|i|o|u|y"
)
_FINALS = "ch|nh|ng|c|m|n|p|t"
_SYLLABLE = re.compile(rf"(?:{_INITIALS})?(?:{_NUCLEI})(?:{_FINALS})?")
_VOWELS = frozenset("aeiouy")
_TONE_KEYS = frozenset("sfrxjz")
_STRONG_TONE_KEYS = frozenset("sfxjz")
_VNI_WORD = re.compile(r"[a-z][a-z1-9]*")


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_D_LIKE))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Accent-, case- and punctuation-insensitive form of ``text`` (see module docstring).

    ``/`` between letters or digits is kept (``15/2026``); apostrophes are dropped so that
    ``H'Mông`` gives ``hmong``; all other punctuation and whitespace become single spaces.
    """
    if not text:
        return ""
    plain = _strip_marks(text).casefold().translate(_APOSTROPHES)
    plain = _LOOSE_SLASH.sub(" ", _NOT_WORD.sub(" ", plain))
    plain = _SPACES.sub(" ", plain).strip()
    return unicodedata.normalize("NFC", plain)


def tokens(text: str) -> list[str]:
    """The folded words of ``text``."""
    return fold(text).split()


def is_syllable(word: str) -> bool:
    """True if the folded ``word`` has the shape of one Vietnamese syllable (without marks)."""
    return _SYLLABLE.fullmatch(word) is not None


def _strip_vni_digits(word: str) -> str:
    if "0" in word or not _VNI_WORD.fullmatch(word):
        return word
    letters = "".join(ch for ch in word if ch.isalpha())
    return letters if len(letters) >= 2 else word


def _undo_w(word: str) -> str:
    out: list[str] = []
    for index, ch in enumerate(word):
        if ch != "w":
            out.append(ch)
            continue
        previous = out[-1] if out else ""
        following = word[index + 1] if index + 1 < len(word) else ""
        if previous in _VOWELS:
            continue  # uw, ow, aw: the vowel mark of ư, ơ, ă
        if not previous and following in _VOWELS:
            out.append(ch)  # a real initial w (Wang, William): leave it, the guard rejects the word
            continue
        out.append("u")  # a bare w types ư
    return "".join(out)


def _drop_tone_keys(word: str) -> str:
    out: list[str] = []
    seen_vowel = False
    for ch in word:
        if seen_vowel and ch in _TONE_KEYS:
            continue
        seen_vowel = seen_vowel or ch in _VOWELS
        out.append(ch)
    return "".join(out)


def _collapse_doubles(word: str) -> str:
    return word.replace("dd", "d").replace("aa", "a").replace("ee", "e").replace("oo", "o")


def _tone_key_evidence(word: str) -> bool:
    """A tone key after the first vowel: ``s f x j z`` anywhere; ``r`` unless it may be a minority final."""
    first = next((i for i, ch in enumerate(word) if ch in _VOWELS), len(word))
    for index in range(first + 1, len(word)):
        ch = word[index]
        if ch in _STRONG_TONE_KEYS:
            return True
        if ch == "r":
            if index < len(word) - 1 or word[index - 1] not in _VOWELS:
                return True  # r before more letters, or after a final consonant
            if index - first >= 2 and set(word[first:index]) <= _VOWELS:
                return True  # r after a nucleus of two or more vowels (hair, thuyr)
    return False


def _w_evidence(word: str) -> bool:
    index = word.find("w")
    while index != -1:
        following = word[index + 1] if index + 1 < len(word) else ""
        if index > 0 or following not in _VOWELS:
            return True
        index = word.find("w", index + 1)
    return False


def _strong_telex(word: str) -> bool:
    """Evidence that ``word`` was typed in Telex; a final ``r`` after a single vowel is not enough."""
    return (
        any(pair in word for pair in ("dd", "aa", "ee", "oo"))
        or _w_evidence(word)
        or _tone_key_evidence(word)
    )


def _untelex_word(word: str) -> str:
    if is_syllable(word):
        return word
    candidate = _strip_vni_digits(word)
    if not (candidate.isascii() and candidate.isalpha()):
        return word
    if candidate == word and not _strong_telex(word):
        return word
    candidate = _collapse_doubles(_drop_tone_keys(_undo_w(candidate.replace("dd", "d"))))
    return candidate if is_syllable(candidate) else word


def fold_telex(text: str) -> str:
    """``fold`` plus removal of Telex/VNI key leftovers (see module docstring for the rules)."""
    return " ".join(_untelex_word(word) for word in fold(text).split())


def name_key(full_name: str, birth_year: int | None) -> str:
    """Key for duplicate-person matching: Telex-tolerant folded name and birth year.

    ``name_key("Nguyễn Văn Đức", 1990) == "nguyen van duc|1990"``; an unknown year gives ``?``.
    """
    year = f"{birth_year:04d}" if birth_year is not None else "?"
    return f"{fold_telex(full_name)}|{year}"
