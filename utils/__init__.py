"""Plumbing for the course notebooks.

The notebooks teach the framework code; this package holds what is not worth a learner's attention: picking a
device, seeding, timing, starting and stopping servers, loading the shipped data, and the course map.

Importing ``utils`` never imports PyTorch or TensorFlow: every helper imports its framework lazily, so a PyTorch
notebook does not pay for TensorFlow's memory and start-up time (and the reverse).
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"

__all__ = ["REPO_ROOT", "DATA_DIR", "NOTEBOOKS_DIR"]
