"""An inventory class with its own exceptions and a capacity-limited subclass.

Replace each ``raise NotImplementedError`` with your own code (and add the
attributes you need in ``__init__``). Read README.md for the exact rules.
"""


class InventoryError(Exception):
    """Base class of every inventory problem."""


# Define three subclasses of InventoryError here (see README.md):
#   UnknownItemError  - removing an item that is not in stock
#   OutOfStockError   - removing more units than are in stock
#   CapacityError     - a BoundedInventory would hold more than its capacity


class Inventory:
    """Item names mapped to positive quantities."""

    def __init__(self) -> None:
        raise NotImplementedError("Inventory.__init__ is not written yet")

    def add(self, name: str, quantity: int = 1) -> int:
        """Add units of ``name`` and return its new quantity.

        ValueError for an empty/non-str name or a quantity that is not an int >= 1.
        """
        raise NotImplementedError("Inventory.add is not written yet")

    def remove(self, name: str, quantity: int = 1) -> int:
        """Remove units of ``name`` and return what is left (an item at 0 is gone).

        UnknownItemError if ``name`` is not in stock, OutOfStockError if there
        are fewer than ``quantity`` units. A failed call changes nothing.
        """
        raise NotImplementedError("Inventory.remove is not written yet")

    def quantity(self, name: str) -> int:
        """How many units of ``name`` are in stock (0 if none)."""
        raise NotImplementedError("Inventory.quantity is not written yet")

    def items(self) -> list[tuple[str, int]]:
        """(name, quantity) tuples, sorted by name."""
        raise NotImplementedError("Inventory.items is not written yet")

    def total_units(self) -> int:
        """The sum of all quantities."""
        raise NotImplementedError("Inventory.total_units is not written yet")

    def __len__(self) -> int:
        """The number of different items in stock."""
        raise NotImplementedError("Inventory.__len__ is not written yet")

    def __contains__(self, name: object) -> bool:
        """True when ``name`` is in stock."""
        raise NotImplementedError("Inventory.__contains__ is not written yet")


class BoundedInventory(Inventory):
    """An Inventory that never holds more than ``capacity`` units in total."""

    def __init__(self, capacity: int) -> None:
        raise NotImplementedError("BoundedInventory.__init__ is not written yet")

    def free_space(self) -> int:
        """capacity minus the total number of units held."""
        raise NotImplementedError("BoundedInventory.free_space is not written yet")

    # Override add() here: raise CapacityError (changing nothing) when the
    # new units would not fit, otherwise let Inventory.add do the work.
