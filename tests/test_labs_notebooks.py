"""Every lab notebook runs top to bottom in quick mode (the labs' own claims are
asserted cheaply in tests/test_lab_*.py through mlscompanion.experiments)."""

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
