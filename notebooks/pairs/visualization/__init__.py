"""Code of pair 06 (visualization): ``dashboards`` starts TensorBoard and Visdom on 127.0.0.1 and stops what
``%tensorboard`` left running; ``screens/`` holds the dashboards' screenshots that tests/test_browser.py takes.

Used by ``06_visualization_pytorch`` and ``06_visualization_tensorflow``.
"""
