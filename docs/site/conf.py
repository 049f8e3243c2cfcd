"""Sphinx configuration of the mlscompanion site (build: see the README's "The site").

The site shows files that live elsewhere in the repository (README.md, docs/*.md,
docs/labs/*.md, docs/images/, benchmarks/README.md, labs/*.ipynb). Sphinx reads
only this folder, so ``_mirror()`` copies them here under the same relative
paths (git ignores the copies): their relative links keep working unchanged.
A lab's full-run write-up (docs/labs/*.md) opens with its name in bold, which
its copy turns into the page's title.
A file is copied only when its content changed, so an unchanged repository
rebuilds nothing. Each lab notebook's copy gets one Markdown cell under its
title with the download link and, where setup.cfg names the repository, an
"Open in Colab" link (Markdown cells are not part of the execution cache key,
so setting the URL runs no lab again), and its install cell the tag that keeps
TensorFlow's start-up chatter (stderr) off the page (code cells' metadata is part
of the key: the copies are made the same way every time, so the key is stable).
"""

import json
import os
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(ROOT))

import labsite  # noqa: E402

project = "mlscompanion"
author = "mlscompanion contributors"
copyright = "mlscompanion contributors"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sitecheck",
]

html_theme = "furo"
html_title = "mlscompanion"
html_favicon = "_static/favicon.svg"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]
# The package documents itself: the docs build must not train on import.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# --- Notebooks: executed at the learners' full budget, cached, strict -----------
os.environ.pop("MLSCOMPANION_QUICK", None)
nb_execution_mode = "cache"
nb_execution_cache_path = str(HERE / "_build" / ".jupyter_cache")
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 600  # seconds per cell: a whole lab takes 0.5-2.5 min on 2 busy cores
nb_execution_in_temp = False  # the labs run from their own folder, as in Jupyter
nb_merge_streams = True

myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

# --- API reference ----------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

# -n (nitpicky) fails the build on every reference to an mlscompanion name that
# does not resolve. Names from other libraries (keras, numpy, builtins, ...) have
# no inventory offline, so they are not checked.
nitpick_ignore_regex = [(r"py:.*", r"(?!mlscompanion\b).*")]

# --- The repository files the site shows (mirrored, see the module docstring) ----
MIRRORED = ["docs/questions.md", "docs/backends.md", "docs/bad-inputs.md",
            "docs/snippet-check.md", "docs/testing.md", "docs/architecture.md", "docs/labs",
            "docs/images",
            "benchmarks/README.md"]


def _copy_if_changed(data, target):
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists() or target.read_bytes() != data:
        target.write_bytes(data)


def _lab_links_cell(notebook):
    rel = notebook.relative_to(ROOT).as_posix()
    links = [f"{{download}}`Download the notebook <../../../{rel}>`"]
    url = labsite.project_url()
    if url:
        links.append(f"[Open in Colab]({labsite.colab_url(url, rel)})")
    return {"cell_type": "markdown", "id": "site-links", "metadata": {},
            "source": " · ".join(links)}


def _titled(path, data):
    """A lab's full-run write-up opens with its bold name: that becomes the page title."""
    if path.parent.name != "labs" or path.suffix != ".md":
        return data
    text = data.decode("utf-8")
    match = re.match(r"\*\*(.+?)\*\*", text)
    return f"# {match.group(1)}: the full run\n\n{text}".encode("utf-8") if match else data


def _mirror():
    for name in MIRRORED:
        source = ROOT / name
        files = sorted(source.rglob("*")) if source.is_dir() else [source]
        for path in files:
            if path.is_file():
                _copy_if_changed(_titled(path, path.read_bytes()), HERE / path.relative_to(ROOT))
    for notebook in sorted((ROOT / "labs").glob("[0-9]*.ipynb")):
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        title = next(i for i, cell in enumerate(nb["cells"])
                     if cell["cell_type"] == "markdown"
                     and "".join(cell["source"]).lstrip().startswith("# "))
        nb["cells"].insert(title + 1, _lab_links_cell(notebook))
        first = nb["cells"][0]
        if "".join(first["source"]).startswith(labsite.INSTALL_MARK):
            # Its import starts TensorFlow, whose C++ start-up chatter goes to stderr.
            first["metadata"].setdefault("tags", []).append("remove-stderr")
        data = (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()
        _copy_if_changed(data, HERE / "labs" / notebook.name)


_mirror()
