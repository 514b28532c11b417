"""The marks register: GI certification and collective marks, famous marks, customs recordations."""

from .marks import GIMark, MarkImage, MarkTerm, MarkUse
from .recognitions import CustomsRecordation, FamousMark

__all__ = [
    "CustomsRecordation",
    "FamousMark",
    "GIMark",
    "MarkImage",
    "MarkTerm",
    "MarkUse",
]
