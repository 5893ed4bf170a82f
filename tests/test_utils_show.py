"""utils.show: the printed line, and expect_error's three outcomes (raised, not raised, wrong message/type)."""

import pytest

from utils.show import error_line, expect_error, show_error


def test_error_line_is_type_and_first_line_without_colour_codes():
    err = ValueError("\x1b[1mRequested the deserialization of a Lambda layer\x1b[0m\nsecond line")
    assert error_line(err) == "ValueError: Requested the deserialization of a Lambda layer"
    assert error_line(KeyError()) == "KeyError:"


def test_show_error_prints_the_line_after_its_label(capsys):
    show_error(RuntimeError("boom\nmore"), label="worker -> ")
    assert capsys.readouterr().out == "worker -> RuntimeError: boom\n"


def test_expect_error_catches_prints_and_keeps_the_error(capsys):
    with expect_error(ZeroDivisionError, match="division") as caught:
        1 / 0
    assert isinstance(caught.error, ZeroDivisionError)
    assert capsys.readouterr().out == "ZeroDivisionError: division by zero\n"


def test_expect_error_accepts_a_tuple_of_types_and_can_stay_quiet(capsys):
    with expect_error((KeyError, IndexError), show=False) as caught:
        [][1]
    assert isinstance(caught.error, IndexError)
    assert capsys.readouterr().out == ""


def test_expect_error_fails_when_nothing_is_raised():
    with pytest.raises(AssertionError, match="expected RuntimeError or ValueError to be raised"):
        with expect_error((RuntimeError, ValueError)):
            pass


def test_expect_error_fails_when_the_message_does_not_match():
    with pytest.raises(AssertionError, match="does not match 'weights_only'"):
        with expect_error(RuntimeError, match="weights_only"):
            raise RuntimeError("something else went wrong")


def test_expect_error_lets_an_error_of_another_type_through():
    with pytest.raises(TypeError):
        with expect_error(ValueError):
            raise TypeError("not the expected kind")


def test_expect_error_drops_the_traceback_so_the_failing_frame_can_be_freed():
    with expect_error(ValueError, show=False) as caught:
        raise ValueError("x")
    assert caught.error.__traceback__ is None
