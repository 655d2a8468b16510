"""A known-wrong solution."""

import json

_TYPE_CHECKS = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}


def json_type(value):
    """The JSON name of a Python value's type."""
    if value is None:
        return "null"
    for name in ("boolean", "integer", "number", "string", "array", "object"):
        if _TYPE_CHECKS[name](value):
            return name
    return type(value).__name__


def _same_json_value(a, b):
    return json_type(a) == json_type(b) and a == b


def validate(value, schema, path="$"):
    errors = []
    expected = schema.get("type")
    if expected is not None and not _TYPE_CHECKS[expected](value):
        return [f"{path}: expected {expected}, got {json_type(value)}"]
    if "enum" in schema and not any(_same_json_value(value, option) for option in schema["enum"]):
        errors.append(f"{path}: {json.dumps(value)} is not one of {json.dumps(schema['enum'])}")
    if _TYPE_CHECKS["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: {json.dumps(value)} is less than the minimum {json.dumps(schema['minimum'])}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: {json.dumps(value)} is greater than the maximum {json.dumps(schema['maximum'])}")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{path}: missing required property '{name}'")
        for name, subschema in schema.get("properties", {}).items():
            if name in value:
                errors.extend(validate(value[name], subschema, f"{path}.{name}"))
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            errors.extend(validate(item, schema["items"], f"{path}[{index}]"))
    return errors


def parse_tool_call(text):
    lines = text.strip().splitlines()
    if lines and lines[0].startswith("```"):
        lines = lines[1:-1] if len(lines) > 1 and lines[-1].strip() == "```" else lines[1:]
    try:
        call = json.loads("\n".join(lines))
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg})") from None
    if not isinstance(call, dict):
        raise ValueError("a tool call must be a JSON object")
    name = call.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError("'name' must be a non-empty string")
    arguments = call.get("arguments", {})
    if not isinstance(arguments, dict):
        raise ValueError("'arguments' must be a JSON object")
    return name, arguments


class ToolBox:
    def __init__(self):
        self._tools = {}

    def register(self, name, description, schema, func):
        if name in self._tools:
            raise ValueError(f"a tool named {name!r} is already registered")
        if schema.get("type") != "object":
            raise ValueError("a tool's parameters schema must have type 'object'")
        self._tools[name] = {"description": description, "schema": schema, "func": func}

    def specs(self):
        return [
            {"name": name, "description": tool["description"], "parameters": tool["schema"]}
            for name, tool in self._tools.items()
        ]

    def execute(self, call_text):
        try:
            name, arguments = parse_tool_call(call_text)
        except ValueError as exc:
            return f"Error: invalid tool call: {exc}"
        if name not in self._tools:
            return f"Error: unknown tool '{name}'. Available tools: {', '.join(sorted(self._tools))}"
        tool = self._tools[name]
        errors = validate(arguments, tool["schema"])
        if errors:
            return f"Error: invalid arguments for '{name}': " + "; ".join(errors)
        result = tool["func"](**arguments)
        return json.dumps(result)


# ---------------------------------------------------------------- the demo tools given in the starter
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
