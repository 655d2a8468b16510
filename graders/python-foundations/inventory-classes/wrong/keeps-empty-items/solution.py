
class InventoryError(Exception):
    """Base class of every inventory problem."""


class UnknownItemError(InventoryError):
    """The item is not in stock."""


class OutOfStockError(InventoryError):
    """Not enough units in stock."""


class CapacityError(InventoryError):
    """A BoundedInventory would overflow."""


def _check_args(name: object, quantity: object) -> None:
    if not isinstance(name, str) or not name:
        raise ValueError(f"an item name must be a non-empty string, got {name!r}")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise ValueError(f"quantity must be an int of at least 1, got {quantity!r}")


class Inventory:
    def __init__(self) -> None:
        self._stock: dict[str, int] = {}

    def add(self, name: str, quantity: int = 1) -> int:
        _check_args(name, quantity)
        self._stock[name] = self._stock.get(name, 0) + quantity
        return self._stock[name]

    def remove(self, name: str, quantity: int = 1) -> int:
        _check_args(name, quantity)
        if name not in self._stock:
            raise UnknownItemError(f"{name!r} is not in stock")
        have = self._stock[name]
        if quantity > have:
            raise OutOfStockError(f"cannot remove {quantity} of {name!r}: only {have} in stock")
        self._stock[name] = have - quantity
        return self._stock[name]

    def quantity(self, name: str) -> int:
        return self._stock.get(name, 0)

    def items(self) -> list[tuple[str, int]]:
        return sorted(self._stock.items())

    def total_units(self) -> int:
        return sum(self._stock.values())

    def __len__(self) -> int:
        return len(self._stock)

    def __contains__(self, name: object) -> bool:
        return name in self._stock


class BoundedInventory(Inventory):
    def __init__(self, capacity: int) -> None:
        if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
            raise ValueError(f"capacity must be an int of at least 1, got {capacity!r}")
        super().__init__()
        self.capacity = capacity

    def free_space(self) -> int:
        return self.capacity - self.total_units()

    def add(self, name: str, quantity: int = 1) -> int:
        _check_args(name, quantity)
        if quantity > self.free_space():
            raise CapacityError(
                f"cannot add {quantity} of {name!r}: only {self.free_space()} free of {self.capacity}"
            )
        return super().add(name, quantity)
