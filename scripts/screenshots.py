"""Full-page screenshots of the built book's overview and results pages, as a reader sees them.

Serves an already built book (default: ``_build/html`` of the default run, from
``bash scripts/main.sh``) on localhost, opens it in Debian's headless Chromium through
Playwright with every non-local request blocked, waits for the images, MathJax and the web
fonts, and writes ``overview.png`` and ``results.png`` (default: ``book/_static/screenshots/``).

    .venv/bin/python scripts/screenshots.py [--html _build/html] [--out book/_static/screenshots]

tests/book/test_book_render.py checks the same pages of the smoke run's book.
"""

import argparse
import functools
import http.server
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
PAGES = {"overview": "book/index.html", "results": "book/results.html",
         "beyond": "book/beyond.html", "faster": "book/faster.html"}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
_SETTLE = """async () => {
    for (const img of document.images) img.scrollIntoView();
    await Promise.all([...document.images].map(img => img.complete ? null
        : new Promise(done => { img.onload = img.onerror = done; })));
    const startup = window.MathJax && window.MathJax.startup;
    if (startup) await startup.promise;
    await document.fonts.ready;
    window.scrollTo(0, 0);
}"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


def screenshots(html: Path, out: Path, chromium: Path, width: int = 1280) -> list[Path]:
    """Write one PNG per page of PAGES; raise if the book tried to reach the network."""
    from playwright.sync_api import sync_playwright

    missing = [p for p in PAGES.values() if not (html / p).is_file()]
    if missing:
        raise SystemExit(f"screenshots: {html} has no {', '.join(missing)}: build the book "
                         f"first (bash scripts/main.sh)")
    out.mkdir(parents=True, exist_ok=True)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    blocked, written = [], []

    def guard(route):
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    try:
        with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS,
                viewport={"width": width, "height": 900}, service_workers="block")
            try:
                context.route("**/*", guard)
                page = context.new_page()
                for name, page_path in PAGES.items():
                    page.goto(base + page_path, wait_until="load")
                    page.evaluate(_SETTLE)
                    written.append(out / f"{name}.png")
                    page.screenshot(path=written[-1], full_page=True)
            finally:
                context.close()
    finally:
        server.shutdown()
        server.server_close()
    if blocked:
        raise SystemExit("screenshots: the book tried to reach the network:\n  "
                         + "\n  ".join(blocked))
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html",
                        help="the built book (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=ROOT / "book" / "_static" / "screenshots",
                        help="where the PNGs go (default: %(default)s)")
    parser.add_argument("--chromium", type=Path, default=Path("/usr/bin/chromium"),
                        help="the Chromium binary (default: %(default)s, Debian's chromium)")
    parser.add_argument("--width", type=int, default=1280,
                        help="viewport width in CSS pixels (default: %(default)s)")
    args = parser.parse_args(argv)
    if not args.chromium.is_file():
        sys.exit(f"screenshots: {args.chromium} not found (apt-get install chromium)")
    for path in screenshots(args.html, args.out, args.chromium, args.width):
        print(path)


if __name__ == "__main__":
    main()
