"""Show an error the way a learner meets it, and make a demonstrated error a checked one.

    show_error(err)                 # prints "RuntimeError: Trying to backward through the graph a second time ..."
    with expect_error(RuntimeError, match="second time"):
        y.backward()                # prints the same line; raises AssertionError if nothing is raised

``expect_error`` is ``pytest.raises`` for a notebook: a cell that demonstrates an error fails when the error
stops happening (a library changed a default, the lesson's code changed), instead of passing silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # Keras colours some messages for the terminal


def error_line(err: BaseException) -> str:
    """``TypeName: first line of the message``, without terminal colour codes."""
    lines = _ANSI.sub("", str(err)).strip().splitlines()
    return f"{type(err).__name__}: {lines[0] if lines else ''}".rstrip()


def show_error(err: BaseException, label: str = "") -> None:
    """Print ``error_line(err)``, after ``label`` when one is given."""
    print(f"{label}{error_line(err)}")


class Caught:
    """What ``expect_error`` caught: ``.error`` is the exception once the block has raised it."""

    error: BaseException | None = None


def _names(kind) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


@contextmanager
def expect_error(kind, match: str | None = None, label: str = "", show: bool = True) -> Iterator[Caught]:
    """Require the block to raise ``kind`` (a class or a tuple of classes) and print it with ``show_error``.

    ``match`` is a regular expression searched in the message (as in ``pytest.raises``). No error, or a message
    that does not match, raises ``AssertionError``; an error of another type propagates unchanged. The caught
    error is kept, without its traceback, in the yielded object's ``.error``.
    """
    caught = Caught()
    try:
        yield caught
    except kind as err:
        if match is not None and not re.search(match, str(err)):
            raise AssertionError(
                f"{_names(kind)} was raised, but its message does not match {match!r}: {error_line(err)}"
            ) from err
        err.__traceback__ = None  # the failing frames would keep their objects (a DataLoader's workers) alive
        caught.error = err
        if show:
            show_error(err, label)
    else:
        raise AssertionError(f"expected {_names(kind)} to be raised, but the block ran without error")
