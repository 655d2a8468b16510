"""Hidden grader for python-foundations/inventory-classes.

Objects built by the student's code stay in the student box; the grader gets handles and calls their
methods remotely (`inv = student.Inventory(); inv.add("apple", 3)`). The handle proxy does not forward
special methods, so `len(inv)` and `"apple" in inv` are checked by calling the student's `__len__` and
`__contains__` through the proxy's channel (see `_special`).
"""

from gradient_grader import StudentError, points, shows_expected


def _special(handle, name, *args):
    """Call a dunder method (e.g. __len__) of a student object through the proxy's channel."""
    bridge = object.__getattribute__(handle, "_bridge")
    target = object.__getattribute__(handle, "_target")
    try:
        method = bridge.request({"op": "getattr", "target": target, "name": name})
    except StudentError as error:
        raise AssertionError(
            f"your object has no working {name} method ({error.type_name}: {error.message}); "
            f"the README asks for one"
        ) from None
    return method(*args)


def _length(inv):
    got = _special(inv, "__len__")
    assert isinstance(got, int) and not isinstance(got, bool), f"len(inv) should be an int, got {got!r}"
    return got


def _contains(inv, name):
    got = _special(inv, "__contains__", name)
    assert isinstance(got, bool), f"{name!r} in inv should give True or False, got {got!r}"
    return got


def _items(inv, history):
    got = inv.items()
    assert isinstance(got, list), (
        f"after {history}, inv.items() should return a list, got {type(got).__name__}: {got!r}"
    )
    return [tuple(item) if isinstance(item, (list, tuple)) else item for item in got]


def _expect(error_type, func, call):
    try:
        got = func()
    except StudentError as error:
        assert error.type_name == error_type, (
            f"{call} raised {error.type_name}: {error.message}, expected {error_type}"
        )
        return error
    raise AssertionError(f"{call} returned {got!r}, expected it to raise {error_type}")


def _stocked():
    """The operations used by several tests, as text for messages."""
    return "inv.add('pear', 2); inv.add('apple', 5); inv.add('fig', 1)"


def _make_stocked(student):
    inv = student.Inventory()
    inv.add("pear", 2)
    inv.add("apple", 5)
    inv.add("fig", 1)
    return inv


@shows_expected
@points(2)
def test_add_and_quantity(student):
    inv = student.Inventory()
    history = "inv = Inventory()"
    got = inv.items()
    assert got == [], f"after {history}, inv.items() returned {got!r}, expected []"
    got = inv.total_units()
    assert got == 0, f"after {history}, inv.total_units() returned {got!r}, expected 0"

    got = inv.add("pear", 2)
    assert got == 2, f"inv.add('pear', 2) on an empty inventory returned {got!r}, expected 2 (the new quantity)"
    got = inv.add("apple", 5)
    assert got == 5, f"inv.add('apple', 5) returned {got!r}, expected 5"
    got = inv.add("pear")
    assert got == 3, f"inv.add('pear') after adding 2 pears returned {got!r}, expected 3 (quantity defaults to 1)"
    got = inv.add("pear", 4)
    assert got == 7, f"inv.add('pear', 4) with 3 pears in stock returned {got!r}, expected 7"
    history = "inv.add('pear', 2); inv.add('apple', 5); inv.add('pear'); inv.add('pear', 4)"

    for name, want in (("pear", 7), ("apple", 5), ("kiwi", 0)):
        got = inv.quantity(name)
        assert got == want, f"after {history}, inv.quantity({name!r}) returned {got!r}, expected {want}"
    got = _items(inv, history)
    want = [("apple", 5), ("pear", 7)]
    assert got == want, f"after {history}, inv.items() returned {got!r}, expected {want!r} (sorted by name)"
    got = inv.total_units()
    assert got == 12, f"after {history}, inv.total_units() returned {got!r}, expected 12"

    other = student.Inventory()
    got = other.quantity("pear")
    assert got == 0, (
        "a second Inventory() reports quantity('pear') == "
        f"{got!r}, expected 0: every inventory needs its own storage (create it in __init__)"
    )


