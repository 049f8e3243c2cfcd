"""The lab pages' links: the repository URL (setup.cfg), Colab, and the install cell.

The repository URL lives in one place, ``setup.cfg``'s ``[metadata] project_urls``
(its ``Source`` entry). Where it is set, each lab page links to the notebook on
Colab, and each notebook's first cell installs the package from that repository;
where it is not, the page has no Colab link and the first cell installs the
package from the clone the notebook sits in.

    >>> colab_url("https://github.com/owner/repo", "labs/01_coffee_roasting.ipynb")
    'https://colab.research.google.com/github/owner/repo/blob/main/labs/01_coffee_roasting.ipynb'

``python docs/site/_ext/labsite.py`` rewrites the notebooks' first cells after
the URL changes (``tests/test_site_links.py`` fails until it has been run).
"""

import configparser
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
_GITHUB = re.compile(r"^https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?$")
INSTALL_MARK = "# Installs mlscompanion where this kernel lacks it"


def project_url(setup_cfg=ROOT / "setup.cfg"):
    """The ``Source`` entry of setup.cfg's ``project_urls``, or None where it is not set."""
    parser = configparser.ConfigParser()
    parser.read(setup_cfg, encoding="utf-8")
    raw = parser.get("metadata", "project_urls", fallback="")
    for line in raw.splitlines():
        key, _, value = line.partition("=")
        if key.strip().lower() == "source" and value.strip():
            return value.strip()
    return None


def colab_url(repo_url, notebook, branch="main"):
    """The "Open in Colab" address of ``notebook`` (a path in the repository) on GitHub."""
    match = _GITHUB.match(repo_url or "")
    if not match:
        raise ValueError(
            f"repo_url={repo_url!r}: expected a GitHub repository address, "
            "https://github.com/OWNER/REPO")
    owner, repo = match.groups()
    return (f"https://colab.research.google.com/github/{owner}/{repo}"
            f"/blob/{branch}/{Path(notebook).as_posix()}")


def install_cell(repo_url):
    """The source of each notebook's first cell for the repository URL (or None)."""
    source = f'"mlscompanion @ git+{repo_url}"' if repo_url else "-e .."
    return (f"{INSTALL_MARK}; does nothing where it is installed.\n"
            "try:\n"
            "    import mlscompanion\n"
            "except ImportError:\n"
            f"    %pip install --quiet {source}")


def write_install_cells(labs_dir=ROOT / "labs", repo_url=None):
    """Put ``install_cell(repo_url)`` first in every notebook (replacing an older one)."""
    for path in sorted(Path(labs_dir).glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        cell = {"cell_type": "code", "execution_count": None, "id": "install-mlscompanion",
                "metadata": {},
                "outputs": [], "source": install_cell(repo_url).splitlines(keepends=True)}
        cells = nb["cells"]
        if cells and "".join(cells[0].get("source", "")).startswith(INSTALL_MARK):
            cells[0] = cell
        else:
            cells.insert(0, cell)
        path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_install_cells(repo_url=project_url())
    sys.exit(0)
