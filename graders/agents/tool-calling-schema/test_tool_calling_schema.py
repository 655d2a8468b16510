"""Hidden grader for agents/tool-calling-schema."""

import json

from gradient_grader import StudentError, points, shows_expected

EVENT_SCHEMA = {
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
}


def _validate(student, value, schema, want, hint=""):
    call = f"validate({value!r}, {schema!r})"
    got = student.validate(value, schema)
    assert isinstance(got, list), f"{call} should return a list of messages, got {type(got).__name__}: {got!r:.200}"
    assert got == want, f"{call} returned {got!r}, expected {want!r}. {hint}"


@shows_expected
@points(2)
def test_types_follow_json(student):
    hint = "Booleans are never integers or numbers; an integer is an int; a number is an int or a float."
    cases = [
        (5, {"type": "integer"}, []),
        (True, {"type": "integer"}, ["$: expected integer, got boolean"]),
        (False, {"type": "number"}, ["$: expected number, got boolean"]),
        (2.5, {"type": "integer"}, ["$: expected integer, got number"]),
        (7, {"type": "number"}, []),
        (1, {"type": "boolean"}, ["$: expected boolean, got integer"]),
        ("3", {"type": "number"}, ["$: expected number, got string"]),
        (None, {"type": "string"}, ["$: expected string, got null"]),
        ([1], {"type": "object"}, ["$: expected object, got array"]),
        ({"a": 1}, {"type": "array"}, ["$: expected array, got object"]),
        ("anything", {}, []),
    ]
    for value, schema, want in cases:
        _validate(student, value, schema, want, hint)


@shows_expected
@points(2)
def test_nested_paths(student):
    value = {"title": "Sync", "attendees": ["ana", 7, "bo", None], "duration_minutes": 30,
             "details": {"remote": "yes"}}
    want = [
        "$.attendees[1]: expected string, got integer",
        "$.attendees[3]: expected string, got null",
        "$.details: missing required property 'room'",
        "$.details.remote: expected boolean, got string",
    ]
    _validate(student, value, EVENT_SCHEMA, want,
              "Properties add '.name' to the path, array items add '[index]'; recurse into both.")
    want = ["$: missing required property 'title'", "$: missing required property 'attendees'",
            "$: missing required property 'duration_minutes'"]
    _validate(student, {"extra": 1}, EVENT_SCHEMA, want, "Required names are checked in their listed order; extra properties are allowed.")
    _validate(student, "not an object", EVENT_SCHEMA, ["$: expected object, got string"],
              "When the type is wrong, that is the only error for this value.")


@shows_expected
@points(2)
def test_enum_minimum_maximum_messages(student):
    cases = [
        ("kelvin", {"type": "string", "enum": ["celsius", "fahrenheit"]},
         ['$: "kelvin" is not one of ["celsius", "fahrenheit"]']),
        (True, {"enum": [1, 2]}, ["$: true is not one of [1, 2]"]),
        (1, {"enum": [1, 2]}, []),
        (4, {"type": "integer", "minimum": 5, "maximum": 480}, ["$: 4 is less than the minimum 5"]),
        (480, {"type": "integer", "minimum": 5, "maximum": 480}, []),
        (500.5, {"type": "number", "maximum": 480}, ["$: 500.5 is greater than the maximum 480"]),
        (3, {"minimum": 3.5, "maximum": 2}, ["$: 3 is less than the minimum 3.5", "$: 3 is greater than the maximum 2"]),
        ("long", {"minimum": 10}, []),
    ]
    for value, schema, want in cases:
        _validate(student, value, schema, want,
                  "Messages use json.dumps for values; bounds are inclusive and apply only to numbers.")


@shows_expected
@points(1)
def test_all_errors_in_order(student):
    value = {"title": 42, "attendees": "everyone", "duration_minutes": 1000, "details": {"room": 12}}
    want = [
        "$.title: expected string, got integer",
        "$.attendees: expected array, got string",
        "$.duration_minutes: 1000 is greater than the maximum 480",
        "$.details.room: expected string, got integer",
    ]
    _validate(student, value, EVENT_SCHEMA, want, "Collect every problem (do not stop at the first one), in the schema's property order.")
    schema = {"type": "object", "properties": {"age": {"type": "integer", "minimum": 0}}, "required": ["age", "name"]}
    _validate(student, {"age": -3}, schema,
              ["$: missing required property 'name'", "$.age: -3 is less than the minimum 0"],
              "For an object: required names first, then the properties.")