@shows_expected
@points(2)
def test_len_and_contains(student):
    inv = student.Inventory()
    assert _length(inv) == 0, f"len(Inventory()) returned {_length(inv)!r}, expected 0"
    assert _contains(inv, "apple") is False, "'apple' in Inventory() gave True, expected False"

    inv = _make_stocked(student)
    history = _stocked()
    got = _length(inv)
    assert got == 3, f"after {history}, len(inv) returned {got!r}, expected 3 (different items, not units)"
    for name, want in (("apple", True), ("fig", True), ("kiwi", False), ("Apple", False)):
        got = _contains(inv, name)
        assert got is want, f"after {history}, {name!r} in inv gave {got!r}, expected {want!r}"

    inv.remove("fig", 1)
    history += "; inv.remove('fig', 1)"
    got = _contains(inv, "fig")
    assert got is False, (
        f"after {history}, 'fig' in inv gave {got!r}, expected False (an item at quantity 0 is gone)"
    )
    got = _length(inv)
    assert got == 2, f"after {history}, len(inv) returned {got!r}, expected 2 (an item at quantity 0 is gone)"


@shows_expected
@points(2)
def test_remove(student):
    inv = _make_stocked(student)
    history = _stocked()
    got = inv.remove("apple", 2)
    assert got == 3, f"after {history}, inv.remove('apple', 2) returned {got!r}, expected 3 (what is left)"
    got = inv.remove("apple")
    assert got == 2, f"inv.remove('apple') with 3 apples returned {got!r}, expected 2 (quantity defaults to 1)"
    got = inv.remove("pear", 2)
    assert got == 0, f"inv.remove('pear', 2) with 2 pears returned {got!r}, expected 0"
    history += "; inv.remove('apple', 2); inv.remove('apple'); inv.remove('pear', 2)"

    got = _items(inv, history)
    want = [("apple", 2), ("fig", 1)]
    assert got == want, (
        f"after {history}, inv.items() returned {got!r}, expected {want!r} (pear reached 0, so it is gone)"
    )
    got = inv.quantity("pear")
    assert got == 0, f"after {history}, inv.quantity('pear') returned {got!r}, expected 0"
    got = inv.total_units()
    assert got == 3, f"after {history}, inv.total_units() returned {got!r}, expected 3"

    got = inv.add("pear", 1)
    assert got == 1, f"adding 1 pear back after removing them all returned {got!r}, expected 1"


@shows_expected
@points(2)
def test_remove_errors(student):
    inv = _make_stocked(student)
    history = _stocked()
    want = [("apple", 5), ("fig", 1), ("pear", 2)]

    _expect("UnknownItemError", lambda: inv.remove("kiwi", 1), f"after {history}, inv.remove('kiwi', 1)")
    error = _expect("OutOfStockError", lambda: inv.remove("apple", 6), f"after {history}, inv.remove('apple', 6)")
    assert "apple" in error.message, (
        f"inv.remove('apple', 6) raised OutOfStockError({error.message!r}); the message should name the item 'apple'"
    )
    got = _items(inv, history)
    assert got == want, (
        f"after the failed calls inv.remove('kiwi', 1) and inv.remove('apple', 6), inv.items() returned {got!r}, "
        f"expected {want!r} (a call that raises must change nothing)"
    )

    inv.remove("fig", 1)
    _expect("UnknownItemError", lambda: inv.remove("fig", 1),
            f"after {history}; inv.remove('fig', 1), a second inv.remove('fig', 1)")
    got = _length(inv)
    assert got == 2, f"after removing all figs and a failed second remove, len(inv) returned {got!r}, expected 2"


