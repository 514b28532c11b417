"""Text normalisation for search: Chinese, pinyin with or without tones, English."""

import re
import unicodedata

from pypinyin import lazy_pinyin

_NON_ALNUM = re.compile(r"[^0-9a-z\u3400-\u9fff\U00020000-\U0002ffff]+")


def normalize_query(value: str) -> str:
    """Lower-case, tone marks and separators removed: "Pǔ'ěr chá" -> "puercha"."""
    decomposed = unicodedata.normalize("NFKD", value.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("ü", "v")
    # Tone numbers typed as in "pu3er3" are noise for matching.
    stripped = re.sub(r"(?<=[a-z])[1-5]", "", stripped)
    return _NON_ALNUM.sub("", stripped)


def pinyin_key(name: str) -> str:
    """Compact toneless pinyin of a Chinese name, for search: 普洱茶 -> "puercha"."""
    return normalize_query("".join(lazy_pinyin(name, errors="default")))
