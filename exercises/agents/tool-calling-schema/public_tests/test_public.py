"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's examples and small schemas and tools of their own. The hidden grader checks more
(other values and schemas, and every kind of call on the demo tool box).
"""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import ToolBox, default_toolbox, parse_tool_call, validate  # noqa: E402

ORDER_SCHEMA = {
    "type": "object",
    "properties": {
        "customer": {"type": "object", "properties": {"email": {"type": "string"}}, "required": ["email"]},
        "lines": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"sku": {"type": "string"}, "qty": {"type": "integer", "minimum": 1}},
                "required": ["sku"],
            },
        },
    },
    "required": ["customer", "lines"],
}


def check(value, schema, want, hint=""):
    got = validate(value, schema)
    assert got == want, f"validate({value!r}, {schema!r}) returned {got!r}, expected {want!r}. {hint}"


def test_statement_examples():
    schema = {"type": "object", "properties": {"age": {"type": "integer", "minimum": 0}}, "required": ["age", "name"]}
    check({"age": -3}, schema, ["$: missing required property 'name'", "$.age: -3 is less than the minimum 0"],
          "For an object: the required names first, then the properties.")
    check(True, {"type": "integer"}, ["$: expected integer, got boolean"], "Booleans are never integers.")
    box = default_toolbox()
    got = box.execute('{"name": "get_weather", "arguments": {"city": "Oslo"}}')
    assert got == '{"city": "Oslo", "temperature": 4.0, "unit": "celsius"}', f"execute(...) returned {got!r}"
    got = box.execute('{"name": "get_weather", "arguments": {"city": "Oslo", "unit": "kelvin"}}')
    want = 'Error: invalid arguments for \'get_weather\': $.unit: "kelvin" is not one of ["celsius", "fahrenheit"]'
    assert got == want, f"execute(...) returned {got!r}, expected {want!r}"


def test_json_types():
    check(3.0, {"type": "integer"}, ["$: expected integer, got number"], "A float is a number, not an integer.")
    check(3, {"type": "number"}, [], "An int is a number too.")
    check(None, {"type": "boolean"}, ["$: expected boolean, got null"])
    check([True, 2], {"type": "array", "items": {"type": "number"}}, ["$[0]: expected number, got boolean"],
          "Booleans are never numbers; array items add [index] to the path.")
    check({}, {"type": "array"}, ["$: expected array, got object"])


def test_enum_and_bounds_messages():
    check("medium", {"enum": ["small", "large"]}, ['$: "medium" is not one of ["small", "large"]'], "Values are written with json.dumps.")
    check(False, {"enum": [0, 1]}, ["$: false is not one of [0, 1]"], "An enum member matches only a value of the same JSON type.")
    check(10.5, {"type": "number", "maximum": 10}, ["$: 10.5 is greater than the maximum 10"])
    check(1, {"type": "integer", "minimum": 1, "maximum": 1}, [], "The bounds are inclusive.")


def test_nested_paths_and_every_problem_in_order():
    value = {"customer": {"email": 5}, "lines": [{"sku": "A1", "qty": 0}, {"qty": 2}, "x"]}
    want = [
        "$.customer.email: expected string, got integer",
        "$.lines[0].qty: 0 is less than the minimum 1",
        "$.lines[1]: missing required property 'sku'",
        "$.lines[2]: expected object, got string",
    ]
    check(value, ORDER_SCHEMA, want, "Recurse into properties and array items, and report every problem, in order.")
    check({"note": "extra properties are fine"}, ORDER_SCHEMA,
          ["$: missing required property 'customer'", "$: missing required property 'lines'"])


def test_parse_tool_call_fences_and_errors():
    got = parse_tool_call('```json\n{"name": "add", "arguments": {"a": 1, "b": 2}}\n```\n')
    assert tuple(got) == ("add", {"a": 1, "b": 2}), f"the ``` fence should be dropped; got {got!r}"
    got = parse_tool_call('  {"name": "now"}  ')
    assert tuple(got) == ("now", {}), f"arguments default to {{}}; got {got!r}"
    for bad in ("add(1, 2)", "[1, 2]", '{"arguments": {}}', '{"name": "add", "arguments": "a=1"}'):
        with pytest.raises(ValueError):
            parse_tool_call(bad)


def divide(a, b):
    return {"quotient": a / b}


def test_toolbox_of_our_own():
    box = ToolBox()
    schema = {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]}
    box.register("divide", "Divide a by b.", schema, divide)
    box.register("echo", "Say it back.", {"type": "object", "properties": {"text": {"type": "string"}}}, lambda text="": text)
    with pytest.raises(ValueError):
        box.register("divide", "Again.", schema, divide)
    with pytest.raises(ValueError):
        box.register("bad", "Not an object schema.", {"type": "string"}, divide)
    assert box.specs() == [
        {"name": "divide", "description": "Divide a by b.", "parameters": schema},
        {"name": "echo", "description": "Say it back.", "parameters": {"type": "object", "properties": {"text": {"type": "string"}}}},
    ], f"specs() returned {box.specs()!r}"
    got = box.execute('{"name": "divide", "arguments": {"a": 9, "b": 2}}')
    assert json.loads(got) == {"quotient": 4.5}, f"a successful call returns json.dumps(result), got {got!r}"
    cases = [
        ('{"name": "divide", "arguments": {"a": 1, "b": 0}}', "Error: 'divide' failed: ZeroDivisionError: division by zero"),
        ('{"name": "divide", "arguments": {"a": "1"}}',
         "Error: invalid arguments for 'divide': $: missing required property 'b'; $.a: expected number, got string"),
        ('{"name": "multiply", "arguments": {}}', "Error: unknown tool 'multiply'. Available tools: divide, echo"),
    ]
    for text, want in cases:
        got = box.execute(text)
        assert got == want, f"execute({text!r}) returned {got!r}, expected {want!r}"
    got = box.execute("divide 1 by 0")
    assert got.startswith("Error: invalid tool call: "), f"execute never raises; for a bad call it returns 'Error: invalid tool call: ...', got {got!r}"
