"""How alike two variety denominations are, the way examiners test a new name.

UPOV's guidance on denominations, applied by the CPVO and in China, asks
whether a new name could be *confused* with an existing one in the same or a
closely related species: by sight, by sound, or because it only differs in
formatting. For Chinese names "by sound" means pinyin, so homophones such as
紫娟 / 紫鹃 (both *zijuan*) are the classic conflict.

These are pure functions on two names; :func:`varieties.selectors.similar_denominations`
preselects candidates in the database and scores them here.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from girrepo.text import normalize_query, pinyin_key

# Scores at or above this are reported (after species weighting).
WARNING_SCORE = 0.75
# Same-species conflicts weigh more; other species much less (UPOV: the
# "class" of closely related species is what matters).
SAME_SPECIES_BONUS = 0.05
OTHER_SPECIES_FACTOR = 0.85

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# A Chinese-numeral serial number, as in 云抗十四号 (= 云抗14号).
_CN_SERIAL = re.compile(r"([零〇一二两三四五六七八九十百]+)(?=号)")
# "No. 10", "NO10", "#10": the word is formatting, the number is the name.
_NO_PREFIX = re.compile(r"no(?=\d)")
_DIGIT_RUN = re.compile(r"\d+")
_DIGIT_SPLIT = re.compile(r"(\d+)")


def _cn_number(text: str) -> str:
    """十四 -> 14, 一百零二 -> 102; used only before 号."""
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    if "十" not in text and "百" not in text:
        # Digit-by-digit numerals: 一四 -> 14.
        return "".join(str(_DIGITS[c]) for c in text)
    return str(total + current)


def denomination_key(name: str) -> str:
    """The name as an examiner compares it: width, case, spacing, punctuation,
    "号" / "No." and Chinese serial numerals removed.

    云抗10号, 云抗 10 号, 云抗１０号, 云抗No.10 and 云抗十号 all give "云抗10".
    """
    text = unicodedata.normalize("NFKC", name).replace("號", "号")
    text = _CN_SERIAL.sub(lambda m: _cn_number(m.group(1)), text)
    key = normalize_query(text)
    key = _NO_PREFIX.sub("", key)
    return key.replace("号", "")


def _pinyin(key: str) -> str:
    """Pinyin with the digits kept (``pinyin_key`` would read "10" after a syllable as a tone)."""
    return "".join(p if p.isdigit() else pinyin_key(p) for p in _DIGIT_SPLIT.split(key) if p)


@dataclass(frozen=True)
class NameForms:
    """The forms of one name that the comparison needs, computed once."""

    key: str
    pinyin: str
    stem: str
    stem_pinyin: str
    numbers: tuple[str, ...]

    @classmethod
    def of(cls, name: str) -> "NameForms":
        key = denomination_key(name)
        stem = _DIGIT_RUN.sub("", key)
        return cls(
            key=key,
            pinyin=_pinyin(key),
            stem=stem,
            stem_pinyin=_pinyin(stem),
            numbers=tuple(_DIGIT_RUN.findall(key)),
        )


def _is_substantial(key: str) -> bool:
    """Long enough for containment to mean something: 2 Han characters or 4 letters."""
    han = sum(1 for c in key if not c.isascii())
    return han >= 2 or len(key) >= 4


def compare_names(new: NameForms, old: NameForms) -> tuple[float, str] | None:
    """(score 0..1, reason) for the strongest reason the names may be confused."""
    if not new.key or not old.key:
        return None
    if new.key == old.key:
        return 1.0, _("identical once width, spacing and '号/No.' are ignored")
    if new.pinyin == old.pinyin:
        return 0.95, _("sounds the same (homophone: %(pinyin)s)") % {"pinyin": old.pinyin}
    found: list[tuple[float, str]] = []
    if (
        new.numbers != old.numbers
        and new.stem
        and (new.stem == old.stem or new.stem_pinyin == old.stem_pinyin)
    ):
        found.append((0.75, _("same name with another number (a series?)")))
    shorter, longer = sorted((new.key, old.key), key=len)
    if _is_substantial(shorter) and shorter in longer:
        found.append((0.8, _("one name contains the other")))
    if new.numbers == old.numbers:
        sound = fuzz.ratio(new.pinyin, old.pinyin) / 100
        sight = Levenshtein.normalized_similarity(new.key, old.key)
        if sound >= sight:
            found.append((sound, _("sounds similar (%(pinyin)s)") % {"pinyin": old.pinyin}))
        else:
            found.append((sight, _("looks similar")))
    return max(found, key=lambda f: f[0]) if found else None


def species_match(species: str, *, species_zh: str, species_latin: str) -> bool:
    """Whether ``species`` names the same species (Chinese name or Latin binomial)."""
    wanted = normalize_query(species)
    if not wanted:
        return False
    if wanted == normalize_query(species_zh):
        return True
    binomial = " ".join(species_latin.split()[:2])
    wanted_binomial = " ".join(species.split()[:2])
    return bool(binomial) and normalize_query(binomial) == normalize_query(wanted_binomial)


def weigh_by_species(score: float, reason: str, *, same: bool | None) -> tuple[float, str]:
    """Adjust for species; ``same`` is None when the new name's species is not given."""
    if same is None:
        return score, reason
    if same:
        return min(1.0, score + SAME_SPECIES_BONUS), f"{reason}; {_('same species')}"
    return score * OTHER_SPECIES_FACTOR, f"{reason}; {_('other species')}"