@shows_expected
@points(1)
def test_invalid_arguments(student):
    inv = _make_stocked(student)
    history = _stocked()
    for call, func in (
        ("inv.add('apple', 0)", lambda: inv.add("apple", 0)),
        ("inv.add('apple', -3)", lambda: inv.add("apple", -3)),
        ("inv.add('apple', 2.5)", lambda: inv.add("apple", 2.5)),
        ("inv.add('', 1)", lambda: inv.add("", 1)),
        ("inv.add(42, 1)", lambda: inv.add(42, 1)),
        ("inv.remove('apple', 0)", lambda: inv.remove("apple", 0)),
        ("inv.remove('apple', -1)", lambda: inv.remove("apple", -1)),
    ):
        _expect("ValueError", func, f"after {history}, {call}")
    got = _items(inv, history)
    want = [("apple", 5), ("fig", 1), ("pear", 2)]
    assert got == want, (
        f"after several calls that should have raised ValueError, inv.items() returned {got!r}, "
        f"expected {want!r} (a call that raises must change nothing)"
    )
    _expect("ValueError", lambda: student.BoundedInventory(0), "BoundedInventory(0)")


def _name(cls):
    """The __name__ of a student class (a handle)."""
    bridge = object.__getattribute__(cls, "_bridge")
    target = object.__getattribute__(cls, "_target")
    return bridge.request({"op": "getattr", "target": target, "name": "__name__"})


@shows_expected
@points(1)
def test_exception_hierarchy(student):
    for name in ("UnknownItemError", "OutOfStockError", "CapacityError"):
        names = [_name(cls) for cls in getattr(student, name).mro()]
        assert "InventoryError" in names, (
            f"{name} inherits from {names[1:]}, expected it to be a subclass of InventoryError"
        )
    names = [_name(cls) for cls in student.InventoryError.mro()]
    assert "Exception" in names, f"InventoryError inherits from {names[1:]}, expected a subclass of Exception"
    names = [_name(cls) for cls in student.BoundedInventory.mro()]
    assert names[:2] == ["BoundedInventory", "Inventory"], (
        f"BoundedInventory inherits from {names[1:]}, expected it to be a subclass of Inventory"
    )


@shows_expected
@points(2)
def test_bounded_inventory(student):
    room = student.BoundedInventory(8)
    history = "room = BoundedInventory(8)"
    got = room.capacity
    assert got == 8, f"after {history}, room.capacity is {got!r}, expected 8"
    got = room.free_space()
    assert got == 8, f"after {history}, room.free_space() returned {got!r}, expected 8"

    got = room.add("apple", 5)
    assert got == 5, f"room.add('apple', 5) returned {got!r}, expected 5"
    history += "; room.add('apple', 5)"
    got = room.free_space()
    assert got == 3, f"after {history}, room.free_space() returned {got!r}, expected 3"

    _expect("CapacityError", lambda: room.add("pear", 4), f"after {history}, room.add('pear', 4)")
    got = _items(room, history)
    assert got == [("apple", 5)], (
        f"after {history} and a failed room.add('pear', 4), room.items() returned {got!r}, "
        "expected [('apple', 5)] (a call that raises must change nothing)"
    )
    got = room.free_space()
    assert got == 3, f"after the failed room.add('pear', 4), room.free_space() returned {got!r}, expected 3"

    got = room.add("pear", 3)
    assert got == 3, f"after {history}, room.add('pear', 3) (exactly filling the room) returned {got!r}, expected 3"
    history += "; room.add('pear', 3)"
    _expect("CapacityError", lambda: room.add("apple", 1), f"after {history} (the room is full), room.add('apple', 1)")

    got = room.remove("apple", 5)
    assert got == 0, f"after {history}, room.remove('apple', 5) returned {got!r}, expected 0"
    history += "; room.remove('apple', 5)"
    got = (_length(room), _contains(room, "apple"), room.free_space())
    assert got == (1, False, 5), (
        f"after {history}, (len(room), 'apple' in room, room.free_space()) gave {got!r}, expected (1, False, 5)"
    )
    _expect("OutOfStockError", lambda: room.remove("pear", 4), f"after {history}, room.remove('pear', 4)")
