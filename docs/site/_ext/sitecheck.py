"""Fail the build on a broken internal link in the written HTML.

Sphinx's ``-n`` catches references it resolves itself; this pass reads the
page of every document and checks each relative ``href``/``src``: the file
must exist in the output, and a ``#fragment`` must name an ``id`` on that page.
It runs offline (external links are left alone) and warns, so ``-W`` fails the
build.
"""

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sphinx.util import logging

logger = logging.getLogger(__name__)


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append(attrs[key])


def _parse(path, cache):
    if path not in cache:
        page = _Page()
        page.feed(path.read_text(encoding="utf-8", errors="replace"))
        cache[path] = page
    return cache[path]


def broken_links(outdir, pages):
    """(page, link) for each relative link in ``pages`` (paths in ``outdir``) that leads nowhere."""
    outdir = Path(outdir)
    cache, broken = {}, []
    for page_path in sorted(outdir / page for page in pages):
        for link in _parse(page_path, cache).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("javascript:", "data:")):
                continue
            target = (page_path.parent / unquote(parts.path)).resolve() if parts.path else page_path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append((page_path.relative_to(outdir), link))
            elif parts.fragment and target.suffix == ".html" \
                    and unquote(parts.fragment) not in _parse(target, cache).ids:
                broken.append((page_path.relative_to(outdir), link))
    return broken


def _check(app, exception):
    if exception is None and app.builder.format == "html":
        # The pages of this build's documents (a removed document's old page is ignored).
        pages = [app.builder.get_target_uri(doc) for doc in app.env.found_docs]
        for page, link in broken_links(app.outdir, pages):
            logger.warning("broken internal link in %s: %s", page, link)


def setup(app):
    app.connect("build-finished", _check)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
