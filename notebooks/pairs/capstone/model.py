"""The capstone's CNN in both frameworks, its training settings, and its training loops.

The lesson code (``TorchCNN`` and ``train_torch``, ``keras_cnn`` and ``train_keras``) is written in the notebooks
``11_capstone_pytorch`` and ``11_capstone_tensorflow``, in cells marked ``# @save``; ``tools/export_cells.py``
copies them into the generated blocks below, and ``tests/test_export_cells.py`` fails when a block differs from its
notebook. The model server (``--torch-class pairs.capstone.model:TorchCNN``), the draw-a-digit page (``page.py``)
and its browser test import them from here. Both models take a batch of 8x8 images ``(N, 8, 8)`` with
values in [0, 1] (the digits' 0..16 divided by 16) and return 10 logits, so the deployment pair's model server
(instance shape ``(8, 8)``) serves either one unchanged.

``MATCHED`` is one set of training settings applied in both frameworks: Keras's defaults (glorot_uniform weights
and zero biases, Adam epsilon 1e-7, BatchNorm epsilon 1e-3 and momentum 0.99), which PyTorch is told to use.
``TORCH_DEFAULTS`` is what PyTorch does when told nothing (kaiming_uniform(a=sqrt(5)) weights and uniform
biases, Adam eps 1e-8, BatchNorm eps 1e-5 and momentum 0.1). Keras's own defaults are ``MATCHED``.
Learning rate, batch size, epochs and loss are the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

__all__ = [
    "Settings",
    "MATCHED",
    "TORCH_DEFAULTS",
    "TorchCNN",
    "keras_cnn",
    "train_torch",
    "train_keras",
    "predict_torch",
    "predict_keras",
    "confusion",
]


@dataclass(frozen=True)
class Settings:
    epochs: int = 8
    batch_size: int = 32
    lr: float = 3e-3
    adam_eps: float = 1e-7  # added to sqrt(v): Keras adds it before bias correction, PyTorch after
    bn_eps: float = 1e-3
    bn_momentum_keras: float = 0.99  # weight of the OLD moving average; PyTorch's momentum is 1 - this
    init: str = "glorot"  # "glorot": glorot_uniform + zero biases; "torch": PyTorch's own default

    @property
    def bn_momentum_torch(self) -> float:
        return round(1.0 - self.bn_momentum_keras, 10)


MATCHED = Settings()
TORCH_DEFAULTS = replace(MATCHED, adam_eps=1e-8, bn_eps=1e-5, bn_momentum_keras=0.9, init="torch")


# @generated from notebooks/text/11_capstone_pytorch.py by tools/export_cells.py: edit the notebook, not this
class TorchCNN(nn.Module):
    """conv 16 -> BN -> ReLU -> pool -> conv 32 -> BN -> ReLU -> pool -> flatten 128 -> dense 64 -> dense 10."""

    def __init__(self, settings: Settings = TORCH_DEFAULTS):  # the model server calls TorchCNN()
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16, eps=settings.bn_eps, momentum=settings.bn_momentum_torch)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(32, eps=settings.bn_eps, momentum=settings.bn_momentum_torch)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(32 * 2 * 2, 64)
        self.fc2 = nn.Linear(64, 10)
        if settings.init == "glorot":  # Keras's default initialisers, in PyTorch
            for layer in (self.conv1, self.conv2, self.fc1, self.fc2):
                nn.init.xavier_uniform_(layer.weight)
                nn.init.zeros_(layer.bias)

    def forward(self, x):
        if x.dim() == 3:  # (N, 8, 8), as the model server sends it -> (N, 1, 8, 8)
            x = x.unsqueeze(1)
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        x = self.pool(torch.relu(self.bn2(self.conv2(x))))
        return self.fc2(torch.relu(self.fc1(torch.flatten(x, 1))))


def train_torch(x_train: np.ndarray, y_train: np.ndarray, seed: int, settings: Settings = MATCHED):
    """Train a fresh ``TorchCNN`` (seeded) with Adam and mean cross-entropy; returns it in eval mode."""
    torch.manual_seed(seed)
    model = TorchCNN(settings)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr, eps=settings.adam_eps)
    loss_fn = nn.CrossEntropyLoss()
    x, y = torch.from_numpy(x_train), torch.from_numpy(y_train)
    order = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(settings.epochs):
        for idx in torch.randperm(len(y), generator=order).split(settings.batch_size):
            optimizer.zero_grad()
            loss_fn(model(x[idx]), y[idx]).backward()
            optimizer.step()
    return model.eval()


# @end generated


# @generated from notebooks/text/11_capstone_tensorflow.py by tools/export_cells.py: edit the notebook, not this
def keras_cnn(settings: Settings = MATCHED):
    """The same CNN in Keras (channels last); ``Reshape`` turns ``(N, 8, 8)`` into ``(N, 8, 8, 1)``."""
    import keras
    from keras import layers

    bn = dict(epsilon=settings.bn_eps, momentum=settings.bn_momentum_keras)
    return keras.Sequential(
        [
            keras.Input((8, 8)),
            layers.Reshape((8, 8, 1)),
            layers.Conv2D(16, 3, padding="same"),
            layers.BatchNormalization(**bn),
            layers.ReLU(),
            layers.MaxPooling2D(2),
            layers.Conv2D(32, 3, padding="same"),
            layers.BatchNormalization(**bn),
            layers.ReLU(),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(10),
        ],
        name="capstone_cnn",
    )


def train_keras(x_train: np.ndarray, y_train: np.ndarray, seed: int, settings: Settings = MATCHED):
    """Train a fresh Keras CNN (seeded) with ``model.fit``: Adam, mean cross-entropy on logits, shuffled batches."""
    import keras

    if settings.init != "glorot":
        raise ValueError("Keras's default initialiser is glorot_uniform; PyTorch's init is not offered here")
    keras.utils.set_random_seed(seed)
    model = keras_cnn(settings)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=settings.lr, epsilon=settings.adam_eps),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(x_train, y_train, batch_size=settings.batch_size, epochs=settings.epochs, shuffle=True, verbose=0)
    return model


# @end generated


def predict_torch(model, x: np.ndarray) -> np.ndarray:
    """Softmax probabilities ``(N, 10)`` of a PyTorch model on ``(N, 8, 8)`` images in [0, 1]."""
    with torch.inference_mode():
        return torch.softmax(model(torch.from_numpy(np.asarray(x, dtype=np.float32))), dim=1).numpy()


def predict_keras(model, x: np.ndarray) -> np.ndarray:
    """Softmax probabilities ``(N, 10)`` of a Keras model on ``(N, 8, 8)`` images in [0, 1]."""
    import keras

    return keras.ops.convert_to_numpy(keras.ops.softmax(model(np.asarray(x, dtype=np.float32), training=False), axis=1))


def confusion(y_true: np.ndarray, y_pred: np.ndarray, classes: int = 10) -> np.ndarray:
    """``C[i, j]`` = how many images of digit ``i`` were predicted as ``j``."""
    return np.bincount(np.asarray(y_true) * classes + np.asarray(y_pred), minlength=classes * classes).reshape(
        classes, classes
    )
