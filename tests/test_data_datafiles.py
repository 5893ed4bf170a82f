"""pairs.data.datafiles: the digits as PNG files, clear errors on broken files, the shared augmentation."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from pairs.data import datafiles
from pairs.data.datafiles import ImageFileError
from utils import REPO_ROOT


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The test split (360 images) written once into a folder the tests own."""
    return datafiles.write_digits_folder(tmp_path_factory.mktemp("digits"), splits=("test",))


@pytest.fixture
def broken(tmp_path):
    """A small copy of the folder with one corrupt file, one empty file and one missing file."""
    made = datafiles.write_digits_folder(tmp_path / "broken", splits=("test",))
    files = made.files("test")[:12]
    Path(files[2][0]).write_bytes(b"this is not a png")
    Path(files[4][0]).write_bytes(b"")
    Path(files[6][0]).unlink()
    return made, files


# -- the folder ---------------------------------------------------------------------


def test_layout_labels_and_pixels(folder):
    files = folder.files("test")
    assert len(files) == 360
    assert [label for _, label in files] == sorted(label for _, label in files)  # sorted by class folder
    expected = datafiles.digit_pixels("test")
    labels = datafiles.load_digits().y_test
    for path, label in files[::37]:
        index = int(Path(path).stem)
        assert label == labels[index] == int(Path(path).parent.name)
        pixels = datafiles.read_png(path)
        assert pixels.dtype == np.uint8 and pixels.shape == (32, 32)
        assert np.array_equal(pixels, expected[index])  # PNG is lossless


def test_digit_pixels_scale_and_size():
    small = datafiles.digit_pixels("train", size=8)
    assert small.shape == (1437, 8, 8) and small.max() == 255 and small.min() == 0
    assert np.array_equal(small, np.rint(datafiles.load_digits().x_train * (255 / 16)).astype(np.uint8))
    assert datafiles.digit_pixels("test").shape == (360, 32, 32)
    with pytest.raises(ValueError, match="split"):
        datafiles.digit_pixels("valid")


def test_split_dir_refuses_a_split_not_written(folder):
    with pytest.raises(ValueError, match="train"):
        folder.split_dir("train")


def test_temporary_folder_is_removed_and_named_folder_is_kept(tmp_path):
    temp = datafiles.write_digits_folder(splits=("test",))
    assert temp.temporary and temp.root.is_dir()
    temp.cleanup()
    assert not temp.root.exists()
    mine = datafiles.write_digits_folder(tmp_path / "mine", splits=("test",))
    mine.cleanup()
    assert len(mine.files("test")) == 360


def test_scrub_and_relative(folder):
    path = folder.files("test")[0][0]
    assert folder.relative(path).startswith("test/")
    assert str(folder.root) not in folder.scrub(f"error in {path}")
    assert folder.scrub(f"error in {path}").startswith("error in <digits_png>/test/")


# -- clear errors on broken files -------------------------------------------------------


def test_missing_file_error_names_the_file(broken):
    _, files = broken
    with pytest.raises(ImageFileError, match="missing") as info:
        datafiles.read_png(files[6][0])
    assert files[6][0] in str(info.value)
    assert "write_digits_folder" in str(info.value)  # says what to do


@pytest.mark.parametrize("position, start", [(2, "b'this is "), (4, "b''")])
def test_corrupt_file_error_names_the_file_and_its_bytes(broken, position, start):
    _, files = broken
    with pytest.raises(ImageFileError, match="corrupt") as info:
        datafiles.read_png(files[position][0])
    message = str(info.value)
    assert files[position][0] in message and start in message


