"""The lab pages' links (docs/site/_ext/labsite.py): the Colab address for a
repository URL, the URL read from setup.cfg, and the notebooks' install cell."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "site" / "_ext"))

import labsite  # noqa: E402


def test_colab_url_for_a_github_repository():
    assert labsite.colab_url("https://github.com/owner/repo", "labs/01_coffee_roasting.ipynb") == (
        "https://colab.research.google.com/github/owner/repo/blob/main/labs/01_coffee_roasting.ipynb")


@pytest.mark.parametrize("url", ["https://github.com/owner/repo/", "https://github.com/owner/repo.git"])
def test_colab_url_ignores_a_trailing_slash_or_git_suffix(url):
    assert labsite.colab_url(url, "labs/x.ipynb") == (
        "https://colab.research.google.com/github/owner/repo/blob/main/labs/x.ipynb")


@pytest.mark.parametrize("url", [None, "", "https://gitlab.com/owner/repo", "github.com/owner/repo",
                                 "https://github.com/owner"])
def test_colab_url_rejects_what_is_not_a_github_repository(url):
    with pytest.raises(ValueError, match="repo_url"):
        labsite.colab_url(url, "labs/x.ipynb")


def test_project_url_is_read_from_setup_cfg(tmp_path):
    cfg = tmp_path / "setup.cfg"
    cfg.write_text("[metadata]\nname = x\nproject_urls =\n"
                   "    Documentation = https://example.org/docs\n"
                   "    Source = https://github.com/owner/repo\n")
    assert labsite.project_url(cfg) == "https://github.com/owner/repo"
    cfg.write_text("[metadata]\nname = x\n")
    assert labsite.project_url(cfg) is None


def test_install_cell_installs_from_the_repository_or_the_clone():
    assert '%pip install --quiet "mlscompanion @ git+https://github.com/o/r"' in labsite.install_cell(
        "https://github.com/o/r")
    assert labsite.install_cell(None).endswith("%pip install --quiet -e ..")


NOTEBOOKS = sorted((ROOT / "labs").glob("[0-9]*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_each_notebook_starts_with_the_install_cell_for_setup_cfgs_url(path):
    first = json.loads(path.read_text(encoding="utf-8"))["cells"][0]
    assert first["cell_type"] == "code"
    assert "".join(first["source"]) == labsite.install_cell(labsite.project_url()), (
        f"{path.name}: run `python docs/site/_ext/labsite.py` to rewrite the first cells")


@pytest.mark.parametrize("installed", [True, False])
def test_install_cell_installs_only_where_the_package_is_missing(installed):
    # The cell's `%pip` line is IPython: replaced here by a print, in a plain Python
    # where importing mlscompanion succeeds (a stand-in module) or fails.
    fake = ("import sys, types; sys.modules['mlscompanion'] = "
            + ("types.ModuleType('mlscompanion')" if installed else "None") + "\n")
    source = labsite.install_cell("https://github.com/o/r").replace("%pip install", "print('pip install') #")
    done = subprocess.run([sys.executable, "-c", fake + source], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ("" if installed else "pip install")
