"""bench_maps, part 1: the first view in headless Chromium (bytes and time to first
render) of /map/ and of the naive folium pages, against a running server."""

import gzip
import os
import statistics

from maps.layers import PUBLIC_LAYERS

ALL_LAYERS = ",".join(PUBLIC_LAYERS)

_SIZES: dict[str, tuple[int, int]] = {}


def body_sizes(url: str) -> tuple[int, int]:
    """(raw, gzip level 6) size of the body at ``url``, fetched uncompressed."""
    import urllib.request

    if url not in _SIZES:
        body = urllib.request.urlopen(url.split("#")[0], timeout=60).read()
        _SIZES[url] = (len(body), len(gzip.compress(body, 6)))
    return _SIZES[url]


FIRST_RENDER_JS = """
sel => { const ok = document.querySelector(sel) !== null;
         if (ok && window.__firstRender === undefined) window.__firstRender = performance.now();
         return ok; }
"""


def browse(browser, url: str, selector: str) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    requests = []
    page.on("requestfinished", lambda request: requests.append(request))
    page.goto(url, wait_until="commit", timeout=120_000)
    page.wait_for_function(FIRST_RENDER_JS, arg=selector, polling="raf", timeout=120_000)
    first = page.evaluate("window.__firstRender")
    page.wait_for_load_state("networkidle", timeout=120_000)
    complete = page.evaluate("performance.now()") - 500  # networkidle waits 500 ms
    raw = gz = 0
    tiles = []
    kinds: dict[str, int] = {}
    for request in requests:
        # Bodies are fetched again here: Chromium evicts large ones from its cache.
        size, zipped = body_sizes(request.url)
        raw += size
        gz += zipped
        kind = next(
            (k for k in ("/static/", "/tiles/", "/points/") if k in request.url), "page"
        ).strip("/")
        kinds[kind] = kinds.get(kind, 0) + zipped
        if "/tiles/" in request.url:
            tiles.append("/" + request.url.split("://", 1)[1].split("/", 1)[1])
    context.close()
    return {
        "first": first,
        "complete": complete,
        "raw": raw,
        "gz": gz,
        "requests": len(requests),
        "tiles": tiles,
        "kinds": kinds,
    }


PAGES = {
    "map": ("/map/#layers=" + ALL_LAYERS, ".leaflet-girrepoTiles-pane path.girrepo-f-counties"),
    "naive, all layers": ("/bench/naive-map/?layers=all", ".leaflet-overlay-pane path"),
    "naive, counties+markers": ("/bench/naive-map/", ".leaflet-overlay-pane path"),
}


def first_view(base: str, runs: int) -> tuple[dict, list[str]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=os.environ.get("GIRREPO_CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu"],
        )
        for url, selector in PAGES.values():  # warm the server
            browse(browser, base + url, selector)
        results = {name: [] for name in PAGES}
        for _ in range(runs):  # alternate, so machine load hits every page alike
            for name, (url, selector) in PAGES.items():
                results[name].append(browse(browser, base + url, selector))
        browser.close()
    summary = {
        name: {
            key: statistics.median(r[key] for r in rows)
            for key in ("first", "complete", "raw", "gz", "requests")
        }
        for name, rows in results.items()
    }
    summary["map"]["kinds"] = results["map"][-1]["kinds"]
    return summary, results["map"][-1]["tiles"]
