"""The tools the worker agents may call, and their definitions in the chat-completions `tools` format."""

import ast

FACTS = {
    "population of norway": "5500000", "area of norway in km2": "385207",
    "population of portugal": "10400000", "area of portugal in km2": "92212",
    "population of kenya": "55100000", "area of kenya in km2": "580367",
    "population of chile": "19600000", "area of chile in km2": "756102",
    "population of japan": "124500000", "area of japan in km2": "377975",
    "population of ghana": "34100000", "area of ghana in km2": "238533",
    "population of peru": "34400000", "area of peru in km2": "1285216",
    "population of austria": "9100000", "area of austria in km2": "83879",
}
_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub)


def lookup(topic: str) -> str:
    """Look up a fact in the team's knowledge base (keys such as 'population of norway')."""
    key = " ".join(topic.lower().split())
    if key not in FACTS:
        raise LookupError(f"no fact about {topic!r}")
    return FACTS[key]


def calculate(expression: str) -> str:
    """Evaluate arithmetic with numbers, + - * / and parentheses; whole results without a decimal point,
    others rounded to 4 decimals."""
    tree = ast.parse(expression.strip(), mode="eval")
    if not all(isinstance(node, _NODES) for node in ast.walk(tree)):
        raise ValueError(f"unsupported expression: {expression.strip()!r}")
    value = eval(compile(tree, "<calculate>", "eval"), {"__builtins__": {}})  # noqa: S307 - checked nodes only
    return str(int(value)) if float(value).is_integer() else str(round(value, 4))


TOOLS = {"lookup": lookup, "calculate": calculate}

SCHEMAS = [
    {"type": "function", "function": {
        "name": "lookup", "description": "Look up a fact in the team's knowledge base.",
        "parameters": {"type": "object", "properties": {"topic": {"type": "string"}}, "required": ["topic"]}}},
    {"type": "function", "function": {
        "name": "calculate", "description": "Evaluate an arithmetic expression.",
        "parameters": {"type": "object", "properties": {"expression": {"type": "string"}},
                       "required": ["expression"]}}},
]
