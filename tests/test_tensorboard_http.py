"""Every kind of data pair 06 logs comes back unchanged through TensorBoard's HTTP API: the JSON its dashboards read.

The 06 notebooks read the event files back with ``EventAccumulator`` and show the dashboards; this module writes the
same kinds of summaries itself, once with PyTorch's ``SummaryWriter`` (scalars, histograms, images, text, audio, the
graph, hyper-parameters and an embedding) and once with ``tf.summary`` (the same, a traced ``tf.function`` graph,
and the Keras ``TensorBoard`` callback), serves each folder with a real TensorBoard on 127.0.0.1
(``pairs.visualization.dashboards.tensorboard_server``, run without TensorFlow as in the notebooks), asks the server
what a browser would get, and compares it with what was logged. When a module's tests are done its server is
stopped, and no process of it is left.

Both frameworks are imported in this process, as tests/test_visualization_dashboards.py does (the root conftest.py
guards the import order).
"""

from __future__ import annotations

import io
import warnings
import wave

import numpy as np
import psutil
import pytest
from PIL import Image
from tensorboard_http_helpers import loopback_only, tensorboard_hparams

from pairs.visualization.dashboards import (
    event_scalars,
    listening_addresses,
    tensorboard_json,
    tensorboard_scalars,
    tensorboard_server,
)
from utils.processes import process_tree
from utils.servers import port_is_open

STEPS, EPOCHS = 12, 3
LOSS = [2.0 * 0.8**s for s in range(STEPS)]
ACCURACY = [min(1.0, 0.1 + 0.07 * s) for s in range(STEPS)]
IMAGES = np.random.default_rng(0).integers(0, 256, (8, 8, 8), dtype=np.uint8)  # 8 grey 8x8 images
TONE = np.sin(2 * np.pi * 440 * np.arange(2000) / 8000).astype("float32")  # 0.25 s at 8 kHz
NOTES = "| setting | value |\n|---|---|\n| model | 64-32-10 MLP |\n| optimizer | Adam, lr 0.01 |"
TRIALS = {0.001: 0.5, 0.01: 0.75, 0.1: 0.625}  # learning rate -> its (made-up) test accuracy
SIZES = {"hidden/kernel": 64 * 32, "hidden/bias": 32}  # tf.summary histogram tags -> values per step


def write_pytorch(root):
    """Log every kind with SummaryWriter, as 06_visualization_pytorch §3.2-3.5 does; return what to expect."""
    import torch
    from torch import nn
    from torch.utils.tensorboard import SummaryWriter

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    features = torch.from_numpy(np.random.default_rng(1).standard_normal((20, 4)).astype("float32"))
    labels = [i % 10 for i in range(20)]
    with SummaryWriter(root / "custom") as writer:
        writer.add_images("test digits", torch.from_numpy(IMAGES[:, None]), 0)  # NCHW uint8
        writer.add_text("run notes", NOTES, 0)
        writer.add_audio("tone", torch.from_numpy(TONE), 0, sample_rate=8000)
        for step in range(STEPS):
            writer.add_scalar("loss", LOSS[step], step)
            writer.add_scalar("accuracy", ACCURACY[step], step)
        for epoch in range(EPOCHS):
            for name, parameter in model.named_parameters():
                writer.add_histogram(name, parameter, epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # add_graph traces with the deprecated torch.jit.trace
            writer.add_graph(model, torch.zeros(1, 64))
        writer.add_embedding(features, metadata=labels, global_step=EPOCHS, tag="hidden")
        for lr, accuracy in TRIALS.items():
            writer.add_hparams({"learning_rate": lr}, {"hparam/test_accuracy": accuracy}, run_name=f"lr={lr}")
    return {
        "sizes": {name: p.numel() for name, p in model.named_parameters()},
        "features": features.numpy(),
        "labels": labels,
    }


def write_tensorflow(root):
    """Log every kind with tf.summary and the Keras callback, as 06_visualization_tensorflow §3.2-3.5 does."""
    import keras
    import tensorflow as tf
    from tensorboard.plugins.hparams import api as hp

    variables = {
        "hidden/kernel": tf.Variable(tf.random.stateless_normal((64, 32), seed=(0, 1))),
        "hidden/bias": tf.Variable(tf.zeros(32)),
    }
    writer = tf.summary.create_file_writer(str(root / "custom"))
    with writer.as_default():
        tf.summary.image("test digits", IMAGES[..., None], step=0, max_outputs=8)
        tf.summary.text("run notes", NOTES, step=0)
        tf.summary.audio("tone", TONE.reshape(1, -1, 1), sample_rate=8000, step=0)
        for step in range(STEPS):
            tf.summary.scalar("loss", LOSS[step], step=step)
            tf.summary.scalar("accuracy", ACCURACY[step], step=step)
        for epoch in range(EPOCHS):
            for name, variable in variables.items():
                variable.assign_add(tf.fill(variable.shape, 0.01))
                tf.summary.histogram(name, variable, step=epoch)

    @tf.function
    def predict(x):
        return tf.nn.softmax(tf.nn.relu(x @ variables["hidden/kernel"] + variables["hidden/bias"]))

    tf.summary.trace_on(graph=True)
    predict(tf.zeros((1, 64)))
    with writer.as_default():
        tf.summary.trace_export(name="predict", step=0)
    writer.flush()

    HP_LR = hp.HParam("learning_rate", hp.Discrete(list(TRIALS)))
    with tf.summary.create_file_writer(str(root / "hparams")).as_default():
        hp.hparams_config(hparams=[HP_LR], metrics=[hp.Metric("test_accuracy")])
    for lr, accuracy in TRIALS.items():
        with tf.summary.create_file_writer(str(root / "hparams" / f"lr={lr}")).as_default():
            hp.hparams({HP_LR: lr}, trial_id=f"lr={lr}")
            tf.summary.scalar("test_accuracy", accuracy, step=1)

    keras.utils.set_random_seed(0)
    fit_model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(10)])
    fit_model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x, y = np.random.default_rng(2).random((64, 64), dtype="float32"), np.arange(64) % 10
    callback = keras.callbacks.TensorBoard(log_dir=str(root / "keras_fit"), write_graph=True, profile_batch=0)
    history = fit_model.fit(x, y, epochs=2, batch_size=32, callbacks=[callback], verbose=0)
    return {"sizes": SIZES, "epoch_loss": history.history["loss"]}


