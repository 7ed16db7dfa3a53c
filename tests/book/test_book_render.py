"""The built book as a reader sees it: the smoke run's HTML in headless Chromium, offline.

Debian's Chromium (``/usr/bin/chromium``; scripts/setup.sh installs it when it may) is driven
by Playwright; ``playwright install`` is never needed. The book is served from a localhost
HTTP server, and every request that is not to that server is blocked and recorded: the book
must read with no network at all (MathJax is vendored in book/_static/mathjax/).

Full-page screenshots of the overview and results pages go to ``$EVOSYNTH_SCREENSHOTS``
when set, else to a temporary folder. The committed ones (book/_static/screenshots/) come
from the default run's ``_build/html``: ``python scripts/screenshots.py``.

Needs the session fixture ``smoke_book`` of tests/conftest.py: the smoke run's book, built
with ``-W``, as the path of its HTML folder.
"""

import functools
import http.server
import os
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from support import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS, QuietHandler

PAGES = {"overview": "book/index.html", "results": "book/results.html"}
GENERATIONS = [f"gen{k}" for k in range(5)]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.needs_raw_data,
    pytest.mark.skipif(not sys.platform.startswith("linux"),
                       reason="renders with Debian's Chromium (/usr/bin/chromium): Linux only"),
]

# What a page reports once loaded: its images, its math, its tables and its visible text.
_INSPECT = """async () => {
    for (const img of document.images) img.scrollIntoView();      // no lazy image left behind
    await Promise.all([...document.images].map(img => img.complete ? null
        : new Promise(done => { img.onload = img.onerror = done; })));
    const startup = window.MathJax && window.MathJax.startup;      // absent: MathJax not loaded
    if (startup) await startup.promise;                               // initial typesetting done
    await document.fonts.ready;
    window.scrollTo(0, 0);
    return {
        images: [...document.images].map(img => ({src: img.currentSrc || img.src,
                                                  width: img.naturalWidth})),
        math: document.querySelectorAll(".math").length,
        untypeset: [...document.querySelectorAll(".math")]
            .filter(m => !m.querySelector("mjx-container")).map(m => m.textContent),
        mathjax: document.querySelectorAll("mjx-container").length,
        tables: [...document.querySelectorAll("table")].map(t => t.innerText),
        text: document.body.innerText,
    };
}"""


@pytest.fixture(scope="module")
def rendered(smoke_book, tmp_path_factory):
    """Each page of PAGES as Chromium rendered it, plus every request that left localhost."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install "
                    f"chromium; bash scripts/setup.sh does it as root or with sudo)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the Python package playwright is missing: pip install -e '.[test]'")
    html = Path(smoke_book)
    for page_path in PAGES.values():
        assert (html / page_path).is_file(), f"the book has no {page_path}"
    shots = Path(os.environ.get("EVOSYNTH_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    shots.mkdir(parents=True, exist_ok=True)

    handler = functools.partial(QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    blocked, failed, errors, pages = [], [], [], {}

    def guard(route):
        url = urlsplit(route.request.url)
        if url.scheme == "file" or (url.scheme in ("http", "https")
                                    and url.hostname in LOCAL_HOSTS):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    def on_response(response):
        if response.status >= 400:
            failed.append(f"{response.status} {response.url}")

    def on_request_failed(request):
        if request.url not in blocked:
            failed.append(f"{request.failure} {request.url}")

    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                tmp_path_factory.mktemp("chromium-profile"), executable_path=str(CHROMIUM),
                headless=True, args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900},
                service_workers="block")
            try:
                context.route("**/*", guard)
                context.on("response", on_response)
                context.on("requestfailed", on_request_failed)
                page = context.new_page()
                page.on("pageerror", lambda error: errors.append(str(error)))
                for name, page_path in PAGES.items():
                    page.goto(base + page_path, wait_until="load")
                    pages[name] = page.evaluate(_INSPECT)
                    page.screenshot(path=shots / f"{name}.png", full_page=True)
            finally:
                context.close()
    finally:
        server.shutdown()
        server.server_close()
    return {"pages": pages, "blocked": blocked, "failed": failed, "errors": errors,
            "shots": shots}


def test_the_book_reads_offline(rendered):
    assert rendered["blocked"] == [], "the book tried to reach the network"
    assert rendered["failed"] == [], "a resource of the book did not load"
    assert rendered["errors"] == [], "a script of the book raised an error"


@pytest.mark.parametrize("name", list(PAGES))
def test_every_image_is_drawn(rendered, name):
    images = rendered["pages"][name]["images"]
    assert images, f"the {name} page shows no figure"
    assert [i["src"] for i in images if i["width"] == 0] == []


@pytest.mark.parametrize("name", list(PAGES))
def test_math_is_typeset(rendered, name):
    page = rendered["pages"][name]
    assert page["untypeset"] == [], "math left as TeX source"
    assert "$$" not in page["text"] and "\\frac" not in page["text"]
    if name == "overview":  # it states the synaptic probability model as a formula
        assert page["math"] > 0 and page["mathjax"] >= page["math"]


def test_results_table_lists_every_generation(rendered):
    tables = rendered["pages"]["results"]["tables"]
    assert any(all(g in table for g in GENERATIONS) for table in tables), tables


@pytest.mark.parametrize("name", list(PAGES))
def test_screenshots_are_written(rendered, name):
    shot = rendered["shots"] / f"{name}.png"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank one
