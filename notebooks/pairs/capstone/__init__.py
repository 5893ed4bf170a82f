"""Code of the capstone pair (11_capstone_pytorch / 11_capstone_tensorflow).

* ``porting``: PyTorch <-> Keras 3 weight porting, layer by layer (a library for learners, tested in
  ``tests/test_porting.py``).
* ``model``: the capstone's small CNN in both frameworks, and the data as each framework wants it.
* ``page``: the draw-a-digit page (``make demo``), in front of two model servers of the deployment pair.
"""
