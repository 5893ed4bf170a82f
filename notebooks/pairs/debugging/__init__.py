"""Code of pair 10 (10_debugging_pytorch / 10_debugging_tensorflow): ``tracebacks``, how both notebooks read an error.

It counts the frames of a traceback by who wrote their code (the notebook's cells, the framework, anything else)
and says whether the culprit line is named, so the two twins measure their errors the same way.
"""
