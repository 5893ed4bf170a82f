"""Port trained weights between PyTorch and Keras 3, layer by layer, so both give the same outputs.

    from pairs.capstone.porting import torch_to_keras, keras_to_torch
    report = torch_to_keras(torch_model, keras_model)   # copies every parameter and buffer into keras_model
    keras_to_torch(keras_model, torch_model)            # and back

You build the *same architecture* in both frameworks yourself (porting copies numbers, it does not write
code). Both walks list the layers that hold weights, in order: PyTorch's ``named_children`` (definition order,
which ``nn.Sequential`` makes execution order), Keras's ``model.layers`` (nested models and layers are entered).
The i-th PyTorch layer is matched with the i-th Keras layer; their kinds must agree, or a :class:`PortingError`
lists both sequences. Layers without weights (activations, pooling, dropout, reshapes) are skipped, except Keras
``Flatten``, whose input shape decides how the next ``Dense`` kernel is reordered.

Supported pairs and what changes between them (the per-layer functions below do it on NumPy arrays):

=======================  ==========================  ===================================================
PyTorch                  Keras 3                     conversion
=======================  ==========================  ===================================================
``Linear``               ``Dense``                   weight ``(out, in)`` -> kernel ``(in, out)``
``Linear`` after a       ``Dense`` after ``Flatten``  PyTorch flattens ``(C, H, W)``, Keras ``(H, W, C)``:
flatten of a conv map                                the ``in`` axis is reordered as well
``Conv1d`` / ``Conv2d``  ``Conv1D`` / ``Conv2D``     ``(O, I, kh, kw)`` -> ``(kh, kw, I, O)``; inputs are NCHW
                                                     in PyTorch and NHWC in Keras. ``padding`` must agree
``BatchNorm1d/2d``       ``BatchNormalization``      same four arrays; eps must agree, and momentum
                                                     ``m_torch = 1 - m_keras`` (weight of the new batch vs
                                                     of the old average). PyTorch updates the running
                                                     variance with the unbiased (n-1) batch variance, Keras
                                                     with the biased one: equal outputs after porting, not
                                                     equal updates if you keep training in train mode
``Embedding``            ``Embedding``               same matrix
``LayerNorm``            ``LayerNormalization``      same two vectors; eps must agree (defaults 1e-5 vs 1e-3)
``LSTM`` (1 layer)       ``LSTM``                    gates i, f, g, o = Keras's i, f, c, o: transpose only;
                                                     PyTorch's two biases are summed into Keras's one
``GRU`` (1 layer)        ``GRU(reset_after=True)``   gates r, z, n -> Keras's z, r, h; Keras keeps the two
                                                     biases as rows of a ``(2, 3H)`` array
``MultiheadAttention``   ``MultiHeadAttention``      packed ``(3E, E)`` projection -> per-head
                                                     ``(E, heads, E/heads)`` kernels
=======================  ==========================  ===================================================

Anything else that holds weights (``nn.RNN``, ``ConvTranspose2d``, grouped convolutions, ``DepthwiseConv2D``,
a custom layer...) raises :class:`PortingError` naming the layer and what to do; nothing is skipped silently.

Tested both ways on random weights and inputs in ``tests/test_porting.py`` (outputs equal to 1e-5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "PortingError",
    "Ported",
    "torch_to_keras",
    "keras_to_torch",
    "port_layer_to_keras",
    "port_layer_to_torch",
    "linear_weight_to_keras",
    "dense_kernel_to_torch",
    "conv_weight_to_keras",
    "conv_kernel_to_torch",
    "gru_gates_to_keras",
    "gru_gates_to_torch",
    "SUPPORTED",
]

SUPPORTED = (
    "Linear/Dense",
    "Conv1d/Conv1D",
    "Conv2d/Conv2D",
    "BatchNorm1d|2d/BatchNormalization",
    "Embedding/Embedding",
    "LayerNorm/LayerNormalization",
    "LSTM/LSTM",
    "GRU/GRU",
    "MultiheadAttention/MultiHeadAttention",
)


class PortingError(ValueError):
    """The two models cannot be matched, or a layer cannot be ported as it is: the message says what to do."""


@dataclass
class Ported:
    """One ported pair of layers (``torch_to_keras`` returns a list of them)."""

    torch_name: str
    keras_name: str
    kind: str
    note: str = ""

    def __str__(self) -> str:
        note = f"  ({self.note})" if self.note else ""
        return f"{self.torch_name:>14s} <-> {self.keras_name:<14s} {self.kind}{note}"


# -- per-layer conversions on NumPy arrays ---------------------------------------------------------------


def linear_weight_to_keras(weight: np.ndarray, flatten_hwc: tuple[int, int, int] | None = None) -> np.ndarray:
    """PyTorch ``Linear.weight`` ``(out, in)`` -> Keras ``Dense.kernel`` ``(in, out)``.

    ``flatten_hwc=(H, W, C)``: the layer reads a flattened conv map, which PyTorch flattened in (C, H, W) order
    and Keras flattens in (H, W, C) order; the ``in`` axis is reordered to match.
    """
    if flatten_hwc is not None:
        h, w, c = flatten_hwc
        weight = weight.reshape(weight.shape[0], c, h, w).transpose(0, 2, 3, 1).reshape(weight.shape[0], -1)
    return np.ascontiguousarray(weight.T)


def dense_kernel_to_torch(kernel: np.ndarray, flatten_hwc: tuple[int, int, int] | None = None) -> np.ndarray:
    """Keras ``Dense.kernel`` ``(in, out)`` -> PyTorch ``Linear.weight`` ``(out, in)``; the inverse of
    :func:`linear_weight_to_keras`."""
    weight = kernel.T
    if flatten_hwc is not None:
        h, w, c = flatten_hwc
        weight = weight.reshape(weight.shape[0], h, w, c).transpose(0, 3, 1, 2).reshape(weight.shape[0], -1)
    return np.ascontiguousarray(weight)


def conv_weight_to_keras(weight: np.ndarray) -> np.ndarray:
    """PyTorch ``(O, I, k)`` / ``(O, I, kh, kw)`` -> Keras ``(k, I, O)`` / ``(kh, kw, I, O)``."""
    axes = {3: (2, 1, 0), 4: (2, 3, 1, 0)}[weight.ndim]
    return np.ascontiguousarray(weight.transpose(axes))


def conv_kernel_to_torch(kernel: np.ndarray) -> np.ndarray:
    """Keras ``(k, I, O)`` / ``(kh, kw, I, O)`` -> PyTorch ``(O, I, k)`` / ``(O, I, kh, kw)``."""
    axes = {3: (2, 1, 0), 4: (3, 2, 0, 1)}[kernel.ndim]
    return np.ascontiguousarray(kernel.transpose(axes))


def _swap_first_two_gates(array: np.ndarray, axis: int) -> np.ndarray:
    first, second, third = np.split(array, 3, axis=axis)
    return np.concatenate([second, first, third], axis=axis)


def gru_gates_to_keras(array: np.ndarray, axis: int = 0) -> np.ndarray:
    """PyTorch's GRU gate blocks (r, z, n) along ``axis`` -> Keras's order (z, r, h)."""
    return _swap_first_two_gates(array, axis)


def gru_gates_to_torch(array: np.ndarray, axis: int = 0) -> np.ndarray:
    """Keras's GRU gate blocks (z, r, h) along ``axis`` -> PyTorch's (r, z, n)."""
    return _swap_first_two_gates(array, axis)


# -- reading and writing the frameworks' variables -------------------------------------------------------


def _np(tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy().copy()


def _set_torch(param, array: np.ndarray, what: str) -> None:
    import torch

    if tuple(param.shape) != tuple(array.shape):
        raise PortingError(f"{what}: PyTorch expects shape {tuple(param.shape)}, the Keras layer gives {array.shape}")
    with torch.no_grad():
        param.copy_(torch.from_numpy(np.ascontiguousarray(array)).to(param.dtype))


def _set_keras(variable, array: np.ndarray, what: str) -> None:
    if tuple(variable.shape) != tuple(array.shape):
        raise PortingError(
            f"{what}: Keras expects shape {tuple(variable.shape)}, the PyTorch layer gives {array.shape}"
        )
    variable.assign(array.astype(variable.dtype))


def _same(what: str, torch_value, keras_value, fix: str) -> None:
    if torch_value != keras_value:
        raise PortingError(f"{what} differs: PyTorch {torch_value!r}, Keras {keras_value!r}. {fix}")


def _close(what: str, torch_value: float, keras_value: float, fix: str) -> None:
    if not np.isclose(torch_value, keras_value, rtol=1e-6, atol=0.0):
        raise PortingError(f"{what} differs: PyTorch {torch_value!r}, Keras {keras_value!r}. {fix}")


# -- the layer kinds -------------------------------------------------------------------------------------


def _torch_kind(module) -> str | None:
    from torch import nn

    if isinstance(module, nn.MultiheadAttention):
        return "mha"
    if isinstance(module, nn.Linear):
        return "dense"
    if isinstance(module, (nn.Conv1d, nn.Conv2d)):
        return "conv"
    if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        return "batchnorm"
    if isinstance(module, nn.Embedding):
        return "embedding"
    if isinstance(module, nn.LayerNorm):
        return "layernorm"
    if isinstance(module, nn.LSTM):
        return "lstm"
    if isinstance(module, nn.GRU):
        return "gru"
    return None


def _keras_kind(layer) -> str | None:
    from keras import layers

    for kind, cls in (
        ("mha", layers.MultiHeadAttention),
        ("dense", layers.Dense),
        ("conv", (layers.Conv1D, layers.Conv2D)),
        ("batchnorm", layers.BatchNormalization),
        ("embedding", layers.Embedding),
        ("layernorm", layers.LayerNormalization),
        ("lstm", layers.LSTM),
        ("gru", layers.GRU),
    ):
        if isinstance(layer, cls):
            return kind
    return None


def _check_conv(t, k) -> None:
    name = f"conv pair {type(t).__name__}/{type(k).__name__}"
    if t.groups != 1:
        raise PortingError(
            f"{name}: grouped convolution (groups={t.groups}) is not supported; Keras's "
            "DepthwiseConv2D / Conv2D(groups=...) store it differently: port it by hand"
        )
    _same(f"{name} kernel size", tuple(t.kernel_size), tuple(k.kernel_size), "Build both with the same kernel size.")
    _same(f"{name} stride", tuple(t.stride), tuple(k.strides), "Build both with the same stride.")
    _same(f"{name} dilation", tuple(t.dilation), tuple(k.dilation_rate), "Build both with the same dilation.")
    if getattr(k, "data_format", "channels_last") != "channels_last":
        raise PortingError(f"{name}: the Keras layer is channels_first; this module ports to channels_last layers")
    if t.padding_mode != "zeros":
        raise PortingError(f"{name}: padding_mode={t.padding_mode!r} has no Keras Conv2D equivalent; use 'zeros'")
    padding = t.padding if isinstance(t.padding, str) else tuple(t.padding)
    if k.padding == "valid":
        ok = padding == "valid" or all(p == 0 for p in padding)
    elif k.padding == "same":
        # symmetric padding of (k-1)*d/2 is Keras's 'same' for stride 1; for stride > 1 Keras (like TensorFlow)
        # puts the odd extra row/column at the bottom/right, which PyTorch never does
        ok = all(s == 1 for s in t.stride) and (
            padding == "same" or all(2 * p == d * (ks - 1) for p, d, ks in zip(padding, t.dilation, t.kernel_size))
        )
    else:
        ok = False
    if not ok:
        raise PortingError(
            f"{name}: PyTorch padding={t.padding!r} with stride {tuple(t.stride)} does not compute what "
            f"Keras padding={k.padding!r} does. Use padding='valid' in Keras (with a ZeroPadding layer "
            "before it if needed), or 'same' with stride 1 and PyTorch padding=(k-1)//2."
        )


def _check_norm(t, k, kind: str) -> None:
    eps_fix = f"Build the Keras layer with epsilon={t.eps} (or the PyTorch one with eps={k.epsilon})."
    _close(f"{kind} epsilon", float(t.eps), float(k.epsilon), eps_fix)
    if kind == "batchnorm":
        if t.momentum is None or not t.track_running_stats:
            raise PortingError(
                "BatchNorm with momentum=None (a cumulative average) or without running statistics has "
                "no Keras equivalent: use a float momentum and track_running_stats=True"
            )
        _close(
            "BatchNorm momentum (PyTorch's m is Keras's 1 - m)",
            float(t.momentum),
            1.0 - float(k.momentum),
            f"Build the Keras layer with momentum={1.0 - t.momentum:g} (PyTorch momentum={t.momentum:g} is the "
            "weight of the NEW batch statistic; Keras's momentum is the weight of the OLD moving average).",
        )
        affine = k.center and k.scale
        if (k.center or k.scale) and not affine:
            raise PortingError("BatchNormalization with only one of center/scale: build it with both or neither")
        _same(
            "BatchNorm affine (Keras center and scale)",
            bool(t.affine),
            bool(affine),
            "Use affine=True with center=scale=True, or affine=False with center=scale=False.",
        )
    else:
        if len(t.normalized_shape) != 1:
            raise PortingError(
                f"LayerNorm over {tuple(t.normalized_shape)}: only normalisation over the last axis "
                "(normalized_shape=(D,), Keras axis=-1) is supported"
            )
        if getattr(k, "rms_scaling", False):
            raise PortingError("LayerNormalization(rms_scaling=True) is RMSNorm: port it to torch.nn.RMSNorm by hand")
        _same(
            "LayerNorm scale (elementwise_affine / scale)",
            t.weight is not None,
            bool(k.scale),
            "Use elementwise_affine=True with scale=True, or both off.",
        )
        _same(
            "LayerNorm shift (bias / center)",
            t.bias is not None,
            bool(k.center),
            "Use bias=True with center=True, or both off.",
        )


def _check_rnn(t, k, kind: str) -> None:
    if t.num_layers != 1 or t.bidirectional or getattr(t, "proj_size", 0):
        raise PortingError(
            f"{type(t).__name__}(num_layers={t.num_layers}, bidirectional={t.bidirectional}): only one "
            "unidirectional layer without projection is supported; stack single-layer modules "
            "(and keras.layers.Bidirectional by hand) instead"
        )
    _same(f"{kind} units", t.hidden_size, k.units, "Build both with the same number of units.")
    cell = k.cell
    _same(f"{kind} activation", "tanh", cell.activation.__name__, "PyTorch uses tanh: keep Keras's default.")
    _same(
        f"{kind} recurrent activation",
        "sigmoid",
        cell.recurrent_activation.__name__,
        "PyTorch uses sigmoid: keep Keras's default recurrent_activation='sigmoid'.",
    )
    _same(f"{kind} bias", bool(t.bias), bool(cell.use_bias), "Use bias=True with use_bias=True, or both off.")
    if kind == "gru" and not cell.reset_after:
        raise PortingError(
            "Keras GRU(reset_after=False) applies the reset gate before the recurrent matmul; PyTorch's "
            "GRU applies it after: build keras.layers.GRU(..., reset_after=True) (the default)"
        )


def _check_mha(t, k) -> None:
    if not t._qkv_same_embed_dim or t.bias_k is not None or t.add_zero_attn:
        raise PortingError(
            "MultiheadAttention with kdim/vdim != embed_dim, add_bias_kv or add_zero_attn is not "
            "supported: port it by hand"
        )
    head = t.embed_dim // t.num_heads
    _same("MultiHeadAttention heads", t.num_heads, k.num_heads, "Build both with the same number of heads.")
    _same("MultiHeadAttention key_dim (= embed_dim / heads in PyTorch)", head, k.key_dim, f"Use key_dim={head}.")
    _same("MultiHeadAttention value_dim", head, k.value_dim or k.key_dim, f"Use value_dim={head} (or leave it None).")
    _same("MultiHeadAttention bias", t.in_proj_bias is not None, bool(k.use_bias), "Use bias/use_bias alike.")
    if not k.built:
        raise PortingError("the Keras MultiHeadAttention layer is not built: call it once on a batch first")


def _to_keras(kind: str, t, k, flatten_hwc) -> str:
    """Copy PyTorch layer ``t`` into Keras layer ``k``; returns a note on what was reordered."""
    note = ""
    if kind == "dense":
        _set_keras(k.kernel, linear_weight_to_keras(_np(t.weight), flatten_hwc), "Linear.weight")
        _same("Linear/Dense bias", t.bias is not None, bool(k.use_bias), "Use bias=True with use_bias=True.")
        if t.bias is not None:
            _set_keras(k.bias, _np(t.bias), "Linear.bias")
        note = (
            f"transposed, inputs reordered from (C,H,W)={flatten_hwc[2], *flatten_hwc[:2]} to (H,W,C)"
            if flatten_hwc
            else "transposed"
        )
    elif kind == "conv":
        _check_conv(t, k)
        _set_keras(k.kernel, conv_weight_to_keras(_np(t.weight)), "Conv.weight")
        _same("Conv bias", t.bias is not None, bool(k.use_bias), "Use bias=True with use_bias=True.")
        if t.bias is not None:
            _set_keras(k.bias, _np(t.bias), "Conv.bias")
        note = "OIHW -> HWIO" if t.weight.ndim == 4 else "OIK -> KIO"
    elif kind == "batchnorm":
        _check_norm(t, k, kind)
        if t.affine:
            _set_keras(k.gamma, _np(t.weight), "BatchNorm.weight")
            _set_keras(k.beta, _np(t.bias), "BatchNorm.bias")
        _set_keras(k.moving_mean, _np(t.running_mean), "BatchNorm.running_mean")
        _set_keras(k.moving_variance, _np(t.running_var), "BatchNorm.running_var")
        note = f"eps {t.eps:g}, momentum {t.momentum:g} = Keras {k.momentum:g}"
    elif kind == "embedding":
        _set_keras(k.embeddings, _np(t.weight), "Embedding.weight")
    elif kind == "layernorm":
        _check_norm(t, k, kind)
        if t.weight is not None:
            _set_keras(k.gamma, _np(t.weight), "LayerNorm.weight")
        if t.bias is not None:
            _set_keras(k.beta, _np(t.bias), "LayerNorm.bias")
    elif kind in ("lstm", "gru"):
        _check_rnn(t, k, kind)
        cell = k.cell
        w_ih, w_hh = _np(t.weight_ih_l0), _np(t.weight_hh_l0)
        if kind == "lstm":  # i, f, g, o in both (Keras calls g "c")
            _set_keras(cell.kernel, w_ih.T, "LSTM.weight_ih_l0")
            _set_keras(cell.recurrent_kernel, w_hh.T, "LSTM.weight_hh_l0")
            if t.bias:
                _set_keras(cell.bias, _np(t.bias_ih_l0) + _np(t.bias_hh_l0), "LSTM biases (summed)")
            note = "transposed, two biases summed"
        else:
            _set_keras(cell.kernel, gru_gates_to_keras(w_ih).T, "GRU.weight_ih_l0")
            _set_keras(cell.recurrent_kernel, gru_gates_to_keras(w_hh).T, "GRU.weight_hh_l0")
            if t.bias:
                _set_keras(
                    cell.bias,
                    np.stack([gru_gates_to_keras(_np(t.bias_ih_l0)), gru_gates_to_keras(_np(t.bias_hh_l0))]),
                    "GRU biases",
                )
            note = "gates r,z,n -> z,r,h, transposed"
    elif kind == "mha":
        _check_mha(t, k)
        e, h = t.embed_dim, t.num_heads
        w = _np(t.in_proj_weight)
        for i, dense in enumerate((k.query_dense, k.key_dense, k.value_dense)):
            _set_keras(
                dense.kernel, w[i * e : (i + 1) * e].T.reshape(e, h, e // h), "MultiheadAttention.in_proj_weight"
            )
            if t.in_proj_bias is not None:
                _set_keras(dense.bias, _np(t.in_proj_bias)[i * e : (i + 1) * e].reshape(h, e // h), "in_proj_bias")
        _set_keras(k.output_dense.kernel, _np(t.out_proj.weight).T.reshape(h, e // h, e), "out_proj.weight")
        if t.out_proj.bias is not None:
            _set_keras(k.output_dense.bias, _np(t.out_proj.bias), "out_proj.bias")
        note = "packed q,k,v split into per-head kernels"
    return note


def _to_torch(kind: str, k, t, flatten_hwc) -> str:
    """Copy Keras layer ``k`` into PyTorch layer ``t``; returns a note on what was reordered."""

    def kn(v):
        return np.asarray(v.numpy())

    note = ""
    if kind == "dense":
        _same("Linear/Dense bias", t.bias is not None, bool(k.use_bias), "Use bias=True with use_bias=True.")
        _set_torch(t.weight, dense_kernel_to_torch(kn(k.kernel), flatten_hwc), "Dense.kernel")
        if t.bias is not None:
            _set_torch(t.bias, kn(k.bias), "Dense.bias")
        note = f"transposed, inputs reordered from (H,W,C)={flatten_hwc} to (C,H,W)" if flatten_hwc else "transposed"
    elif kind == "conv":
        _check_conv(t, k)
        _same("Conv bias", t.bias is not None, bool(k.use_bias), "Use bias=True with use_bias=True.")
        _set_torch(t.weight, conv_kernel_to_torch(kn(k.kernel)), "Conv.kernel")
        if t.bias is not None:
            _set_torch(t.bias, kn(k.bias), "Conv.bias")
        note = "HWIO -> OIHW" if t.weight.ndim == 4 else "KIO -> OIK"
    elif kind == "batchnorm":
        _check_norm(t, k, kind)
        if t.affine:
            _set_torch(t.weight, kn(k.gamma), "BatchNormalization.gamma")
            _set_torch(t.bias, kn(k.beta), "BatchNormalization.beta")
        _set_torch(t.running_mean, kn(k.moving_mean), "BatchNormalization.moving_mean")
        _set_torch(t.running_var, kn(k.moving_variance), "BatchNormalization.moving_variance")
        note = f"eps {t.eps:g}, Keras momentum {k.momentum:g} = PyTorch {t.momentum:g}"
    elif kind == "embedding":
        _set_torch(t.weight, kn(k.embeddings), "Embedding.embeddings")
    elif kind == "layernorm":
        _check_norm(t, k, kind)
        if t.weight is not None:
            _set_torch(t.weight, kn(k.gamma), "LayerNormalization.gamma")
        if t.bias is not None:
            _set_torch(t.bias, kn(k.beta), "LayerNormalization.beta")
    elif kind in ("lstm", "gru"):
        _check_rnn(t, k, kind)
        cell = k.cell
        if kind == "lstm":
            _set_torch(t.weight_ih_l0, kn(cell.kernel).T, "LSTM.kernel")
            _set_torch(t.weight_hh_l0, kn(cell.recurrent_kernel).T, "LSTM.recurrent_kernel")
            if t.bias:
                _set_torch(t.bias_ih_l0, kn(cell.bias), "LSTM.bias")
                _set_torch(t.bias_hh_l0, np.zeros_like(kn(cell.bias)), "LSTM.bias (second bias: zeros)")
            note = "transposed, one bias -> bias_ih (bias_hh = 0)"
        else:
            _set_torch(t.weight_ih_l0, gru_gates_to_torch(kn(cell.kernel), axis=1).T, "GRU.kernel")
            _set_torch(t.weight_hh_l0, gru_gates_to_torch(kn(cell.recurrent_kernel), axis=1).T, "GRU.recurrent_kernel")
            if t.bias:
                bias = kn(cell.bias)
                _set_torch(t.bias_ih_l0, gru_gates_to_torch(bias[0]), "GRU.bias[0]")
                _set_torch(t.bias_hh_l0, gru_gates_to_torch(bias[1]), "GRU.bias[1]")
            note = "gates z,r,h -> r,z,n, transposed"
    elif kind == "mha":
        _check_mha(t, k)
        e = t.embed_dim
        ws = [kn(d.kernel).reshape(e, e).T for d in (k.query_dense, k.key_dense, k.value_dense)]
        _set_torch(t.in_proj_weight, np.concatenate(ws), "query/key/value kernels")
        if t.in_proj_bias is not None:
            bs = [kn(d.bias).reshape(e) for d in (k.query_dense, k.key_dense, k.value_dense)]
            _set_torch(t.in_proj_bias, np.concatenate(bs), "query/key/value biases")
        _set_torch(t.out_proj.weight, kn(k.output_dense.kernel).reshape(e, e).T, "output kernel")
        if t.out_proj.bias is not None:
            _set_torch(t.out_proj.bias, kn(k.output_dense.bias), "output bias")
        note = "per-head kernels packed into q,k,v"
    return note


# -- walking the two models ------------------------------------------------------------------------------


def _torch_layers(module) -> list[tuple[str, object, str]]:
    """(name, module, kind) for every weight-holding PyTorch layer, in definition order."""
    found = []

    def visit(name: str, m) -> None:
        kind = _torch_kind(m)
        if kind is not None:
            found.append((name, m, kind))
            return
        own = list(m.named_parameters(recurse=False)) + [b for b in m.named_buffers(recurse=False)]
        if own:
            raise PortingError(
                f"PyTorch layer '{name or 'the model itself'}' ({type(m).__name__}) holds weights "
                f"({', '.join(n for n, _ in own)}) but has no "
                f"supported Keras counterpart (supported: {', '.join(SUPPORTED)}). Replace it with a supported layer, "
                "or port it by hand with the per-layer functions of pairs.capstone.porting as a model."
            )
        for child_name, child in m.named_children():
            visit(f"{name}.{child_name}" if name else child_name, child)

    visit("", module)
    return found


def _flatten_hwc(layer, given: dict) -> tuple[int, int, int] | None:
    """(H, W, C) of the map a channels_last Keras Flatten reads, None when no reordering is needed."""
    if getattr(layer, "data_format", "channels_last") == "channels_first":
        return None  # Keras transposes to channels-first before flattening: PyTorch's order already
    if layer.name in given:
        shape = tuple(given[layer.name])
    else:
        try:
            shape = tuple(layer.input.shape[1:])
        except (AttributeError, ValueError) as err:
            raise PortingError(
                f"cannot read the input shape of Keras layer '{layer.name}' (Flatten) in a subclassed model "
                f"({err}); pass "
                f"flatten_shapes={{'{layer.name}': (H, W, C)}} so the next Dense kernel can be reordered"
            ) from None
    if len(shape) != 3 or shape[0] * shape[1] == 1:
        return None  # flattening a vector, or a 1x1 map: the order is the same in both frameworks
    return tuple(int(d) for d in shape)


def _keras_layers(model, flatten_shapes: dict) -> list[tuple[str, object, str, tuple | None]]:
    """(name, layer, kind, flatten_hwc) for every weight-holding Keras layer, in order."""
    import keras
    from keras import layers

    found = []
    pending = [None]  # the (H, W, C) of a Flatten not yet followed by its Dense

    def visit(layer) -> None:
        kind = _keras_kind(layer)
        if kind is not None:
            if not layer.built:
                raise PortingError(
                    f"Keras layer '{layer.name}' is not built yet: give the model a keras.Input or call "
                    "it once on a batch, then port"
                )
            if pending[0] is not None and kind != "dense":
                raise PortingError(
                    f"Keras layer '{layer.name}' ({type(layer).__name__}) sits between a Flatten and "
                    "a Dense: its features would need reordering too; not supported"
                )
            found.append((layer.name, layer, kind, pending[0] if kind == "dense" else None))
            pending[0] = None
            return
        if isinstance(layer, layers.Flatten):
            pending[0] = _flatten_hwc(layer, flatten_shapes)
            return
        if isinstance(layer, keras.Model):  # a nested model: its layers are matched one by one
            for child in layer._flatten_layers(include_self=False, recursive=False):
                visit(child)
        elif layer.weights:  # a plain layer (or a custom one holding sublayers) that cannot be matched
            raise PortingError(
                f"Keras layer '{layer.name}' ({type(layer).__name__}) holds weights but has no supported PyTorch "
                f"counterpart (supported: {', '.join(SUPPORTED)}). Replace it with a supported layer, or port it by "
                "hand with the per-layer functions of pairs.capstone.porting as a model."
            )

    if _keras_kind(model) is not None:
        visit(model)
    else:
        for child in model._flatten_layers(include_self=False, recursive=False):
            visit(child)
    return found


def _pairs(torch_module, keras_model, flatten_shapes):
    t_layers = _torch_layers(torch_module)
    k_layers = _keras_layers(keras_model, flatten_shapes or {})
    t_kinds = [kind for _, _, kind in t_layers]
    k_kinds = [kind for _, _, kind, _ in k_layers]
    if t_kinds != k_kinds:
        listing = (
            f"PyTorch: {', '.join(f'{n}={k}' for n, _, k in t_layers)}; "
            f"Keras: {', '.join(f'{n}={k}' for n, _, k, _ in k_layers)}"
        )
        raise PortingError(
            f"the two models' weight-holding layers do not match in kind and order ({listing}). Build "
            "the same layers in the same order (define PyTorch submodules in execution order)."
        )
    return [(tn, t, kn, k, kind, hwc) for (tn, t, kind), (kn, k, _, hwc) in zip(t_layers, k_layers)]


def torch_to_keras(torch_module, keras_model, *, flatten_shapes: dict | None = None) -> list[Ported]:
    """Copy every weight of ``torch_module`` into ``keras_model`` (built, same architecture). Returns what was
    matched with what. ``flatten_shapes={'flatten_name': (H, W, C)}`` is needed only for a Flatten inside a
    subclassed Keras model, whose input shape Keras does not record."""
    done = []
    for tn, t, kn, k, kind, hwc in _pairs(torch_module, keras_model, flatten_shapes):
        done.append(Ported(tn, kn, kind, _to_keras(kind, t, k, hwc)))
    return done


def keras_to_torch(keras_model, torch_module, *, flatten_shapes: dict | None = None) -> list[Ported]:
    """Copy every weight of ``keras_model`` into ``torch_module`` (same architecture); the inverse of
    :func:`torch_to_keras`."""
    done = []
    for tn, t, kn, k, kind, hwc in _pairs(torch_module, keras_model, flatten_shapes):
        done.append(Ported(tn, kn, kind, _to_torch(kind, k, t, hwc)))
    return done


def port_layer_to_keras(torch_layer, keras_layer, *, flatten_hwc: tuple[int, int, int] | None = None) -> str:
    """Port one layer (any supported pair); ``flatten_hwc`` only for a Dense that reads a flattened conv map."""
    kind_t, kind_k = _torch_kind(torch_layer), _keras_kind(keras_layer)
    if kind_t is None or kind_t != kind_k:
        raise PortingError(
            f"cannot port {type(torch_layer).__name__} to {type(keras_layer).__name__} "
            f"(supported: {', '.join(SUPPORTED)})"
        )
    return _to_keras(kind_t, torch_layer, keras_layer, flatten_hwc)


def port_layer_to_torch(keras_layer, torch_layer, *, flatten_hwc: tuple[int, int, int] | None = None) -> str:
    """Port one Keras layer into one PyTorch layer; the inverse of :func:`port_layer_to_keras`."""
    kind_t, kind_k = _torch_kind(torch_layer), _keras_kind(keras_layer)
    if kind_t is None or kind_t != kind_k:
        raise PortingError(
            f"cannot port {type(keras_layer).__name__} to {type(torch_layer).__name__} "
            f"(supported: {', '.join(SUPPORTED)})"
        )
    return _to_torch(kind_t, keras_layer, torch_layer, flatten_hwc)
