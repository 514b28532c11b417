"""Match the township names of an announced protected area to today's regions.

Announcements predate the 2023 statistics list, and names have moved since:
乡 became 镇, ethnic townships gained or lost their qualifier (鲁布革乡 is now
鲁布革布依族苗族乡). Names are tried within one county, in order: code, exact
name, alias or former name, then the "root" with unit suffix and ethnic
qualifiers removed. A root shared by two townships matches neither: a name that
cannot be resolved with certainty is returned as unmatched, never guessed.
"""

import re
from dataclasses import dataclass

from regions.choices import RegionLevel
from regions.models import Region

from .choices import MatchedBy

# The 55 minority nationalities; a qualifier is one or more of them, e.g. 彝族苗族.
_ETHNIC_GROUPS_TEXT = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 "
    "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 "
    "塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
)
ETHNIC_GROUPS = tuple(_ETHNIC_GROUPS_TEXT.split())
# Longest first, so 布依族 is not read as 依族 after a stray 布.
_ETHNIC = "|".join(sorted((g + "族" for g in ETHNIC_GROUPS), key=len, reverse=True))
_SUFFIX = re.compile(r"(街道办事处|街道|办事处|民族乡|镇|乡)$")
_QUALIFIERS = re.compile(rf"(?:{_ETHNIC})+$")
_CODE = re.compile(r"^\d{9}$")


def name_root(name: str) -> str:
    """The name without unit suffix and ethnic qualifiers: 鲁布革布依族苗族乡 -> 鲁布革."""
    name = name.strip()
    root = _SUFFIX.sub("", name)
    root = _QUALIFIERS.sub("", root)
    # A name that is nothing but a suffix/qualifier keeps itself as its root.
    return root or name


@dataclass(frozen=True)
class AreaNameMatch:
    """One announced name linked to a region, and how."""

    text: str
    region: Region
    matched_by: str


def match_area_names(*, county: Region, names: list[str]) -> tuple[list[AreaNameMatch], list[str]]:
    """Resolve township-level ``names`` within ``county``: ``(matched, unmatched)``.

    Both lists keep the order of ``names``; blank names are ignored.
    """
    townships = list(
        Region.objects.filter(parent=county, level=RegionLevel.TOWNSHIP)
        .defer("geom", "geom_display", "label_point")
        .order_by("code")
    )
    by_code = {t.code: t for t in townships}
    by_name = {t.name: t for t in townships}
    by_alias: dict[str, list[Region]] = {}
    by_root: dict[str, list[Region]] = {}
    for t in townships:
        for alias in {*t.aliases, *t.former_names}:
            by_alias.setdefault(alias, []).append(t)
        by_root.setdefault(name_root(t.name), []).append(t)

    matched: list[AreaNameMatch] = []
    unmatched: list[str] = []
    for raw in names:
        text = raw.strip()
        if not text:
            continue
        hit = _resolve(text, by_code, by_name, by_alias, by_root)
        if hit is None:
            unmatched.append(text)
        else:
            matched.append(AreaNameMatch(text=text, region=hit[0], matched_by=hit[1]))
    return matched, unmatched


def _resolve(text, by_code, by_name, by_alias, by_root) -> tuple[Region, str] | None:
    if _CODE.match(text):
        region = by_code.get(text)
        return (region, MatchedBy.CODE) if region else None
    if text in by_name:
        return by_name[text], MatchedBy.NAME
    aliased = by_alias.get(text, [])
    if len(aliased) == 1:
        return aliased[0], MatchedBy.ALIAS
    rooted = by_root.get(name_root(text), [])
    if len(rooted) == 1:
        return rooted[0], MatchedBy.ROOT
    return None
