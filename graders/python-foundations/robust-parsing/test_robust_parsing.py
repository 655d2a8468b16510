"""Hidden grader for python-foundations/robust-parsing.

Student exceptions arrive as StudentError (type name + str(exception)). The ConfigError class itself is
checked through a handle: `err = student.ConfigError("bad", 4); err.line`. The handle proxy does not
forward special methods, so `str(err)` is checked by calling the student's `__str__` through the
proxy's channel (see `_special`).
"""

import math

from gradient_grader import StudentError, points, shows_expected


def _getattr_raw(handle, name):
    bridge = object.__getattribute__(handle, "_bridge")
    target = object.__getattribute__(handle, "_target")
    return bridge.request({"op": "getattr", "target": target, "name": name})


def _special(handle, name, *args):
    """Call a dunder method (e.g. __str__) of a student object through the proxy's channel."""
    return _getattr_raw(handle, name)(*args)


def _expect(error_type, func, call, why=""):
    try:
        got = func()
    except StudentError as error:
        assert error.type_name == error_type, (
            f"{call} raised {error.type_name}: {error.message}, expected {error_type}{why}"
        )
        return error
    raise AssertionError(f"{call} returned {got!r}, expected it to raise {error_type}{why}")


def _same_value(got, want):
    if type(got) is not type(want):
        return False
    if isinstance(want, float):
        return math.isclose(got, want, rel_tol=1e-12)
    return got == want


def _describe(value):
    return f"{value!r} ({type(value).__name__})"


@shows_expected
@points(2)
def test_parse_value_types(student):
    cases = [
        ("42", 42), ("  -7 ", -7), ("+5", 5), ("3.5", 3.5), ("3e-4", 3e-4), ("-0.25", -0.25),
        ("true", True), ("False", False), ("TRUE", True), ("tRuE", True),
        ('"42"', "42"), ('"true"', "true"), ('"  padded  "', "  padded  "), ('""', ""),
        ('"say "hi""', 'say "hi"'), ("tiny-bert", "tiny-bert"), ("  two words  ", "two words"),
        ("yes", "yes"), ("1.2.3", "1.2.3"),
    ]
    for text, want in cases:
        call = f"parse_value({text!r})"
        got = student.parse_value(text)
        assert _same_value(got, want), (
            f"{call} returned {_describe(got)}, expected {_describe(want)} "
            "(order: quoted string, true/false, int, float, plain text)"
        )
    for text in ("", "    ", '"unclosed', 'closed"', '"'):
        _expect("ConfigError", lambda t=text: student.parse_value(t), f"parse_value({text!r})")


@shows_expected
@points(2)
def test_parse_config(student):
    text = (
        "# model settings\n"
        "name    = tiny-bert\n"
        "\n"
        "   # indented comment\n"
        "  epochs=10\n"
        "lr = 3e-4\n"
        "shuffle = TRUE\n"
        "url = https://example.org/data?split=train&n=5\n"
        'note = "keep # this, = and   spaces "\n'
        "Name = second\n"
        "   \n"
    )
    call = f"parse_config({text!r})"
    got = student.parse_config(text)
    want = {
        "name": "tiny-bert", "epochs": 10, "lr": 3e-4, "shuffle": True,
        "url": "https://example.org/data?split=train&n=5", "note": "keep # this, = and   spaces ",
        "Name": "second",
    }
    assert isinstance(got, dict), f"{call} should return a dict, got {type(got).__name__}: {got!r}"
    assert set(got) == set(want), f"{call} returned the keys {sorted(got)}, expected {sorted(want)}"
    for key, value in want.items():
        assert _same_value(got[key], value), (
            f"{call}: the key {key!r} has the value {_describe(got[key])}, expected {_describe(value)}"
        )

    for text in ("", "# only a comment\n\n", "\n\n"):
        call = f"parse_config({text!r})"
        got = student.parse_config(text)
        assert got == {}, f"{call} returned {got!r}, expected {{}}"

    text = "a=1\r\nb = two\r\n"
    call = f"parse_config({text!r})"
    got = student.parse_config(text)
    assert got == {"a": 1, "b": "two"} and type(got.get("a")) is int, (
        f"{call} returned {got!r}, expected {{'a': 1, 'b': 'two'}}"
    )


@shows_expected
@points(2)
def test_errors_name_the_line(student):
    cases = [
        ("a = 1\nb 2\n", 2, "a line without '='"),
        ("# c\n\nx = 1\n = 5\n", 4, "an empty key"),
        ("learning rate = 0.1\n", 1, "a key with a space"),
        ("lr = 0.1\nepochs = 3\n\nlr = 0.2\n", 4, "a duplicate key (the second one is reported)"),
        ("a = 1\nb =\n", 2, "an empty value"),
        ("a = 1\n# note\nb = 2\nc = \"oops\n", 4, "an unclosed quote"),
    ]
    for text, line, what in cases:
        call = f"parse_config({text!r})"
        error = _expect("ConfigError", lambda t=text: student.parse_config(t), call, f" ({what})")
        assert f"line {line}" in error.message, (
            f"{call} raised ConfigError({error.message!r}); for {what} its text should contain 'line {line}'"
        )
    _expect("TypeError", lambda: student.parse_config(None), "parse_config(None)",
            " (a non-string is a programming error, not a config error)")


