"""Export the 8x8 handwritten digits bundled with scikit-learn to data/digits/digits.npz.

Run once by the maintainers (it needs scikit-learn, which the course itself does
not); the result is committed. Re-running gives the same arrays; the zip
container's bytes (and so the sha256 in data/README.md and utils/data.py) may
change with the NumPy version, so update both if you re-export.

    python data/make_digits.py
"""

from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

OUT = Path(__file__).resolve().parent / "digits" / "digits.npz"
TEST_SIZE = 360  # 20 % of 1797, held out once and for all
SPLIT_SEED = 20261123


def main() -> None:
    digits = load_digits()
    images = digits.images.astype(np.uint8)  # integer pixel counts 0..16
    labels = digits.target.astype(np.uint8)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(labels))
    is_test = np.zeros(len(labels), dtype=bool)
    is_test[order[:TEST_SIZE]] = True
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, images=images, labels=labels, is_test=is_test)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes): images {images.shape}, {is_test.sum()} test")


if __name__ == "__main__":
    main()
