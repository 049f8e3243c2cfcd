"""Every lab notebook runs top to bottom in quick mode (the labs' own claims are
asserted cheaply in tests/test_lab_*.py through mlscompanion.labs)."""

import json

import pytest

from mlscompanion import labs

LABS = labs.list_labs()


def test_there_are_labs():
    assert len(LABS) >= 1


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS, ids=[lab.name for lab in LABS])
def test_lab_runs_in_quick_mode(lab, tmp_path):
    target = labs.run_lab(lab.name, quick=True, out=tmp_path, timeout=300)
    nb = json.loads(target.read_text())
    errors = [
        out for cell in nb["cells"] if cell["cell_type"] == "code"
        for out in cell.get("outputs", []) if out.get("output_type") == "error"
    ]
    assert not errors
    assert any(cell.get("outputs") for cell in nb["cells"] if cell["cell_type"] == "code")


@pytest.mark.parametrize("lab", LABS, ids=[lab.name for lab in LABS])
def test_lab_is_committed_without_outputs(lab):
    nb = json.loads(lab.path.read_text())
    assert all(not cell.get("outputs") for cell in nb["cells"] if cell["cell_type"] == "code")


LIVE_LABS = [lab for lab in LABS if lab.path.name.startswith(("01_", "07_"))]


@pytest.mark.slow
@pytest.mark.parametrize("lab", LIVE_LABS, ids=[lab.name for lab in LIVE_LABS])
def test_live_view_is_one_picture_updated_in_place(lab, tmp_path):
    """The fit cell with live=True keeps ONE display output, replaced in place
    through its display id (nbclient applies update_display_data to it), and
    the live sink's draw count in its metadata shows it was redrawn."""
    target = labs.run_lab(lab.name, quick=True, out=tmp_path, timeout=300)
    nb = json.loads(target.read_text())
    live_cells = [cell for cell in nb["cells"]
                  if cell["cell_type"] == "code" and "live=True" in "".join(cell["source"])]
    assert len(live_cells) == 1
    outputs = live_cells[0]["outputs"]
    pictures = [out for out in outputs
                if out["output_type"] == "display_data" and "image/png" in out["data"]]
    assert len(pictures) == 1, [sorted(out.get("data", {})) for out in outputs]
    assert pictures[0]["metadata"]["mlscompanion"]["live_draws"] >= 2
    assert not any(out["output_type"] == "error" for out in outputs)
