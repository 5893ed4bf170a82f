"""Read an error the way pair 10 counts it: frames by who wrote them, and whether the culprit line is named.

    reader = Tracebacks.here()             # frames in the caller's folder (a notebook's cells) are "user" frames
    reader.first_line(err)                 # "RuntimeError: mat1 and mat2 shapes cannot be multiplied ..."
    reader.count(err, forward, "h = torch.relu(x @ W1 + b1)")
    # {"error": "RuntimeError", "frames": 2, "user": 2, "framework": 0, "other": 0,
    #  "line in traceback": True, "line in message": False}

Frame counts change with every release of a framework (one more helper frame, one fewer); what a lesson can rely
on is their kind: ``share`` says whether the framework's frames are none, some or most of a traceback.
"""

from __future__ import annotations

import collections
import inspect
import os
import re
import sys
import traceback

from utils.show import error_line

__all__ = ["Tracebacks", "line_of", "share"]

FRAMEWORK = re.compile(r"[/\\](torch|tensorflow|keras)[/\\]")
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
_FOLDERS = re.compile(r"(?:[A-Za-z]:)?(?:[/\\][\w.+-]+)+[/\\]")
_QUOTED_FRAME = re.compile(r'File "([^"]+)", line \d+, in (\S+)\n\s+(.*)')


def line_of(fn, text: str) -> int:
    """The line number (in its file) of the line of ``fn`` whose code, stripped, is exactly ``text``."""
    lines, start = inspect.getsourcelines(fn)
    stripped = [line.strip() for line in lines]
    if text not in stripped:
        raise ValueError(f"{fn.__name__} has no line {text!r}")
    return start + stripped.index(text)


def share(row: dict) -> str:
    """How much of a counted traceback is the framework's: 'none', 'some' or 'most' (more than half the frames)."""
    if row["framework"] == 0:
        return "none"
    return "most" if row["framework"] > row["frames"] / 2 else "some"


class Tracebacks:
    """Counts tracebacks; a frame whose file lies in ``user_dir`` is user code (Jupyter compiles cells there)."""

    def __init__(self, user_dir: str):
        self.user_dir = os.path.normpath(user_dir)

    @classmethod
    def here(cls) -> Tracebacks:
        """A reader for which the caller's own folder is user code: in a notebook, the folder of its cells."""
        return cls(os.path.dirname(sys._getframe(1).f_code.co_filename))

    def kind(self, filename: str) -> str:
        """'user' (the notebook's cells), 'framework' (torch, tensorflow, keras) or 'other' (stdlib, generated)."""
        if os.path.normpath(os.path.dirname(filename)) == self.user_dir:
            return "user"
        return "framework" if FRAMEWORK.search(filename) else "other"

    def count(self, err: BaseException, fn, culprit: str, notes: str = "") -> dict:
        """Frames of ``err``'s traceback by kind, and whether the culprit line of ``fn`` is named in the traceback
        or in the message (``notes``: more text to search, such as a warning's forward traceback)."""
        frames = traceback.extract_tb(err.__traceback__)
        kinds = collections.Counter(self.kind(f.filename) for f in frames)
        lineno = line_of(fn, culprit)
        path = fn.__code__.co_filename
        message = str(err) + notes
        return {
            "error": type(err).__name__,
            "frames": len(frames),
            "user": kinds["user"],
            "framework": kinds["framework"],
            "other": kinds["other"],
            "line in traceback": any(f.filename == path and f.lineno == lineno for f in frames),
            "line in message": culprit in message or f'{path}", line {lineno},' in message,
        }

    def clean(self, text: str) -> str:
        """``text`` without terminal colours or machine paths: a cell's file becomes <cell>, folders are dropped."""
        text = _COLOUR.sub("", text)
        text = re.sub(re.escape(self.user_dir) + r"[/\\][^\s\"'(]+", "<cell>", text)
        return _FOLDERS.sub("", text)

    def first_line(self, err: BaseException) -> str:
        """``TypeName: first line of the message`` (``utils.show.error_line``), cleaned."""
        return self.clean(error_line(err))

    def quoted_user_lines(self, text: str) -> list[str]:
        """The user-code lines a printed traceback in ``text`` quotes, as ``function: code``."""
        return [
            f"{name}: {code.strip()}" for path, name, code in _QUOTED_FRAME.findall(text) if self.kind(path) == "user"
        ]
