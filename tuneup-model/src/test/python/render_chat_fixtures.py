#!/usr/bin/env python3
"""Renders the chat-template golden cases with python jinja2, set up as transformers sets it up.

The Java tests (ChatTemplateGoldenTest) render the same cases with Jinjava and compare byte for
byte. Regenerate after changing a case or a template (needs python3-jinja2, e.g. Debian's
`apt-get install python3-jinja2`; nothing else):

    python3 tuneup-model/src/test/python/render_chat_fixtures.py

from the repository root. The output, src/test/resources/chat-templates/golden.json, is committed;
tests never run python.
"""
import json
import os
from datetime import datetime

from jinja2.exceptions import TemplateError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = os.path.join(HERE, "..", "resources", "chat-templates")
QWEN3 = os.path.join(HERE, "..", "..", "main", "resources", "dev", "tuneup", "model", "text",
                     "qwen3-chat-template.jinja")
OUT = os.path.join(TEMPLATES, "golden.json")

# The Java test renders with a clock fixed at this instant (UTC).
FIXED_NOW = datetime(2026, 11, 28, 16, 50, 0)


def environment():
    def raise_exception(message):
        raise TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    def strftime_now(fmt):
        return FIXED_NOW.strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


SYS = {"role": "system", "content": "You are a careful assistant."}
U1 = {"role": "user", "content": "What is 2+2?"}
A1 = {"role": "assistant", "content": "4."}
U2 = {"role": "user", "content": "And 3+3?"}
A2 = {"role": "assistant", "content": "6."}
A_THINK = {"role": "assistant", "content": "<think>\nAdd three and three.\n</think>\n\n6."}
A1_THINK = {"role": "assistant", "content": "<think>\nTwo plus two.\n</think>\n\n4."}
NON_ASCII = [
    {"role": "system", "content": "Réponds en français — « poliment »."},
    {"role": "user", "content": "日本語で答えて 🙂 \"quoted\" back\\slash\ttab"},
    {"role": "assistant", "content": "はい、もちろん。✓ ünïcödé"},
]
TOOLS = [
    {"type": "function", "function": {
        "name": "get_weather", "description": "Weather for a city",
        "parameters": {"type": "object", "properties": {
            "city": {"type": "string", "description": "城市"},
            "days": {"type": "integer", "default": 3},
            "ratio": {"type": "number", "default": 7.5, "minimum": 1e-05},
            "metric": {"type": "boolean", "default": True},
            "note": {"type": ["string", "null"], "default": None},
            "extra": {}},
            "required": ["city"]}}},
]

CASES = [
    # Qwen3 (the real template)
    ("qwen3/sys-user-assistant", "qwen3", [SYS, U1, A1], False, {}),
    ("qwen3/sys-user-generation-prompt", "qwen3", [SYS, U1], True, {}),
    ("qwen3/user-only-no-system", "qwen3", [U1], True, {}),
    ("qwen3/multi-turn", "qwen3", [SYS, U1, A1, U2, A2], False, {}),
    ("qwen3/multi-turn-prefix-generation-prompt", "qwen3", [SYS, U1, A1, U2], True, {}),
    ("qwen3/think-in-history-and-last", "qwen3", [U1, A1_THINK, U2, A_THINK], False, {}),
    ("qwen3/reasoning-content-field", "qwen3",
     [U1, {"role": "assistant", "content": "4.", "reasoning_content": "Simple sum."}], False, {}),
    ("qwen3/enable-thinking-false", "qwen3", [U1], True, {"enable_thinking": False}),
    ("qwen3/enable-thinking-true", "qwen3", [U1], True, {"enable_thinking": True}),
    ("qwen3/non-ascii", "qwen3", NON_ASCII, False, {}),
    ("qwen3/tools", "qwen3", [SYS, {"role": "user", "content": "Weather in Hangzhou?"}], True,
     {"tools": TOOLS}),
    ("qwen3/tool-calls-and-responses", "qwen3", [
        {"role": "user", "content": "Weather in Hangzhou and Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"type": "function", "function": {"name": "get_weather",
                                              "arguments": {"city": "Hangzhou", "days": 1}}},
            {"type": "function", "function": {"name": "get_weather",
                                              "arguments": "{\"city\": \"Paris\"}"}}]},
        {"role": "tool", "content": "{\"temp\": 21}"},
        {"role": "tool", "content": "{\"temp\": 12}"},
        {"role": "assistant", "content": "Hangzhou 21°C, Paris 12°C."}], False, {"tools": TOOLS}),
    # LLaMA-3 style (hand-written)
    ("llama3/sys-user-assistant", "llama3-style", [SYS, U1, A1], False, {}),
    ("llama3/multi-turn-strip", "llama3-style",
     [{"role": "system", "content": "  Be brief.  \n"}, {"role": "user", "content": "  hi  "},
      {"role": "assistant", "content": "\nhello\n"}, U2], True, {}),
    ("llama3/non-ascii", "llama3-style", NON_ASCII, False, {}),
    ("llama3/tools-indent-4", "llama3-style", [U1], True, {"tools": TOOLS}),
    ("llama3/error-roles-not-alternating", "llama3-style", [U1, U2], False, {}),
    ("llama3/error-unknown-role", "llama3-style", [U1, {"role": "robot", "content": "x"}], False, {}),
    # ChatML without whitespace control (depends on trim_blocks/lstrip_blocks)
    ("chatml/no-system", "chatml", [U1, A1], False, {}),
    ("chatml/with-system-generation-prompt", "chatml", [SYS, U1, A1, U2], True, {}),
    ("chatml/non-ascii", "chatml", NON_ASCII, False, {}),
    # Mistral style: namespace(), str methods, trailing newline in the source
    ("mistral/multi-turn", "mistral-style", [SYS, U1, A1, U2], False, {}),
    ("mistral/think-stripped", "mistral-style", [U1, A1_THINK, U2, A_THINK], False, {}),
    ("mistral/error-alternation", "mistral-style", [U1, A1, A2], False, {}),
]

SPECIAL = {
    "qwen3": {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"},
    "llama3-style": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
    "chatml": {"eos_token": "<|im_end|>"},
    "mistral-style": {"bos_token": "<s>", "eos_token": "</s>"},
}


def main():
    env = environment()
    sources = {
        "qwen3": read(QWEN3),
        "llama3-style": read(os.path.join(TEMPLATES, "llama3-style.jinja")),
        "chatml": read(os.path.join(TEMPLATES, "chatml.jinja")),
        "mistral-style": read(os.path.join(TEMPLATES, "mistral-style.jinja")),
    }
    out = []
    for name, template, messages, gen, kwargs in CASES:
        case = {"name": name, "template": template, "special_tokens": SPECIAL[template],
                "messages": messages, "add_generation_prompt": gen, "kwargs": kwargs}
        context = dict(SPECIAL[template])
        context.update(kwargs)
        context.setdefault("tools", None)
        try:
            case["expected"] = env.from_string(sources[template]).render(
                messages=messages, add_generation_prompt=gen, documents=None, **context)
        except TemplateError as e:
            case["error"] = str(e)
        out.append(case)
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(out)} cases to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
