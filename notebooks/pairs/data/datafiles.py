"""The shipped digits as real image files, for the data-loading pair (``05_data``).

Both notebooks of the pair read the *same* PNG files from disk, so that decoding,
file listing and broken files are real, not simulated with arrays in memory.

* :func:`write_digits_folder` writes the shipped 8x8 digits (``utils.data.load_digits``),
  upscaled to 32x32 with PIL, as ``<root>/<split>/<label>/<index>.png`` into a fresh
  temporary folder (removed at interpreter exit, or by :meth:`DigitsFolder.cleanup`).
  The layout is the one ``torchvision.datasets.ImageFolder`` and
  ``keras.utils.image_dataset_from_directory`` expect.
* :func:`read_png` decodes one file with PIL and raises :class:`ImageFileError`, which
  names the file and says what to do, when it is missing or corrupt.
  :func:`check_image_folder` checks a whole folder up front.
* :func:`aug_params` draws the random numbers of the course's augmentation (a random
  28x28 crop and a random 8x8 cut-out) from one NumPy generator, and
  :func:`augment_numpy` is the reference implementation. Each framework applies the
  same numbers with its own tensor slicing, and both notebooks check their pixels
  against this reference: that is how the pair proves "same augmentation, same pixels".
* DataLoader worker processes can only run code they can import (always with the
  ``spawn`` and ``forkserver`` start methods: Windows, macOS, and Linux from Python 3.14).
  So the PyTorch pieces the workers run live here, not in the notebook:
  ``DigitFiles`` (a map-style ``Dataset``), ``DigitStream`` (an ``IterableDataset``
  that shards its files across workers), ``RandomDraws`` (a dataset that shows the
  worker-seeding pitfall), :func:`collate_float`, :func:`reseed_worker`.

Importing this module never imports PyTorch or TensorFlow. The PyTorch classes are
created on first access (``datafiles.DigitFiles``), which imports ``torch`` then; the
TensorFlow notebook never touches them.
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from utils.data import DataError, load_digits

__all__ = [
    "ImageFileError",
    "DigitsFolder",
    "IMAGE_SIZE",
    "CROP",
    "CUTOUT",
    "PNG_MAGIC",
    "digit_pixels",
    "write_digits_folder",
    "read_png",
    "check_image_folder",
    "aug_params",
    "augment_numpy",
    "pixels_digest",
    "python_epoch",
    "collate_float",
    "reseed_worker",
    "source_of",
    "children_stderr",
]  # plus the PyTorch classes DigitFiles, DigitStream, RandomDraws (built on first access, see the end)

IMAGE_SIZE = 32  # the 8x8 digits are upscaled to this (PIL bilinear) when written as files
CROP = 28  # random crop size of the course's augmentation
CUTOUT = 8  # side of the square the augmentation sets to zero
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"  # the 8 bytes every PNG file starts with


class ImageFileError(DataError):
    """An image file is missing or cannot be decoded; the message names the file."""


# -- writing the folder -----------------------------------------------------------


def digit_pixels(split: str = "train", size: int = IMAGE_SIZE) -> np.ndarray:
    """The shipped digits as ``uint8`` images ``(N, size, size)`` in 0..255: exactly the files' pixels.

    The 0..16 pixel counts are scaled to 0..255 and the 8x8 image resized with PIL's
    bilinear filter (``size=8`` keeps the original resolution).
    """
    from PIL import Image

    digits = load_digits()
    x = {"train": digits.x_train, "test": digits.x_test}.get(split)
    if x is None:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    scaled = np.rint(x.astype(np.float64) * (255 / digits.max_value)).astype(np.uint8)
    if size == scaled.shape[-1]:
        return scaled
    return np.stack([np.asarray(Image.fromarray(img).resize((size, size), Image.BILINEAR)) for img in scaled])


def _labels(split: str) -> np.ndarray:
    digits = load_digits()
    return digits.y_train if split == "train" else digits.y_test


@dataclass
class DigitsFolder:
    """A folder of digit PNGs: ``root/<split>/<label>/<index:04d>.png``."""

    root: Path
    size: int
    splits: tuple[str, ...]
    temporary: bool = False

    def split_dir(self, split: str = "train") -> Path:
        if split not in self.splits:
            raise ValueError(f"this folder holds {self.splits}, not {split!r}")
        return self.root / split

    def files(self, split: str = "train") -> list[tuple[str, int]]:
        """``(path, label)`` of every PNG of a split, sorted by path (so by label, then index)."""
        base = self.split_dir(split)
        paths = sorted(str(p) for p in base.glob("*/*.png"))
        return [(p, int(Path(p).parent.name)) for p in paths]

    def relative(self, path: str | os.PathLike) -> str:
        """``path`` relative to the folder's root, for printing."""
        try:
            return str(Path(path).relative_to(self.root))
        except ValueError:
            return str(path)

    def scrub(self, text: str, placeholder: str = "<digits_png>") -> str:
        """``text`` with the folder's absolute location replaced by ``placeholder`` (clean notebook outputs)."""
        return text.replace(str(self.root), placeholder)

    def cleanup(self) -> None:
        """Delete the folder (only a temporary one; a folder you named is yours)."""
        if self.temporary:
            shutil.rmtree(self.root, ignore_errors=True)


