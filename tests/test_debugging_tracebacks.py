"""pairs.debugging.tracebacks: frames counted by kind, the culprit line found, paths cleaned."""

from __future__ import annotations

import os
import traceback

import pytest

from pairs.debugging.tracebacks import Tracebacks, line_of, share

HERE = os.path.dirname(os.path.abspath(__file__))


def broken(x):
    y = x + 1
    return y / 0


def test_kind_by_folder():
    reader = Tracebacks.here()
    assert reader.user_dir == HERE
    assert reader.kind(__file__) == "user"
    assert reader.kind("/venv/lib/python3.12/site-packages/torch/_dynamo/eval_frame.py") == "framework"
    assert reader.kind("C:\\venv\\Lib\\site-packages\\tensorflow\\python\\ops\\math_ops.py") == "framework"
    assert reader.kind("/venv/lib/python3.12/site-packages/keras/src/layers/core/dense.py") == "framework"
    assert reader.kind("/usr/lib/python3.12/random.py") == "other"
    assert reader.kind(os.path.join(HERE, "sub", "x.py")) == "other"  # only the folder itself is user code


def test_count_finds_the_culprit_line_in_the_traceback():
    reader = Tracebacks.here()
    try:
        broken(1)
    except ZeroDivisionError as err:
        row = reader.count(err, broken, "return y / 0")
        frames = traceback.extract_tb(err.__traceback__)
    assert row == {"error": "ZeroDivisionError", "frames": len(frames), "user": 2, "framework": 0, "other": 0,
                   "line in traceback": True, "line in message": False}  # fmt: skip
    assert share(row) == "none"


def test_count_finds_the_culprit_line_in_the_message_or_notes():
    reader = Tracebacks.here()
    err = RuntimeError("from user code: y = x + 1")
    row = reader.count(err, broken, "y = x + 1")
    assert row["line in message"] and not row["line in traceback"] and row["frames"] == 0
    path_note = f'File "{broken.__code__.co_filename}", line {line_of(broken, "return y / 0")}, in broken'
    assert reader.count(RuntimeError("nan"), broken, "return y / 0", notes=path_note)["line in message"]
    assert not reader.count(RuntimeError("nan"), broken, "return y / 0")["line in message"]


def test_line_of_names_a_missing_line():
    assert line_of(broken, "y = x + 1") == broken.__code__.co_firstlineno + 1
    with pytest.raises(ValueError, match="has no line"):
        line_of(broken, "z = 3")


def test_share():
    assert share({"frames": 4, "framework": 0}) == "none"
    assert share({"frames": 4, "framework": 2}) == "some"
    assert share({"frames": 32, "framework": 31}) == "most"
    assert share({"frames": 33, "framework": 32}) == "most"  # one more release frame: same word


def test_clean_and_first_line():
    reader = Tracebacks("/tmp/ipykernel_42")
    text = '\x1b[31mFile "/tmp/ipykernel_42/123.py", line 4\x1b[0m in /venv/lib/site-packages/torch/_dynamo/x.py'
    assert reader.clean(text) == 'File "<cell>", line 4 in x.py'
    err = ValueError("bad shape at /home/me/project/model.py\nsecond line")
    assert reader.first_line(err) == "ValueError: bad shape at model.py"


def test_quoted_user_lines():
    reader = Tracebacks("/tmp/ipykernel_42")
    notes = (
        "Traceback of forward call that caused the error:\n"
        '  File "/tmp/ipykernel_42/7.py", line 3, in loss_fn\n    return F.cross_entropy(model(x), y)\n'
        '  File "/venv/site-packages/torch/nn/functional.py", line 9, in cross_entropy\n    return torch._C.x()\n'
    )
    assert reader.quoted_user_lines(notes) == ["loss_fn: return F.cross_entropy(model(x), y)"]
