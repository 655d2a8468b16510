"""Tool calling: validate a model's tool-call arguments against a JSON-schema subset, execute calls safely.

Replace each ``raise NotImplementedError`` with your own code. README.md has the exact rules and messages.
The demo tools at the end are already written: the grader calls default_toolbox(), keep it as it is.
"""

import json


def validate(value, schema: dict, path: str = "$") -> list[str]:
    """Every problem of ``value`` against ``schema``, as "{path}: message" strings, in the README's order."""
    raise NotImplementedError("validate is not written yet")


def parse_tool_call(text: str) -> tuple[str, dict]:
    """(name, arguments) from '{"name": ..., "arguments": {...}}', possibly in a ``` fence; ValueError if bad."""
    raise NotImplementedError("parse_tool_call is not written yet")


class ToolBox:
    """Registered tools with their JSON schemas; executes tool calls and returns observations."""

    def __init__(self):
        self._tools = {}

    def register(self, name: str, description: str, schema: dict, func) -> None:
        """Add a tool; ValueError for a duplicate name or a schema whose type is not "object"."""
        raise NotImplementedError("ToolBox.register is not written yet")

    def specs(self) -> list[dict]:
        """[{"name", "description", "parameters"}, ...] in registration order."""
        raise NotImplementedError("ToolBox.specs is not written yet")

    def execute(self, call_text: str) -> str:
        """Run a tool call and return the observation (a JSON result or an "Error: ..." text). Never raises."""
        raise NotImplementedError("ToolBox.execute is not written yet")


# ---------------------------------------------------------------- demo tools (given)

WEATHER = {"oslo": 4.0, "lisbon": 21.5, "nairobi": 24.0}
RATES = {("EUR", "USD"): 1.1, ("USD", "EUR"): 0.9, ("EUR", "GBP"): 0.85, ("GBP", "EUR"): 1.18}


def get_weather(city, unit="celsius"):
    celsius = WEATHER[city.lower()] if city.lower() in WEATHER else None
    if celsius is None:
        raise LookupError(f"no weather data for {city!r}")
    value = celsius if unit == "celsius" else round(celsius * 9 / 5 + 32, 1)
    return {"city": city, "temperature": value, "unit": unit}


def convert_currency(amount, from_currency, to_currency):
    if from_currency == to_currency:
        return {"amount": amount, "currency": to_currency}
    return {"amount": round(amount * RATES[(from_currency, to_currency)], 2), "currency": to_currency}


def create_event(title, attendees, duration_minutes, details=None):
    return {"created": True, "title": title, "attendees": len(attendees), "minutes": duration_minutes}


def default_toolbox():
    """The three demo tools, registered in your ToolBox. The grader calls this (keep it as it is)."""
    box = ToolBox()
    box.register("get_weather", "Current temperature in a city.", {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
        "required": ["city"],
    }, get_weather)
    box.register("convert_currency", "Convert an amount of money.", {
        "type": "object",
        "properties": {
            "amount": {"type": "number", "minimum": 0},
            "from_currency": {"type": "string", "enum": ["EUR", "USD", "GBP"]},
            "to_currency": {"type": "string", "enum": ["EUR", "USD", "GBP"]},
        },
        "required": ["amount", "from_currency", "to_currency"],
    }, convert_currency)
    box.register("create_event", "Put a meeting in the calendar.", {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "attendees": {"type": "array", "items": {"type": "string"}},
            "duration_minutes": {"type": "integer", "minimum": 5, "maximum": 480},
            "details": {
                "type": "object",
                "properties": {"room": {"type": "string"}, "remote": {"type": "boolean"}},
                "required": ["room"],
            },
        },
        "required": ["title", "attendees", "duration_minutes"],
    }, create_event)
    return box
