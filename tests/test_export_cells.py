"""tools/export_cells.py: every module block written from a notebook's ``# @save`` cells matches that notebook, and
the tool notices a planted drift, a missing block and an orphan block."""

from __future__ import annotations

import pytest

from tools import export_cells

NOTEBOOK = """# %% [markdown]
# The lesson

# %%
# @save pairs/demo/code.py
def double(x):
    return 2 * x

# %%
print(double(2))

# %%
# @save pairs/demo/code.py
def triple(x):
    return 3 * x
"""

MODULE = '''"""Hand-written header."""

import math

# @generated from notebooks/text/01_demo.py by tools/export_cells.py: edit the notebook, not this
def double(x):
    return 2 * x
# @end generated

TAIL = math.pi
'''


def tree(tmp_path, notebook=NOTEBOOK, module=MODULE):
    (tmp_path / "notebooks" / "text").mkdir(parents=True)
    (tmp_path / "notebooks" / "pairs" / "demo").mkdir(parents=True)
    (tmp_path / "notebooks" / "text" / "01_demo.py").write_text(notebook)
    (tmp_path / "notebooks" / "pairs" / "demo" / "code.py").write_text(module)
    return tmp_path / "notebooks" / "pairs" / "demo" / "code.py"


def test_every_generated_block_matches_its_notebook():
    stale = export_cells.export(write=False)
    assert not stale, f"generated code differs from its notebook (run python tools/export_cells.py): {stale}"


def test_the_repository_uses_it():
    assert export_cells.saved_cells(export_cells.ROOT / "notebooks/text/11_capstone_pytorch.py")


def test_a_planted_drift_is_found_and_rewritten(tmp_path):
    module = tree(tmp_path)  # the module lacks triple(): out of date
    assert export_cells.export(tmp_path, write=False) == [
        "notebooks/pairs/demo/code.py (from notebooks/text/01_demo.py)"
    ]
    assert "def triple" not in module.read_text()
    assert export_cells.export(tmp_path, write=True)
    text = module.read_text()
    assert "def double(x):\n    return 2 * x\n\n\ndef triple(x):\n    return 3 * x\n\n\n# @end generated" in text
    assert text.startswith('"""Hand-written header."""') and text.endswith("TAIL = math.pi\n")
    assert "print(double(2))" not in text
    assert export_cells.export(tmp_path, write=False) == []
    module.write_text(text.replace("2 * x", "x + x"))  # someone edits the module instead of the notebook
    assert export_cells.export(tmp_path, write=False)
    assert export_cells.main(["--check"]) == 0  # the repository itself is current


def test_a_module_without_a_block_is_an_error(tmp_path):
    tree(tmp_path, module='"""No block here."""\n')
    with pytest.raises(export_cells.ExportError, match="no block for notebooks/text/01_demo.py"):
        export_cells.export(tmp_path, write=False)


def test_an_orphan_block_is_an_error(tmp_path):
    tree(tmp_path, notebook="# %%\nprint('no saved cells')\n")
    with pytest.raises(export_cells.ExportError, match="saves no cell to it"):
        export_cells.export(tmp_path, write=False)


def test_a_missing_module_is_an_error(tmp_path):
    tree(tmp_path, notebook=NOTEBOOK.replace("pairs/demo/code.py", "pairs/demo/nothere.py"))
    with pytest.raises(export_cells.ExportError, match="does not exist"):
        export_cells.export(tmp_path, write=False)
