"""A tool-calling loop on the OpenAI chat-completions API. See README.md."""

import inspect  # noqa: F401 - useful for function_schema
import json  # noqa: F401 - useful for the arguments and results

import openai  # noqa: F401

import toolbox  # noqa: F401 - keep this import: the grader reaches the example tools through it

MODEL = "gradient-scripted"


def function_schema(func):
    """The tool definition of `func`: {"type": "function", "function": {"name", "description", "parameters"}}."""
    raise NotImplementedError


def execute_tool_call(call, tools):
    """Run one tool call (the API's dict, arguments as a JSON string) with `tools` (name -> function); return
    the result as a string, or a string starting with "Error" when anything goes wrong."""
    raise NotImplementedError


def run_agent(user_message, tools, system_prompt=None, max_steps=5):
    """Call the model with the tools until it answers in text or max_steps calls were made.
    Return {"answer": text or None, "messages": [...]}."""
    raise NotImplementedError