@shows_expected
@points(1)
def test_required_keys(student):
    text = "name = run\nseed = 1\n"
    call = f"parse_config({text!r}, required=['name', 'seed'])"
    got = student.parse_config(text, required=["name", "seed"])
    assert got == {"name": "run", "seed": 1}, f"{call} returned {got!r}, expected {{'name': 'run', 'seed': 1}}"

    call = f"parse_config({text!r}, required=('epochs', 'name', 'batch_size'))"
    error = _expect("ConfigError", lambda: student.parse_config(text, required=("epochs", "name", "batch_size")), call)
    for key in ("epochs", "batch_size"):
        assert key in error.message, (
            f"{call} raised ConfigError({error.message!r}); the message should name every missing key, "
            f"including {key!r}"
        )


@shows_expected
@points(1)
def test_config_error_class(student):
    names = [_getattr_raw(cls, "__name__") for cls in student.ConfigError.mro()]
    assert "ValueError" in names, f"ConfigError inherits from {names[1:]}, expected a subclass of ValueError"

    error = student.ConfigError("duplicate key 'lr'", 4)
    got = (error.message, error.line)
    assert got == ("duplicate key 'lr'", 4), (
        f"ConfigError(\"duplicate key 'lr'\", 4) has (.message, .line) == {got!r}, "
        "expected (\"duplicate key 'lr'\", 4)"
    )
    got = _special(error, "__str__")
    assert got == "line 4: duplicate key 'lr'", (
        f"str(ConfigError(\"duplicate key 'lr'\", 4)) is {got!r}, expected \"line 4: duplicate key 'lr'\""
    )

    error = student.ConfigError("missing required keys: seed")
    got = (error.message, error.line, _special(error, "__str__"))
    want = ("missing required keys: seed", None, "missing required keys: seed")
    assert got == want, (
        f"ConfigError('missing required keys: seed') has (.message, .line, str()) == {got!r}, expected {want!r}"
    )


@shows_expected
@points(2)
def test_loader(student):
    loader = student.ConfigLoader(required=["name"])
    got = (loader.config, loader.busy, loader.loads, loader.failures)
    assert got == ({}, False, 0, 0), (
        f"a new ConfigLoader has (config, busy, loads, failures) == {got!r}, expected ({{}}, False, 0, 0)"
    )

    good = "name = first\nlr = 0.1\n"
    got = loader.load(good)
    assert got == {"name": "first", "lr": 0.1}, f"loader.load({good!r}) returned {got!r}"
    history = f"loader = ConfigLoader(required=['name']); loader.load({good!r})"

    bad = "name = second\nlr = 0.2\nlr = 0.3\n"
    _expect("ConfigError", lambda: loader.load(bad), f"after {history}, loader.load({bad!r})")
    history += f"; loader.load({bad!r}) (raises)"
    got = loader.config
    assert got == {"name": "first", "lr": 0.1}, (
        f"after {history}, loader.config is {got!r}, expected the previous config "
        "{'name': 'first', 'lr': 0.1} (a failed load must leave it untouched)"
    )
    got = loader.busy
    assert got is False, f"after {history}, loader.busy is {got!r}, expected False (reset it in a finally block)"
    got = (loader.loads, loader.failures)
    assert got == (1, 1), f"after {history}, (loader.loads, loader.failures) is {got!r}, expected (1, 1)"

    missing = "lr = 0.5\n"
    _expect("ConfigError", lambda: loader.load(missing), f"after {history}, loader.load({missing!r}) (no 'name')")
    history += f"; loader.load({missing!r}) (raises)"

    _expect("TypeError", lambda: loader.load(None), f"after {history}, loader.load(None)")
    history += "; loader.load(None) (raises TypeError)"
    got = (loader.config, loader.busy, loader.loads, loader.failures)
    want = ({"name": "first", "lr": 0.1}, False, 1, 2)
    assert got == want, (
        f"after {history}, (config, busy, loads, failures) is {got!r}, expected {want!r} "
        "(busy is reset whatever the exception; only ConfigErrors count as failures)"
    )

    newer = "name = third\nepochs = 2\n"
    got = loader.load(newer)
    want = {"name": "third", "epochs": 2}
    assert got == want, f"after {history}, loader.load({newer!r}) returned {got!r}, expected {want!r}"
    got = (loader.config, loader.busy, loader.loads, loader.failures)
    want = ({"name": "third", "epochs": 2}, False, 2, 2)
    assert got == want, f"after one more good load, (config, busy, loads, failures) is {got!r}, expected {want!r}"