def test_truncated_png_is_reported_as_corrupt(tmp_path, folder):
    good = Path(folder.files("test")[0][0]).read_bytes()
    cut = tmp_path / "cut.png"
    cut.write_bytes(good[: len(good) // 2])
    with pytest.raises(ImageFileError, match="corrupt"):
        datafiles.read_png(cut)


def test_image_file_error_is_a_data_error():
    from utils.data import DataError

    assert issubclass(ImageFileError, DataError)


def test_check_image_folder_lists_every_bad_file(broken, folder):
    made, files = broken
    with pytest.raises(ImageFileError) as info:
        datafiles.check_image_folder(made.split_dir("test"))
    message = str(info.value)
    assert message.startswith("2 of 359 image files are unreadable")  # the missing one is not listed by a glob
    assert files[2][0] in message and files[4][0] in message
    assert datafiles.check_image_folder(folder.split_dir("test")) == 360
    with pytest.raises(ImageFileError, match="no files"):
        datafiles.check_image_folder(made.root / "nothing-here")


# -- the augmentation -------------------------------------------------------------------


def test_aug_params_are_repeatable_and_in_range():
    a = datafiles.aug_params(500, seed=3)
    assert a.shape == (500, 4) and a.dtype == np.int64
    assert np.array_equal(a, datafiles.aug_params(500, seed=3))
    assert not np.array_equal(a, datafiles.aug_params(500, seed=3, epoch=1))
    assert not np.array_equal(a, datafiles.aug_params(500, seed=4))
    limit_crop = datafiles.IMAGE_SIZE - datafiles.CROP
    limit_cut = datafiles.CROP - datafiles.CUTOUT
    assert a[:, :2].min() == 0 and a[:, :2].max() == limit_crop
    assert a[:, 2:].min() == 0 and a[:, 2:].max() == limit_cut
    with pytest.raises(ValueError):
        datafiles.aug_params(5, seed=0, size=20)


def test_augment_numpy_crops_scales_and_cuts_out():
    image = np.arange(32 * 32, dtype=np.int64).reshape(32, 32).astype(np.uint8)
    out = datafiles.augment_numpy(image, (1, 2, 3, 4))
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out[0, 0] == np.float32(image[1, 2]) / np.float32(255)
    assert np.all(out[3:11, 4:12] == 0)
    assert out[2, 4] == np.float32(image[3, 6]) / np.float32(255)  # just outside the cut-out
    assert image[1, 2] == 34  # the input is not modified


def test_pixels_digest_depends_on_values_only():
    x = np.random.default_rng(0).random((4, 28, 28), dtype=np.float32)
    assert datafiles.pixels_digest(x) == datafiles.pixels_digest(x[:, None])  # NCHW with C=1
    assert datafiles.pixels_digest(x) == datafiles.pixels_digest(x[..., None])  # NHWC with C=1
    y = x.copy()
    y[0, 0, 0] += 1e-3
    assert datafiles.pixels_digest(x) != datafiles.pixels_digest(y)


def test_python_epoch_counts_and_fails_clearly(folder, broken):
    files = folder.files("test")
    assert datafiles.python_epoch(files, datafiles.aug_params(len(files), 0), batch_size=64) == 360
    _, bad = broken
    with pytest.raises(ImageFileError):
        datafiles.python_epoch(bad, datafiles.aug_params(len(bad), 0))


def test_source_of_finds_nested_torch_classes_and_functions():
    assert "get_worker_info" in datafiles.source_of("DigitStream")
    assert datafiles.source_of("collate_float").startswith("def collate_float(batch):")
    assert datafiles.source_of("DigitFiles").startswith("class DigitFiles(Dataset):")
    with pytest.raises(KeyError):
        datafiles.source_of("nothing_like_this")


def test_children_stderr_collects_a_child_process_output():
    with datafiles.children_stderr() as text:
        subprocess.run([sys.executable, "-c", "import sys; sys.stderr.write('worker said hello')"], check=True)
    assert text == ["worker said hello"]


def test_importing_datafiles_does_not_import_a_framework():
    code = "import sys, pairs.data.datafiles; print('torch' in sys.modules, 'tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# -- the PyTorch pieces (DataLoader workers import them by name) ----------------------------


def test_torch_classes_pickle_by_name():
    ds = datafiles.DigitFiles([("a.png", 1)])
    assert type(ds).__module__ == "pairs.data.datafiles" and type(ds).__qualname__ == "DigitFiles"
    again = pickle.loads(pickle.dumps(ds))
    assert type(again) is datafiles.DigitFiles and again.files == [("a.png", 1)]
    assert isinstance(datafiles.DigitStream([]), torch.utils.data.IterableDataset)
    with pytest.raises(AttributeError):
        datafiles.NoSuchThing


def test_digit_files_matches_the_numpy_reference(folder):
    files = folder.files("test")[:10]
    params = datafiles.aug_params(len(files), seed=0)
    ds = datafiles.DigitFiles(files, params)
    for i in (0, 9):
        image, label = ds[i]
        assert image.shape == (1, 28, 28) and image.dtype == torch.float32 and label == files[i][1]
        assert np.array_equal(image[0].numpy(), datafiles.augment_numpy(datafiles.read_png(files[i][0]), params[i]))
    raw, _ = datafiles.DigitFiles(files)[0]
    assert raw.dtype == torch.uint8 and raw.shape == (1, 32, 32)


def test_collate_float():
    batch = [(torch.full((1, 4, 4), 255, dtype=torch.uint8), 3), (torch.zeros((1, 4, 4), dtype=torch.uint8), 7)]
    images, labels = datafiles.collate_float(batch)
    assert images.shape == (2, 1, 4, 4) and images.dtype == torch.float32
    assert images[0].max() == 1.0 and images[1].max() == 0.0
    assert labels.tolist() == [3, 7] and labels.dtype == torch.int64


def test_dataloader_reports_a_corrupt_file_by_name(broken):
    _, files = broken
    loader = torch.utils.data.DataLoader(datafiles.DigitFiles(files), batch_size=4, num_workers=0)
    with pytest.raises(ImageFileError, match="corrupt") as info:
        list(loader)
    assert files[2][0] in str(info.value)


def test_stream_shards_across_workers_and_duplicates_without(folder):
    files = folder.files("test")[:40]
    sharded = torch.utils.data.DataLoader(datafiles.DigitStream(files, shard=True), batch_size=8, num_workers=2)
    copied = torch.utils.data.DataLoader(datafiles.DigitStream(files, shard=False), batch_size=8, num_workers=2)
    assert sum(len(labels) for _, labels in sharded) == 40
    assert sum(len(labels) for _, labels in copied) == 80


def test_reseed_worker_gives_distinct_and_repeatable_draws():
    def draws(**kwargs):
        loader = torch.utils.data.DataLoader(datafiles.RandomDraws(6), batch_size=1, num_workers=2, **kwargs)
        return [int(x) for x in loader]

    plain = draws()
    assert plain[0::2] == plain[1::2]  # both workers copied the same generator
    first = draws(worker_init_fn=datafiles.reseed_worker, generator=torch.Generator().manual_seed(0))
    second = draws(worker_init_fn=datafiles.reseed_worker, generator=torch.Generator().manual_seed(0))
    assert first == second and first[0::2] != first[1::2]
