"""The data-parallel training step that ``tf_train.py`` runs in every worker.

It is written in ``09_distributed_tensorflow`` (§3.1), in a cell marked ``# @save``; ``tools/export_cells.py``
copies it into the generated block below, and ``tests/test_export_cells.py`` fails when the two differ. The
notebook's §3.9 runs the same function in its own kernel with ``MirroredStrategy``.
"""

from __future__ import annotations

import keras
import tensorflow as tf


# @generated from notebooks/text/09_distributed_tensorflow.py by tools/export_cells.py: edit the notebook, not this
def make_train_step(strategy, model, optimizer, global_batch):
    """The data-parallel step: each replica's loss over the global batch; gradients summed; one update."""

    def replica_loss(x, y):
        per_sample = keras.losses.sparse_categorical_crossentropy(y, model(x), from_logits=True)
        # sum over this replica / global batch: the replicas' losses (and gradients) add up to the global mean
        return tf.nn.compute_average_loss(per_sample, global_batch_size=global_batch)

    def replica_grads(x, y):
        with tf.GradientTape() as tape:
            loss = replica_loss(x, y)
        return loss, tape.gradient(loss, model.trainable_variables)

    @tf.function
    def train_step(x, y):
        def step(x, y):
            loss, grads = replica_grads(x, y)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))  # all-reduces (sums) the gradients
            return loss

        return strategy.reduce("SUM", strategy.run(step, args=(x, y)), axis=None)

    return train_step, replica_grads


# @end generated
