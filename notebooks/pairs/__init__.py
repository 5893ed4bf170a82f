"""Code that belongs to one pair of notebooks, importable as ``pairs.<slug>`` once the course is installed.

One subpackage per pair that has code of its own (a server, a handler, a training script run by ``torchrun``,
data-loading classes that worker processes must import by name). Each subpackage's docstring names the
notebooks that use it. Course-wide plumbing (devices, seeding, timing, servers) is in ``utils/`` instead.
"""
