"""Code of pair 05 (data pipelines): ``datafiles``, the digits as PNG files, the shared augmentation reference,
and the PyTorch ``Dataset`` classes that DataLoader worker processes import by name.

Used by ``05_data_pytorch`` and ``05_data_tensorflow``.
"""
