"""Every endpoint under /api/ and /ogc/, with its methods, read from Django's URL resolver."""

import re

from django.urls import URLPattern, URLResolver, get_resolver


def _methods(pattern: URLPattern) -> set[str]:
    callback = pattern.callback
    actions = getattr(callback, "actions", None)  # a viewset route: {method: action}
    if actions:
        return set(actions)
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view is None:  # a plain function view
        return {"get"}
    return {m for m in view.http_method_names if m not in ("head", "options") and hasattr(view, m)}


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        else:
            yield prefix + str(p.pattern), namespace, p


def api_routes() -> dict[tuple[str, str], str]:
    """``{(route, method): pattern}`` of every endpoint under /api/ and /ogc/."""
    found = {}
    for path, namespace, pattern in _walk(get_resolver().url_patterns):
        if not path.startswith(("api/", "ogc/")):
            continue
        if pattern.name:
            route = f"{namespace}:{pattern.name}" if namespace else pattern.name
        else:
            route = path
        for method in _methods(pattern):
            found[(route, method)] = path
    return found


def url_params(path: str) -> list[str]:
    """The parameters of a route: regex groups (routers) and path converters (ogc)."""
    return re.findall(r"\(\?P<(\w+)>", path) + re.findall(r"<(?:\w+:)?(\w+)>", path)
