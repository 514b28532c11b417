"""Models of the GI product registers: products, their protected areas and photos."""

from .areas import ProtectedAreaPart, ProtectedAreaUnit
from .products import Category, GIProduct, ProductPhoto, StandardReference

__all__ = [
    "Category",
    "GIProduct",
    "ProductPhoto",
    "ProtectedAreaPart",
    "ProtectedAreaUnit",
    "StandardReference",
]
