"""pairs.capstone.porting: every supported layer ported both ways gives the same outputs, and a broken port fails.

Each case builds one layer in each framework, fills the source with random weights (running variances positive),
ports, runs both on the same random input and compares: |a - b| <= 1e-5 + 1e-5 |b| everywhere (float32 rounding;
the gaps measured here are about 1e-6). Negative controls monkeypatch a conversion to drop a transpose or the
flatten reordering and show the same comparison fails.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import torch
from keras import layers
from torch import nn

from pairs.capstone import porting
from pairs.capstone.porting import PortingError, keras_to_torch, torch_to_keras

RTOL = ATOL = 1e-5


def assert_same(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=RTOL, atol=ATOL)


def randomize_torch(module, seed=0):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in list(module.named_parameters()) + list(module.named_buffers()):
            if t.is_floating_point():
                t.copy_(torch.randn(t.shape, generator=gen) * 0.5)
                if name.endswith("running_var"):
                    t.abs_().add_(0.5)


def randomize_keras(layer, seed=0):
    rng = np.random.default_rng(seed)
    for w in layer.weights:
        values = rng.normal(size=tuple(w.shape)).astype("float32") * 0.5
        if "variance" in w.path:
            values = np.abs(values) + 0.5
        w.assign(values)


def nchw_to_nhwc(x):
    return np.moveaxis(x, 1, -1)


# Each case: (torch layer, keras layer, input maker(rng) -> torch-layout numpy input,
#             torch forward(layer, np) -> np, keras forward(layer, np) -> np in torch layout)
def _t(layer, x):
    with torch.no_grad():
        return layer(torch.from_numpy(x)).numpy()


def _k(layer, x):
    return np.asarray(layer(x, training=False))


def _conv_k(layer, x):  # keras takes channels last; answer in torch layout
    return np.moveaxis(_k(layer, np.moveaxis(x, 1, -1)), -1, 1)


def _rnn_t(layer, x):
    with torch.no_grad():
        return layer(torch.from_numpy(x))[0].numpy()


def _mha_t(layer, xs):
    q, kv = xs
    with torch.no_grad():
        return layer(torch.from_numpy(q), torch.from_numpy(kv), torch.from_numpy(kv), need_weights=False)[0].numpy()


def _mha_k(layer, xs):
    q, kv = xs
    return np.asarray(layer(q, kv, kv, training=False))


def _normal(*shape):
    return lambda rng: rng.normal(size=shape).astype("float32")


CASES = {
    "Linear/Dense": (lambda: nn.Linear(5, 3), lambda: layers.Dense(3), _normal(4, 5), _t, _k),
    "Conv2d/Conv2D same": (
        lambda: nn.Conv2d(3, 4, 3, padding=1),
        lambda: layers.Conv2D(4, 3, padding="same"),
        _normal(2, 3, 6, 6),
        _t,
        _conv_k,
    ),
    "Conv2d/Conv2D stride 2 valid": (
        lambda: nn.Conv2d(3, 4, (3, 2), stride=2),
        lambda: layers.Conv2D(4, (3, 2), strides=2),
        _normal(2, 3, 7, 7),
        _t,
        _conv_k,
    ),
    "Conv1d/Conv1D": (lambda: nn.Conv1d(3, 4, 3), lambda: layers.Conv1D(4, 3), _normal(2, 3, 9), _t, _conv_k),
    "BatchNorm2d/BatchNormalization": (
        lambda: nn.BatchNorm2d(4, eps=1e-3, momentum=0.01),
        lambda: layers.BatchNormalization(epsilon=1e-3, momentum=0.99),
        _normal(2, 4, 3, 3),
        lambda layer, x: _t(layer.eval(), x),
        _conv_k,
    ),
    "BatchNorm1d/BatchNormalization": (
        lambda: nn.BatchNorm1d(6),  # PyTorch defaults: eps 1e-5, momentum 0.1
        lambda: layers.BatchNormalization(epsilon=1e-5, momentum=0.9),
        _normal(4, 6),
        lambda layer, x: _t(layer.eval(), x),
        _k,
    ),
    "Embedding": (
        lambda: nn.Embedding(10, 4),
        lambda: layers.Embedding(10, 4),
        lambda rng: rng.integers(0, 10, size=(3, 5)),
        _t,
        _k,
    ),
    "LayerNorm/LayerNormalization": (
        lambda: nn.LayerNorm(6),
        lambda: layers.LayerNormalization(epsilon=1e-5),
        _normal(3, 6),
        _t,
        _k,
    ),
    "LSTM": (
        lambda: nn.LSTM(3, 5, batch_first=True),
        lambda: layers.LSTM(5, return_sequences=True),
        _normal(2, 6, 3),
        _rnn_t,
        _k,
    ),
    "GRU": (
        lambda: nn.GRU(3, 5, batch_first=True),
        lambda: layers.GRU(5, return_sequences=True),
        _normal(2, 6, 3),
        _rnn_t,
        _k,
    ),
    "MultiheadAttention": (
        lambda: nn.MultiheadAttention(8, 2, batch_first=True),
        lambda: layers.MultiHeadAttention(num_heads=2, key_dim=4),
        lambda rng: (_normal(2, 5, 8)(rng), _normal(2, 7, 8)(rng)),
        _mha_t,
        _mha_k,
    ),
}


def build_pair(case, seed=0):
    make_t, make_k, make_x, fwd_t, fwd_k = CASES[case]
    torch.manual_seed(seed)
    keras.utils.set_random_seed(seed)
    t_layer, k_layer = make_t(), make_k()
    x = make_x(np.random.default_rng(seed))
    fwd_k(k_layer, x)  # builds the Keras layer
    return t_layer, k_layer, x, fwd_t, fwd_k


@pytest.mark.parametrize("case", list(CASES))
def test_torch_to_keras(case):
    t_layer, k_layer, x, fwd_t, fwd_k = build_pair(case)
    randomize_torch(t_layer, seed=1)
    before = fwd_k(k_layer, x)
    torch_to_keras(t_layer, k_layer)
    expected = fwd_t(t_layer, x)
    assert np.abs(before - expected).max() > 1e-2  # the port, not luck, makes them equal
    assert_same(fwd_k(k_layer, x), expected)


@pytest.mark.parametrize("case", list(CASES))
def test_keras_to_torch(case):
    t_layer, k_layer, x, fwd_t, fwd_k = build_pair(case)
    randomize_keras(k_layer, seed=2)
    before = fwd_t(t_layer, x)
    keras_to_torch(k_layer, t_layer)
    expected = fwd_k(k_layer, x)
    assert np.abs(before - expected).max() > 1e-2
    assert_same(fwd_t(t_layer, x), expected)


# -- a whole CNN: conv, BatchNorm, pooling, flatten, dense --------------------------------------------------


def torch_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1),
        nn.BatchNorm2d(6, eps=1e-3, momentum=0.01),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(8 * 2 * 2, 16),
        nn.ReLU(),
        nn.Linear(16, 10),
    )


def keras_cnn():
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            layers.Conv2D(6, 3, padding="same"),
            layers.BatchNormalization(epsilon=1e-3, momentum=0.99),
            layers.ReLU(),
            layers.MaxPooling2D(2),
            layers.Conv2D(8, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(16, activation="relu"),
            layers.Dense(10),
        ]
    )


@pytest.fixture()
def cnn_pair():
    torch.manual_seed(0)
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).random((16, 1, 8, 8), dtype=np.float32)
    return torch_cnn().eval(), keras_cnn(), x


def test_cnn_both_ways_with_flatten_reordering(cnn_pair):
    t_model, k_model, x = cnn_pair
    randomize_torch(t_model, seed=3)
    report = torch_to_keras(t_model, k_model)
    assert [p.kind for p in report] == ["conv", "batchnorm", "conv", "dense", "dense"]
    assert "(H,W,C)" in report[3].note and report[4].note == "transposed"
    assert_same(_k(k_model, nchw_to_nhwc(x)), _t(t_model, x))

    fresh = torch_cnn().eval()
    randomize_keras(k_model, seed=4)
    keras_to_torch(k_model, fresh)
    assert_same(_t(fresh, x), _k(k_model, nchw_to_nhwc(x)))


def test_subclassed_keras_model_needs_the_flatten_shape():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.conv = layers.Conv2D(4, 3, padding="same")
            self.flatten = layers.Flatten()
            self.fc = layers.Dense(3)

        def call(self, x):
            return self.fc(self.flatten(self.conv(x)))

    t_model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
    k_model = Net()
    x = np.random.default_rng(0).random((2, 1, 4, 4), dtype=np.float32)
    k_model(nchw_to_nhwc(x))
    with pytest.raises(PortingError, match=rf"flatten_shapes=\{{'{k_model.flatten.name}'"):
        torch_to_keras(t_model, k_model)
    torch_to_keras(t_model, k_model, flatten_shapes={k_model.flatten.name: (4, 4, 4)})
    assert_same(_k(k_model, nchw_to_nhwc(x)), _t(t_model, x))


# -- negative controls: a wrong conversion must make the comparison fail -----------------------------------


def test_negative_control_missing_transpose(monkeypatch):
    t_layer, k_layer = nn.Linear(6, 6), layers.Dense(6)
    x = np.random.default_rng(0).normal(size=(4, 6)).astype("float32")
    k_layer(x)
    monkeypatch.setattr(porting, "linear_weight_to_keras", lambda w, flatten_hwc=None: w)  # forgot .T
    torch_to_keras(t_layer, k_layer)
    with pytest.raises(AssertionError, match="Not equal to tolerance"):
        assert_same(_k(k_layer, x), _t(t_layer, x))


def test_negative_control_missing_flatten_reordering(monkeypatch, cnn_pair):
    t_model, k_model, x = cnn_pair
    original = porting.linear_weight_to_keras
    monkeypatch.setattr(porting, "linear_weight_to_keras", lambda w, flatten_hwc=None: original(w))
    torch_to_keras(t_model, k_model)
    with pytest.raises(AssertionError, match="Not equal to tolerance"):
        assert_same(_k(k_model, nchw_to_nhwc(x)), _t(t_model, x))


def test_negative_control_gru_gate_order(monkeypatch):
    t_layer, k_layer, x, fwd_t, fwd_k = build_pair("GRU")
    monkeypatch.setattr(porting, "gru_gates_to_keras", lambda a, axis=0: a)  # r, z, n left in PyTorch's order
    torch_to_keras(t_layer, k_layer)
    with pytest.raises(AssertionError, match="Not equal to tolerance"):
        assert_same(fwd_k(k_layer, x), fwd_t(t_layer, x))


# -- clear errors ----------------------------------------------------------------------------------------


def test_unsupported_torch_layer_is_named():
    model = nn.Sequential(nn.Linear(3, 3), nn.RNN(3, 3))
    k_model = keras.Sequential([keras.Input((3,)), layers.Dense(3)])
    with pytest.raises(PortingError, match=r"PyTorch layer '1' \(RNN\).*no\s+supported Keras counterpart"):
        torch_to_keras(model, k_model)


def test_unsupported_keras_layer_is_named():
    k_model = keras.Sequential([keras.Input((4, 3)), layers.SimpleRNN(3, name="rnn")])
    with pytest.raises(PortingError, match=r"Keras layer 'rnn' \(SimpleRNN\)"):
        keras_to_torch(k_model, nn.Linear(3, 3))


def test_mismatched_models_list_both_sides():
    k_model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(2, 3), layers.Flatten(), layers.Dense(3)])
    with pytest.raises(PortingError, match=r"do not match.*PyTorch: 0=dense; Keras: .*=conv"):
        torch_to_keras(nn.Sequential(nn.Linear(3, 3)), k_model)


@pytest.mark.parametrize(
    "t_layer, k_layer, x, match",
    [
        (nn.BatchNorm2d(4), layers.BatchNormalization(), (1, 3, 3, 4), r"epsilon differs: PyTorch 1e-05, Keras 0\.001"),
        (nn.BatchNorm2d(4, eps=1e-3), layers.BatchNormalization(), (1, 3, 3, 4), r"momentum=0\.9 \(PyTorch"),
        (nn.GRU(3, 2), layers.GRU(2, reset_after=False), (1, 4, 3), r"reset_after=True"),
        (
            nn.Conv2d(2, 2, 3, stride=2, padding=1),
            layers.Conv2D(2, 3, strides=2, padding="same"),
            (1, 6, 6, 2),
            r"does not compute what Keras padding='same'",
        ),
        (nn.Conv2d(4, 4, 3, groups=2), layers.Conv2D(4, 3), (1, 5, 5, 4), r"grouped convolution"),
        (nn.LSTM(3, 2, num_layers=2), layers.LSTM(2), (1, 4, 3), r"only one\s+unidirectional layer"),
    ],
)
def test_settings_that_would_change_outputs_are_refused(t_layer, k_layer, x, match):
    k_layer(np.zeros(x, dtype="float32"))
    with pytest.raises(PortingError, match=match):
        torch_to_keras(t_layer, k_layer)
