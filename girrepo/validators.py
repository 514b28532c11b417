"""Validators for codes that girrepo checks everywhere they are entered."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc

# GB 32100-2015 uses digits and capital letters except I, O, S, V and Z.
CREDIT_CODE_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")


def normalize_credit_code(value: str) -> str:
    return uscc.compact(value or "").upper()


def validate_credit_code(value: str) -> None:
    """Unified social credit code (统一社会信用代码), GB 32100-2015, with its check character.

    python-stdnum computes the check character; its own ``validate`` insists on
    digits in places 1–2, which would refuse lawful codes such as ``N2…`` (rural
    collective economic organisations), so the structure is checked here.
    """
    code = normalize_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="credit_code_length",
            params={"n": len(code)},
        )
    bad = sorted({c for c in code if c not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValidationError(
            _("A credit code cannot contain %(chars)s (I, O, S, V and Z are never used)."),
            code="credit_code_characters",
            params={"chars": ", ".join(bad)},
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("Places 3–8 of a credit code are the 6-digit administrative division code."),
            code="credit_code_division",
        )
    expected = uscc.calc_check_digit(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("The check character of this credit code is wrong (expected %(c)s)."),
            code="credit_code_checksum",
            params={"c": expected},
        )


def make_credit_code(stem: str) -> str:
    """Append the check character to a 17-character stem (demo data and tests)."""
    return stem + uscc.calc_check_digit(stem)