def gone(proc: psutil.Process) -> bool:
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def serve(root, expected):
    """A TensorBoard on ``root`` for the module's tests; afterwards, it and every process it started are gone."""
    with tensorboard_server(root) as tb:
        family = process_tree(tb.process.pid)  # TensorBoard and its data server, if it started one
        yield tb, root, expected
    assert all(gone(p) for p in family), [p.pid for p in family if not gone(p)]
    assert not port_is_open(tb.port)


@pytest.fixture(scope="module")
def torch_tb(tmp_path_factory):
    root = tmp_path_factory.mktemp("tb_torch")
    yield from serve(root, write_pytorch(root))


@pytest.fixture(scope="module")
def tf_tb(tmp_path_factory):
    root = tmp_path_factory.mktemp("tb_tf")
    yield from serve(root, write_tensorflow(root))


@pytest.fixture(params=["torch", "tf"])
def served(request):
    return request.getfixturevalue(f"{request.param}_tb")


# -- what every writer logged ---------------------------------------------------------------------------------
def test_server_listens_on_localhost_only_and_lists_the_runs(served):
    tb, root, _ = served
    addresses = listening_addresses(tb.process.pid)
    assert addresses and loopback_only(addresses)  # the data server binds "localhost": 127.0.0.1 or ::1
    runs = set(tensorboard_json(tb, "/data/runs"))
    assert "custom" in runs and len([r for r in runs if "lr=" in r]) == len(TRIALS), runs


def test_scalars_are_the_logged_values_and_the_event_files(served):
    tb, root, _ = served
    for name, logged in (("loss", LOSS), ("accuracy", ACCURACY)):
        read = tensorboard_scalars(tb, "custom", name)
        assert [s for s, _ in read] == list(range(STEPS))
        assert np.array_equal(np.float32([v for _, v in read]), np.float32(logged)), name
        assert read == event_scalars(root / "custom", name)


def test_histograms_hold_every_value_at_every_step(served):
    tb, _, expected = served
    for name, size in expected["sizes"].items():
        steps = tensorboard_json(tb, "/data/plugin/histograms/histograms", run="custom", tag=name)
        assert [step for _wall, step, _buckets in steps] == list(range(EPOCHS)), name
        assert all(round(sum(c for _l, _r, c in buckets)) == size for _w, _s, buckets in steps), name


