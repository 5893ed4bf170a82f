"""Code of pair 09 (distributed training): the training scripts a learner runs outside Jupyter too.

* ``common.py``: what both frameworks share and that is not framework code: arguments and their checks, the
  shipped digits cut into global batches, the MLP's starting weights (NumPy, so both frameworks start equal).
* ``ddp_train.py``: PyTorch DistributedDataParallel (or FSDP2) over gloo, run by ``torchrun``
  (``notebooks/09_distributed_pytorch.ipynb``).
* ``tf_train.py``: TensorFlow MultiWorkerMirroredStrategy, one process per worker, configured by ``TF_CONFIG``
  (``notebooks/09_distributed_tensorflow.ipynb``).
"""
