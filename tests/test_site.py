"""The built site in a real browser: headless Chromium (Debian's ``chromium``)
driven by Playwright with the system executable, over a local HTTP server.

The site takes long to build (the labs run at their full budget), so this test
does not build it: it checks the site in ``$MLSCOMPANION_SITE_DIR`` (default:
``docs/site/_build/html``, where the README's command and ``.ci/run`` write
it) and skips, saying why, where the site, Chromium or Playwright is missing.
"""

import functools
import http.server
import io
import os
import shutil
import threading
from pathlib import Path

import sys

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "site" / "_ext"))

import labsite  # noqa: E402
SITE = Path(os.environ.get("MLSCOMPANION_SITE_DIR", ROOT / "docs" / "site" / "_build" / "html"))
CHROMIUM = os.environ.get("MLSCOMPANION_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

LAB_PAGE = "labs/01_coffee_roasting.html"
API_PAGE = "api/constraints.html"

if not (SITE / "index.html").is_file():
    pytest.skip(f"no built site in {SITE}: build it with "
                "`python -m sphinx -W --keep-going -n docs/site docs/site/_build/html`", allow_module_level=True)
if not Path(CHROMIUM).is_file():
    pytest.skip(f"Chromium is missing ({CHROMIUM}): `apt-get install chromium`", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is missing: `pip install playwright`")


@pytest.fixture(scope="module")
def base_url():
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM,
            headless=True, args=ARGS, viewport={"width": 1280, "height": 900})
        yield context
        context.close()


def _open(browser, url):
    """The page at ``url``, loaded, with the console errors and failed requests seen."""
    page = browser.new_page()
    problems = []
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text} ({msg.location.get('url')})")
            if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("requestfailed", lambda req: problems.append(f"request failed: {req.url}"))
    page.on("response", lambda resp: problems.append(f"HTTP {resp.status}: {resp.url}")
            if resp.status >= 400 else None)
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, url
    page.wait_for_load_state("networkidle")
    return page, problems


def _images(page):
    return page.evaluate("""() => Array.from(document.images).map(
        img => ({src: img.currentSrc || img.src, complete: img.complete, width: img.naturalWidth}))""")


@pytest.mark.parametrize("path", ["index.html", LAB_PAGE, API_PAGE])
def test_page_loads_without_console_errors_and_every_image_loads(browser, base_url, path):
    page, problems = _open(browser, base_url + path)
    try:
        assert page.locator("h1").count() >= 1
        for img in page.locator("img").all():
            img.scroll_into_view_if_needed()  # lazy images load too
        page.wait_for_load_state("networkidle")
        broken = [img for img in _images(page) if not (img["complete"] and img["width"] > 0)]
        assert not broken, broken
        assert not problems, problems
    finally:
        page.close()


def test_lab_page_shows_its_figures_and_offers_the_notebook(browser, base_url, tmp_path):
    page, problems = _open(browser, base_url + LAB_PAGE)
    try:
        page.screenshot(path=str(tmp_path / "lab_top.png"))
        figures = page.locator(".cell_output img")
        assert figures.count() >= 3, "the coffee lab draws several figures"
        variances = []
        for index in range(figures.count()):
            figure = figures.nth(index)
            figure.scroll_into_view_if_needed()
            assert figure.is_visible()
            png = figure.screenshot(path=str(tmp_path / f"figure{index}.png"))
            pixels = _pixels(png)
            variances.append(float(pixels.std()))
        page.screenshot(path=str(tmp_path / "lab_page.png"))
        # A blank (or single-colour) picture has no spread; a plot has axes, text, curves.
        assert min(variances) > 0.02, variances
        download = page.locator("a.download", has_text="Download the notebook")
        assert download.count() == 1
        href = download.get_attribute("href")
        assert href.endswith("01_coffee_roasting.ipynb")
        notebook = page.request.get(base_url + "labs/" + href)
        assert notebook.ok and b'"cells"' in notebook.body()
        # "Open in Colab" exactly where setup.cfg names the repository.
        colab = page.locator("a", has_text="Open in Colab")
        repo_url = labsite.project_url()
        assert colab.count() == (1 if repo_url else 0)
        if repo_url:
            assert colab.get_attribute("href") == labsite.colab_url(repo_url, "labs/01_coffee_roasting.ipynb")
        assert not problems, problems
    finally:
        page.close()


def _pixels(png):
    import matplotlib.image

    return np.asarray(matplotlib.image.imread(io.BytesIO(png), format="png"))[..., :3]


def test_search_finds_tieunits(browser, base_url):
    page, problems = _open(browser, base_url + "search.html?q=TieUnits")
    try:
        results = page.locator("ul.search li a")
        results.first.wait_for(timeout=30_000)
        hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
        assert any("api/constraints.html" in href and "TieUnits" in href for href in hrefs), hrefs
        assert not problems, problems
    finally:
        page.close()