def test_text_is_rendered_as_an_html_table(served):
    tb, root, _ = served
    tag = "run notes/text_summary" if root.name.startswith("tb_torch") else "run notes"  # SummaryWriter adds a suffix
    [entry] = tensorboard_json(tb, "/data/plugin/text/text", run="custom", tag=tag)
    assert "<table>" in entry["text"] and "Adam, lr 0.01" in entry["text"]


def test_audio_is_a_wav_of_the_logged_tone(served):
    tb, _, _ = served
    [entry] = tensorboard_json(tb, "/data/plugin/audio/audio", run="custom", tag="tone")
    wav_bytes = tensorboard_json(tb, "/data/plugin/audio/individualAudio?" + entry["query"], raw=True)
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        heard = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2") / 32767
        assert wav.getframerate() == 8000 and len(heard) == len(TONE)
    assert np.abs(heard - TONE).max() < 1e-4


def test_hparams_table_has_every_trial_with_its_metric(served):
    tb, root, _ = served
    metric = "hparam/test_accuracy" if root.name.startswith("tb_torch") else "test_accuracy"
    table = {h["learning_rate"]: m[metric] for h, m in tensorboard_hparams(tb)}
    assert table.keys() == TRIALS.keys()
    assert all(np.float32(table[lr]) == np.float32(accuracy) for lr, accuracy in TRIALS.items())


# -- what differs between the writers -------------------------------------------------------------------------
def served_png(tb, entry):
    png = tensorboard_json(tb, "/data/plugin/images/individualImage?" + entry["query"], raw=True)
    return np.asarray(Image.open(io.BytesIO(png)))


def test_pytorch_images_come_as_one_grid_pixel_for_pixel(torch_tb):
    tb, _, _ = torch_tb
    assert tensorboard_json(tb, "/data/plugin/images/tags")["custom"]["test digits"]["samples"] == 1
    [entry] = tensorboard_json(tb, "/data/plugin/images/images", run="custom", tag="test digits")
    grid = served_png(tb, entry)  # add_images tiles the batch into one image, grey -> RGB
    strip = np.concatenate(list(IMAGES), axis=1)
    assert grid.shape == (8, 64, 3) and all(np.array_equal(grid[..., c], strip) for c in range(3))


def test_tensorflow_images_come_one_per_sample_pixel_for_pixel(tf_tb):
    tb, _, _ = tf_tb
    samples = tensorboard_json(tb, "/data/plugin/images/tags")["custom"]["test digits"]["samples"]
    assert samples == len(IMAGES)
    served = []
    for sample in range(samples):
        [entry] = tensorboard_json(tb, "/data/plugin/images/images", run="custom", tag="test digits", sample=sample)
        served.append(served_png(tb, entry))
    assert np.array_equal(np.stack(served), IMAGES)


def test_pytorch_graph_is_the_traced_model(torch_tb):
    tb, _, _ = torch_tb
    graph = tensorboard_json(tb, "/data/plugin/graphs/graph", raw=True, run="custom").decode()
    assert all(f'op: "{op}"' in graph for op in ("aten::linear", "aten::relu"))


def test_tensorflow_graphs_are_the_traced_function_and_the_keras_model(tf_tb):
    tb, _, _ = tf_tb
    graph = tensorboard_json(
        tb, "/data/plugin/graphs/graph", raw=True, run="custom", tag="predict", conceptual="false"
    ).decode()
    assert all(f'op: "{op}"' in graph for op in ("MatMul", "Relu", "Softmax"))
    assert "keras" in tensorboard_json(tb, "/data/plugin/graphs/info")["keras_fit/train"]["tags"]


def test_keras_callback_epoch_loss_is_the_history(tf_tb):
    tb, _, expected = tf_tb
    served = tensorboard_scalars(tb, "keras_fit/train", "epoch_loss")
    assert [s for s, _ in served] == [0, 1]
    assert np.allclose([v for _, v in served], expected["epoch_loss"], rtol=1e-6, atol=0)


def test_pytorch_embedding_is_served_with_its_labels(torch_tb):
    tb, _, expected = torch_tb
    [embedding] = tensorboard_json(tb, "/data/plugin/projector/info", run="custom")["embeddings"]
    name = embedding["tensorName"]
    raw = tensorboard_json(tb, "/data/plugin/projector/tensor", raw=True, run="custom", name=name)
    labels = tensorboard_json(tb, "/data/plugin/projector/metadata", raw=True, run="custom", name=name)
    assert np.array_equal(np.frombuffer(raw, "<f4").reshape(embedding["tensorShape"]), expected["features"])
    assert labels.decode().split() == [str(label) for label in expected["labels"]]
