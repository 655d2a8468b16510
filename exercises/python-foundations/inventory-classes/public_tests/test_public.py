"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the examples and the rules of the statement. The hidden grader checks more (other items and
quantities, more bad arguments, more of BoundedInventory).
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import solution  # noqa: E402
from solution import BoundedInventory, Inventory, InventoryError  # noqa: E402


def _error_class(name):
    """One of the three exception classes the statement asks for."""
    cls = getattr(solution, name, None)
    assert isinstance(cls, type) and issubclass(cls, InventoryError), (
        f"solution.py should define the exception class {name}, a subclass of InventoryError"
    )
    return cls


def test_the_inventory_walkthrough():
    inv = Inventory()
    assert inv.add("apple", 3) == 3, "inv.add('apple', 3) on an empty inventory should return 3"
    assert inv.add("apple") == 4, "inv.add('apple') adds 1 by default and should return 4"
    assert inv.remove("apple", 2) == 2, "inv.remove('apple', 2) should return 2, what is left"
    assert inv.quantity("apple") == 2, f"inv.quantity('apple') is {inv.quantity('apple')!r}, expected 2"
    assert inv.quantity("kiwi") == 0, "an item not in stock has quantity 0"
    assert inv.items() == [("apple", 2)], f"inv.items() is {inv.items()!r}, expected [('apple', 2)]"
    assert inv.total_units() == 2, f"inv.total_units() is {inv.total_units()!r}, expected 2"
    assert len(inv) == 1, f"len(inv) is {len(inv)}, expected 1"
    assert "apple" in inv, "'apple' in inv should be True"


def test_an_item_at_zero_is_gone():
    inv = Inventory()
    assert (inv.add("pear", 2), inv.add("apple", 5)) == (2, 5)
    assert inv.items() == [("apple", 5), ("pear", 2)], f"items() is {inv.items()!r}, expected them sorted by name"
    assert inv.remove("pear", 2) == 0, "removing the last 2 pears should return 0"
    assert "pear" not in inv, "after removing every pear, 'pear' in inv should be False"
    assert len(inv) == 1, f"after removing every pear, len(inv) is {len(inv)}, expected 1"
    assert inv.items() == [("apple", 5)], f"after removing every pear, items() is {inv.items()!r}"


def test_removal_errors_change_nothing():
    out_of_stock = _error_class("OutOfStockError")
    unknown = _error_class("UnknownItemError")
    inv = Inventory()
    inv.add("apple", 5)
    with pytest.raises(out_of_stock) as caught:
        inv.remove("apple", 9)
    assert "apple" in str(caught.value), f"the OutOfStockError message {str(caught.value)!r} should name the item"
    with pytest.raises(unknown):
        inv.remove("kiwi")
    assert inv.items() == [("apple", 5)], f"a call that raises must change nothing, but items() is now {inv.items()!r}"


def test_bad_arguments_raise_value_error():
    inv = Inventory()
    for args in [("apple", 0), ("apple", 2.5), ("", 1)]:
        with pytest.raises(ValueError):
            inv.add(*args)
    assert len(inv) == 0, "the failed add calls must leave the inventory empty"


def test_bounded_inventory_example():
    capacity_error = _error_class("CapacityError")
    room = BoundedInventory(10)
    assert isinstance(room, Inventory), "BoundedInventory should be a subclass of Inventory"
    assert room.capacity == 10, f"room.capacity is {room.capacity!r}, expected 10"
    assert room.add("apple", 6) == 6, "room.add('apple', 6) should return 6"
    assert room.free_space() == 4, f"room.free_space() is {room.free_space()!r}, expected 4"
    with pytest.raises(capacity_error):
        room.add("pear", 5)
    assert room.items() == [("apple", 6)], f"a failed add must change nothing, but items() is now {room.items()!r}"