@shows_expected
@points(1)
def test_parse_tool_call(student):
    text = '  {"name": "get_weather", "arguments": {"city": "Lisbon"}}\n'
    got = student.parse_tool_call(text)
    assert tuple(got) == ("get_weather", {"city": "Lisbon"}), f"parse_tool_call({text!r}) returned {got!r}"
    text = '```json\n{"name": "ping"}\n```'
    got = student.parse_tool_call(text)
    assert tuple(got) == ("ping", {}), (
        f"parse_tool_call({text!r}) returned {got!r}, expected ('ping', {{}}) (drop the ``` fence; arguments default to {{}})"
    )
    for bad in ('{"name": "x", "arguments": [1]}', '{"arguments": {}}', '"just a string"', "get_weather(city=Oslo)",
                '{"name": ""}'):
        try:
            got = student.parse_tool_call(bad)
        except StudentError as error:
            assert error.type_name == "ValueError", f"parse_tool_call({bad!r}) raised {error.type_name}, expected ValueError"
        else:
            raise AssertionError(f"parse_tool_call({bad!r}) returned {got!r}, expected ValueError")


@shows_expected
@points(2)
def test_execute_success_and_specs(student):
    box = student.default_toolbox()
    specs = box.specs()
    names = [s.get("name") for s in specs] if isinstance(specs, list) else specs
    assert names == ["get_weather", "convert_currency", "create_event"], (
        f"default_toolbox().specs() gave the names {names!r}, expected them in registration order"
    )
    assert specs[0].get("parameters", {}).get("required") == ["city"] and "description" in specs[0], (
        f"specs()[0] is {specs[0]!r:.300}, expected keys name, description and parameters (the schema)"
    )
    cases = [
        ('{"name": "get_weather", "arguments": {"city": "Oslo"}}', {"city": "Oslo", "temperature": 4.0, "unit": "celsius"}),
        ('{"name": "get_weather", "arguments": {"city": "Lisbon", "unit": "fahrenheit"}}',
         {"city": "Lisbon", "temperature": 70.7, "unit": "fahrenheit"}),
        ('```\n{"name": "convert_currency", "arguments": {"amount": 20, "from_currency": "EUR", "to_currency": "GBP"}}\n```',
         {"amount": 17.0, "currency": "GBP"}),
        ('{"name": "create_event", "arguments": {"title": "Retro", "attendees": ["a", "b"], "duration_minutes": 45,'
         ' "details": {"room": "4B", "remote": false}}}', {"created": True, "title": "Retro", "attendees": 2, "minutes": 45}),
    ]
    for text, want in cases:
        got = box.execute(text)
        assert isinstance(got, str), f"execute({text!r}) should return a string, got {type(got).__name__}"
        try:
            decoded = json.loads(got)
        except ValueError:
            raise AssertionError(f"execute({text!r}) returned {got!r}, expected the JSON text of {want!r}") from None
        assert decoded == want, f"execute({text!r}) returned {got!r}, expected json.dumps({want!r})"


@shows_expected
@points(2)
def test_execute_error_observations(student):
    box = student.default_toolbox()
    cases = [
        ('{"name": "get_weather", "arguments": {"city": "Oslo", "unit": "kelvin"}}',
         'Error: invalid arguments for \'get_weather\': $.unit: "kelvin" is not one of ["celsius", "fahrenheit"]'),
        ('{"name": "convert_currency", "arguments": {"amount": "12", "from_currency": "EUR"}}',
         "Error: invalid arguments for 'convert_currency': $: missing required property 'to_currency'; "
         "$.amount: expected number, got string"),
        ('{"name": "create_event", "arguments": {"title": "x", "attendees": [], "duration_minutes": true}}',
         "Error: invalid arguments for 'create_event': $.duration_minutes: expected integer, got boolean"),
        ('{"name": "book_flight", "arguments": {}}',
         "Error: unknown tool 'book_flight'. Available tools: convert_currency, create_event, get_weather"),
        ('{"name": "get_weather", "arguments": {"city": "Atlantis"}}',
         "Error: 'get_weather' failed: LookupError: no weather data for 'Atlantis'"),
        ('{"name": "convert_currency", "arguments": {"amount": 5, "from_currency": "USD", "to_currency": "GBP"}}',
         "Error: 'convert_currency' failed: KeyError: ('USD', 'GBP')"),
    ]
    for text, want in cases:
        try:
            got = box.execute(text)
        except StudentError as error:
            raise AssertionError(
                f"execute({text!r}) raised {error.type_name}: {error.message}; it must never raise, but return {want!r}"
            ) from None
        assert got == want, f"execute({text!r}) returned {got!r}, expected {want!r}"
    for text in ("get_weather Oslo", '{"name": 3}'):
        got = box.execute(text)
        assert isinstance(got, str) and got.startswith("Error: invalid tool call: "), (
            f"execute({text!r}) returned {got!r}, expected an observation starting with 'Error: invalid tool call: '"
        )
