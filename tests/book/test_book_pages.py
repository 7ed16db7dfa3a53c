"""Every page of the built book, as a reader at 1280 px sees it: one copy of each figure, a
title of its own, and nothing wider than the window (wide tables scroll inside the page).

Renders the smoke run's book (fixture ``smoke_book``) in headless Debian Chromium, like
tests/book/test_book_render.py, and first shows on a hand-made page that each check can fail.
"""

import functools
import http.server
import threading
from collections import Counter
from pathlib import Path

import pytest

from support import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS, ROOT, QuietHandler

pytestmark = pytest.mark.slow

_LAYOUT = """async () => {
    for (const img of document.images) img.scrollIntoView();
    await Promise.all([...document.images].map(img => img.complete ? null
        : new Promise(done => { img.onload = img.onerror = done; })));
    window.scrollTo(0, 0);
    const main = document.querySelector("main") || document.body;
    return {
        title: document.title,
        h1: [...main.querySelectorAll("h1")].map(h => h.innerText.replace(/#$/, "").trim()),
        images: [...main.querySelectorAll("img")].map(img => new URL(img.src).pathname),
        overflow: document.documentElement.scrollWidth - window.innerWidth,
    };
}"""


def _layouts(html: Path, pages: list[str], profile: Path) -> dict[str, dict]:
    from playwright.sync_api import sync_playwright

    handler = functools.partial(QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    found = {}
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 900}, service_workers="block")
            context.route("**/*", lambda route: route.continue_()
                          if (route.request.url.startswith("http://127.0.0.1")
                              or route.request.url.split("/")[2].split(":")[0] in LOCAL_HOSTS)
                          else route.abort("blockedbyclient"))
            try:
                page = context.new_page()
                for path in pages:
                    page.goto(base + path, wait_until="load")
                    found[path] = page.evaluate(_LAYOUT)
            finally:
                context.close()
    finally:
        server.shutdown()
        server.server_close()
    return found


def _faults(layouts: dict[str, dict]) -> list[str]:
    faults = []
    titles = Counter(v["title"] for v in layouts.values())
    for path, v in layouts.items():
        if titles[v["title"]] > 1:
            faults.append(f"{path}: title {v['title']!r} shared with another page")
        for src, n in Counter(v["images"]).items():
            if n > 1:
                faults.append(f"{path}: figure {src} shown {n} times")
        if v["overflow"] > 0:
            faults.append(f"{path}: {v['overflow']} px wider than the 1280 px window")
    return faults


def _require_chromium():
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (bash scripts/setup.sh)")


def test_the_checks_catch_each_fault(tmp_path):
    _require_chromium()
    png = (ROOT / "book" / "_static" / "screenshots")
    image = next(png.glob("*.png"))
    (tmp_path / "a.png").write_bytes(image.read_bytes())
    page = "<html><head><title>{title}</title></head><body><main><h1>{title}</h1>{body}</main></body></html>"
    img = '<img src="a.png" width="100">'
    (tmp_path / "one.html").write_text(page.format(title="Same", body=img + img))
    (tmp_path / "two.html").write_text(page.format(title="Same", body='<div style="width:2000px">wide</div>'))
    (tmp_path / "three.html").write_text(page.format(title="Fine", body=img))
    faults = _faults(_layouts(tmp_path, ["one.html", "two.html", "three.html"], tmp_path / "p"))
    assert any("one.html: title 'Same'" in f for f in faults)
    assert any("two.html: title 'Same'" in f for f in faults)
    assert any("one.html: figure /a.png shown 2 times" in f for f in faults)
    assert any(f.startswith("two.html:") and "wider than" in f for f in faults)
    assert not any(f.startswith("three.html") for f in faults)


@pytest.mark.needs_raw_data
def test_every_page_has_one_copy_of_each_figure_its_own_title_and_fits(smoke_book, tmp_path):
    _require_chromium()
    html = Path(smoke_book)
    pages = sorted(p.relative_to(html).as_posix() for p in (html / "book").rglob("*.html"))
    assert len(pages) > 10
    layouts = _layouts(html, pages, tmp_path / "profile")
    assert _faults(layouts) == []
    for path in pages:
        if "/experiment/generation_gen" in path:
            k = path.split("generation_gen")[1].split(".")[0]
            assert layouts[path]["h1"][0].startswith(f"Generation {k}: "), layouts[path]["h1"]
