"""Example tools for the tool-calling loop. Plain Python functions: type hints and a docstring each."""

WEATHER = {"Oslo": "rain, 7 C", "Lima": "cloudy, 18 C", "Cairo": "sunny, 31 C", "Hanoi": "humid, 29 C",
           "Quito": "mild, 15 C", "Perth": "windy, 22 C"}


def get_weather(city: str) -> str:
    """Current weather in a city.

    Only a few cities are known; any other raises KeyError.
    """
    return WEATHER[city]


def add(a: float, b: float) -> float:
    """Add two numbers."""
    return a + b


def divide(a: float, b: float) -> float:
    """Divide a by b."""
    return a / b


def convert_currency(amount: float, rate: float, decimals: int = 2) -> float:
    """Convert an amount of money with an exchange rate, rounded to some decimals."""
    return round(amount * rate, decimals)


def search_notes(query: str, tags: list, exact: bool = False) -> list:
    """Search the notes for a query, among the notes that carry the given tags."""
    notes = [("buy milk", ["home"]), ("call Ana", ["work", "phone"]), ("milk the budget", ["work"])]
    hits = [text for text, note_tags in notes if set(tags) <= set(note_tags)]
    return [t for t in hits if (t == query if exact else query in t)]
