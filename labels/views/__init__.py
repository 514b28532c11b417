"""Views of the special-label workflow: portal, workbench (public verification elsewhere)."""
