"""Shared test utilities (pytest fixtures live in tests/conftest.py)."""
