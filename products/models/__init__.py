"""Models of the GI product registers: products, their protected areas and photos."""

from .areas import ProtectedAreaOutline, ProtectedAreaPart, ProtectedAreaUnit
from .products import Category, GIProduct, ProductPhoto, StandardReference

__all__ = [
    "Category",
    "GIProduct",
    "ProductPhoto",
    "ProtectedAreaOutline",
    "ProtectedAreaPart",
    "ProtectedAreaUnit",
    "StandardReference",
]
