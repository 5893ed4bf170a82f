"""tools/check_lock.py (run by `make lock`): a pin that is yanked, missing, or excludes a supported Python is named.
PyPI's JSON is faked here; `python tools/check_lock.py` asks the real one."""

from __future__ import annotations

from tools import check_lock


def release(requires_python="", yanked=False, reason=None):
    return [{"requires_python": requires_python, "yanked": yanked, "yanked_reason": reason}]


FAKE_PYPI = {
    "good": {"releases": {"1.0": release(">=3.10")}},
    "yanked": {"releases": {"3.0.1": release(">=3.11", yanked=True, reason="broken below 3.11.5")}},
    "needs-patch": {"releases": {"4.1.3": release(">=3.11.5"), "2.10": release(">=3.10")}},
    "gone": {"releases": {"1.0": release()}},
}


def test_each_kind_of_bad_pin_is_named_and_a_good_lock_passes(tmp_path):
    lock = tmp_path / "lock.txt"
    lock.write_text("# header\ngood==1.0\nyanked==3.0.1\nneeds-patch==4.1.3\ngone==9.9\n")
    found = check_lock.check(lock, fetch=FAKE_PYPI.__getitem__)
    assert found == [
        "yanked==3.0.1: yanked (broken below 3.11.5)",
        "needs-patch==4.1.3: needs Python >=3.11.5, so not 3.11.0, 3.11.2",
        "gone==9.9: no such release on PyPI",
    ]
    lock.write_text("good==1.0\nneeds-patch==2.10\n")
    assert check_lock.check(lock, fetch=FAKE_PYPI.__getitem__) == []


def test_versions_compare_as_versions_not_strings(tmp_path):
    lock = tmp_path / "lock.txt"
    lock.write_text("good==1\n")  # "1" == "1.0" for pip
    assert check_lock.check(lock, fetch=FAKE_PYPI.__getitem__) == []
