"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the worked example and the rules of the statement. The hidden grader checks more (other
configs, every kind of bad line, more loader cases).
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import ConfigError, ConfigLoader, parse_config, parse_value  # noqa: E402


def test_parse_value_worked_example():
    cases = [("  10 ", 10), ("1e3", 1000.0), ("False", False), ('"007"', "007"), ("tiny-bert", "tiny-bert")]
    for text, want in cases:
        got = parse_value(text)
        assert type(got) is type(want) and got == want, (
            f"parse_value({text!r}) returned {got!r} ({type(got).__name__}), "
            f"expected {want!r} ({type(want).__name__}); int() is tried before float()"
        )


def test_parse_value_errors():
    for text in ["", " \t ", '"tiny-bert', 'tiny-bert"']:  # empty, only spaces, unclosed quotes
        with pytest.raises(ConfigError):
            parse_value(text)


def test_config_error_keeps_message_and_line():
    assert issubclass(ConfigError, ValueError), "ConfigError should be a subclass of ValueError"
    error = ConfigError("duplicate key 'lr'", 4)
    assert (error.message, error.line) == ("duplicate key 'lr'", 4), "ConfigError keeps .message and .line"
    assert str(error) == "line 4: duplicate key 'lr'", f"str(ConfigError(\"duplicate key 'lr'\", 4)) is {str(error)!r}"
    assert str(ConfigError("empty value")) == "empty value", "with line=None, str() is just the message"


def test_parse_config_worked_example():
    got = parse_config("# demo\nname = run-1\n\nepochs=3\n")
    assert got == {"name": "run-1", "epochs": 3}, f"parse_config returned {got!r}"
    with pytest.raises(ConfigError) as caught:
        parse_config("a = 1\nb 2\n")
    assert caught.value.line == 2, f"the line without '=' is line 2, but the ConfigError has .line = {caught.value.line!r}"
    assert "line 2" in str(caught.value), f"str() of the error should contain 'line 2', got {str(caught.value)!r}"


def test_missing_required_keys_in_one_error():
    with pytest.raises(ConfigError) as caught:
        parse_config("a = 1", required=["name", "epochs"])
    message = str(caught.value)
    assert "name" in message and "epochs" in message, f"the error should name every missing key, got {message!r}"
    assert caught.value.line is None, "a missing-keys error has line=None"


def test_loader_worked_example():
    loader = ConfigLoader()
    assert (loader.config, loader.busy, loader.loads, loader.failures) == ({}, False, 0, 0), "a new loader starts empty"
    assert loader.load("lr = 0.1") == {"lr": 0.1}
    with pytest.raises(ConfigError):
        loader.load("lr = 0.2\nlr = 0.3")
    state = (loader.config, loader.busy, loader.loads, loader.failures)
    assert state == ({"lr": 0.1}, False, 1, 1), (
        f"after a good load and a failed one, (config, busy, loads, failures) is {state!r}, "
        "expected ({'lr': 0.1}, False, 1, 1): a failed load keeps the previous config and resets busy"
    )
    with pytest.raises(TypeError):
        loader.load(None)
    assert loader.busy is False, "busy must be False again even after a TypeError (use finally)"
