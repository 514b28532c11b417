"""Text normalisation for search: Chinese, pinyin with or without tones, English."""

import re
import unicodedata

from pypinyin import lazy_pinyin

_NON_ALNUM = re.compile(r"[^0-9a-z\u3400-\u9fff\U00020000-\U0002ffff]+")


def normalize_query(value: str, *, tone_numbers: bool = True) -> str:
    """Lower-case, tone marks and separators removed: "Pǔ'ěr chá" -> "puercha".

    With ``tone_numbers`` a lone digit 1–5 right after a letter is read as a typed
    tone ("pu3er3" -> "puer"); stored keys are built without it, so that real
    numbers in names survive (云抗10号 -> "yunkang10hao").
    """
    decomposed = unicodedata.normalize("NFKD", value.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("ü", "v")
    # Tone numbers typed as in "pu3er3" are noise for matching.
    if tone_numbers:
        stripped = re.sub(r"(?<=[a-z])[1-5](?![0-9])", "", stripped)
    return _NON_ALNUM.sub("", stripped)


def pinyin_key(name: str) -> str:
    """Compact toneless pinyin of a Chinese name, for search: 普洱茶 -> "puercha"."""
    return normalize_query("".join(lazy_pinyin(name, errors="default")), tone_numbers=False)


def query_key(query: str) -> str:
    """What a typed query is matched against ``search_key`` with: Chinese turned into
    pinyin (so variant characters and homophones meet), tones and separators gone."""
    return normalize_query("".join(lazy_pinyin(query, errors="default")))