def write_digits_folder(
    root: str | os.PathLike | None = None,
    *,
    size: int = IMAGE_SIZE,
    splits: tuple[str, ...] = ("train", "test"),
) -> DigitsFolder:
    """Write the shipped digits as PNG files, one folder per class, and return the folder.

    With ``root=None`` a fresh temporary folder is created and removed when the
    interpreter exits (by the process that created it). The pixels of every file are
    :func:`digit_pixels` ``(split, size)``; the labels are the folder names.
    """
    from PIL import Image

    temporary = root is None
    base = Path(tempfile.mkdtemp(prefix="course-digits-png-")) if temporary else Path(root)
    for split in splits:
        images, labels = digit_pixels(split, size), _labels(split)
        for label in range(10):
            (base / split / str(label)).mkdir(parents=True, exist_ok=True)
        for index, (img, label) in enumerate(zip(images, labels)):
            Image.fromarray(img, mode="L").save(base / split / str(int(label)) / f"{index:04d}.png")
    folder = DigitsFolder(base, size, tuple(splits), temporary)
    if temporary:
        creator = os.getpid()
        atexit.register(lambda: os.getpid() == creator and folder.cleanup())
    return folder


# -- reading files, with clear errors ----------------------------------------------


def read_png(path: str | os.PathLike) -> np.ndarray:
    """Decode one image file into a ``uint8`` array ``(H, W)`` (grayscale).

    Raises :class:`ImageFileError` naming the file when it is missing or is not a
    readable image, instead of PIL's bare ``FileNotFoundError`` / ``UnidentifiedImageError``.
    """
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with Image.open(path) as img:
            img.load()
            return np.array(img.convert("L"))  # a writable copy
    except FileNotFoundError:
        raise ImageFileError(
            f"image file {path} is missing. Re-create the folder with "
            "pairs.data.datafiles.write_digits_folder(), or drop the file from your file list."
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        size = path.stat().st_size if path.exists() else 0
        with open(path, "rb") as stream:
            head = stream.read(8)
        raise ImageFileError(
            f"image file {path} is corrupt: {size} bytes starting with {head!r}, "
            f"which PIL cannot decode ({type(err).__name__}). Delete or re-create it."
        ) from None


def check_image_folder(folder: str | os.PathLike, pattern: str = "*/*.png") -> int:
    """Decode every file under ``folder`` matching ``pattern``; return how many were checked.

    Raises :class:`ImageFileError` listing every bad file (not only the first), so a
    pipeline can refuse a damaged folder before training starts.
    """
    paths = sorted(Path(folder).glob(pattern))
    if not paths:
        raise ImageFileError(f"no files match {pattern!r} under {folder}")
    bad = []
    for path in paths:
        try:
            read_png(path)
        except ImageFileError as err:
            bad.append(str(err))
    if bad:
        raise ImageFileError(f"{len(bad)} of {len(paths)} image files are unreadable:\n  " + "\n  ".join(bad))
    return len(paths)


# -- the course's augmentation, defined once -------------------------------------


def aug_params(
    n: int, seed: int, epoch: int = 0, *, size: int = IMAGE_SIZE, crop: int = CROP, cutout: int = CUTOUT
) -> np.ndarray:
    """Random numbers of the augmentation for ``n`` images.

    ``int64 (n, 4)``: crop top, crop left, cut-out top, cut-out left.

    Drawn from ``numpy.random.default_rng([seed, epoch])``: the same seed and epoch give
    the same numbers in any process, in any framework, with any number of workers.
    """
    if n < 0 or size < crop or crop < cutout:
        raise ValueError(f"need n >= 0 and size >= crop >= cutout, got {n}, {size}, {crop}, {cutout}")
    rng = np.random.default_rng([seed, epoch])
    top, left = rng.integers(0, size - crop + 1, size=(2, n))
    cut_top, cut_left = rng.integers(0, crop - cutout + 1, size=(2, n))
    return np.stack([top, left, cut_top, cut_left], axis=1).astype(np.int64)


def augment_numpy(image: np.ndarray, params, *, crop: int = CROP, cutout: int = CUTOUT) -> np.ndarray:
    """The reference augmentation: crop ``image`` (uint8 ``(H, W)``), scale to [0, 1] float32, zero a square."""
    top, left, cut_top, cut_left = (int(v) for v in params)
    out = image[top : top + crop, left : left + crop].astype(np.float32) / np.float32(255)
    out[cut_top : cut_top + cutout, cut_left : cut_left + cutout] = 0
    return out


def pixels_digest(images) -> str:
    """First 16 hex digits of the sha256 of ``float32`` pixels (any layout with the same element order)."""
    array = np.ascontiguousarray(np.asarray(images, dtype=np.float32))
    return hashlib.sha256(array.tobytes()).hexdigest()[:16]


def python_epoch(files: list[tuple[str, int]], params: np.ndarray, batch_size: int = 64) -> int:
    """One epoch with no framework at all (PIL decode + NumPy augment + stack): the common baseline.

    Returns the number of images produced.
    """
    seen = 0
    for start in range(0, len(files), batch_size):
        chunk = range(start, min(start + batch_size, len(files)))
        batch = np.stack([augment_numpy(read_png(files[i][0]), params[i]) for i in chunk])
        seen += len(batch)
    return seen


# -- small functions DataLoader workers must be able to import -----------------------


def collate_float(batch):
    """A ``collate_fn``: ``(uint8 image (1, H, W), label)`` items -> ``(float32 (B, 1, H, W) in [0, 1], int64 (B,))``.

    Stacks first and converts once per batch (one vector operation instead of one per image).
    """
    import torch

    images = torch.stack([image for image, _ in batch])
    labels = torch.tensor([label for _, label in batch], dtype=torch.int64)
    return images.float().div_(255), labels


def reseed_worker(worker_id: int) -> None:
    """A ``worker_init_fn``: give each worker's dataset its own NumPy generator.

    ``get_worker_info().seed`` differs per worker and derives from the DataLoader's
    ``generator``, so the draws are different across workers *and* repeatable across runs.
    """
    import torch

    info = torch.utils.data.get_worker_info()
    if hasattr(info.dataset, "rng"):
        info.dataset.rng = np.random.default_rng(info.seed)


def source_of(name: str) -> str:
    """The source text of a function or class defined in this module (also the lazily built PyTorch classes)."""
    text = Path(__file__).read_text()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and node.name == name:
            segment = ast.get_source_segment(text, node, padded=True)
            lines = segment.splitlines()
            indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
            return "\n".join(line[indent:] for line in lines)
    raise KeyError(f"{name} is not defined in {Path(__file__).name}")


@contextlib.contextmanager
def children_stderr():
    """Collect what this process and its children write to file descriptor 2, instead of showing it.

    A spawned DataLoader worker that crashes prints its traceback straight to fd 2 (a
    notebook shows it raw, machine paths and all). Inside this block fd 2 goes to a
    temporary file; on exit the text is in the yielded list's first item.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    collected: list[str] = []
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield collected
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            collected.append(sink.read().decode(errors="replace"))


# -- PyTorch datasets, built on first access so that importing this module never imports torch --


def _build_torch_classes() -> dict:
    import torch
    from torch.utils.data import Dataset, IterableDataset, get_worker_info

    class DigitFiles(Dataset):
        """Map-style: item ``i`` is file ``i``, decoded to ``uint8 (1, H, W)``, augmented if ``params`` is given."""

        def __init__(self, files, params=None, crop=CROP, cutout=CUTOUT):
            self.files, self.params, self.crop, self.cutout = list(files), params, crop, cutout

        def __len__(self):
            return len(self.files)

        def __getitem__(self, index):
            path, label = self.files[index]
            image = torch.from_numpy(read_png(path)).unsqueeze(0)  # (1, H, W): channels first
            if self.params is None:
                return image, label
            top, left, cut_top, cut_left = (int(v) for v in self.params[index])
            out = image[:, top : top + self.crop, left : left + self.crop].float() / 255
            out[:, cut_top : cut_top + self.cutout, cut_left : cut_left + self.cutout] = 0
            return out, label

    class DigitStream(IterableDataset):
        """Iterable-style: streams the files in order; with ``shard=True`` each worker reads its own share."""

        def __init__(self, files, shard=True):
            self.files, self.shard = list(files), shard

        def __iter__(self):
            info = get_worker_info()  # None in the main process
            files = self.files
            if self.shard and info is not None:
                files = files[info.id :: info.num_workers]  # worker k takes files k, k + n, k + 2n, ...
            for path, label in files:
                yield torch.from_numpy(read_png(path)).unsqueeze(0), label

    class RandomDraws(Dataset):
        """Item ``i`` is a random integer from ``self.rng``.

        Shows how a generator stored on a dataset is copied into every worker.
        """

        def __init__(self, n, seed=0):
            self.n, self.rng = n, np.random.default_rng(seed)

        def __len__(self):
            return self.n

        def __getitem__(self, index):
            return int(self.rng.integers(0, 1_000_000))

    classes = {"DigitFiles": DigitFiles, "DigitStream": DigitStream, "RandomDraws": RandomDraws}
    for name, cls in classes.items():
        cls.__module__, cls.__qualname__ = __name__, name  # picklable by name: pairs.data.datafiles.<name>
    return classes


_TORCH_CLASSES = ("DigitFiles", "DigitStream", "RandomDraws")


def __getattr__(name: str):
    if name in _TORCH_CLASSES:
        globals().update(_build_torch_classes())
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
