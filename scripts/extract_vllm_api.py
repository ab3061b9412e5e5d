"""Record the parts of vLLM's Python API that the vllm backend uses, read from a vLLM wheel.

vLLM cannot be installed where xling is built (it needs a GPU build of torch), so
``tests/test_generate_vllm.py`` checks xling's keywords against this record: the field names of
``vllm.SamplingParams``, the parameters of ``LLM.__init__``, ``LLM.generate`` and ``LLM.chat``,
the ``EngineArgs`` fields that ``LLM(**kwargs)`` accepts,
and the fields of ``CompletionOutput``. The wheel is read as a zip and parsed with ``ast``;
nothing is imported or installed. Output: tests/cases/vllm_api.json.
Run:  pip download vllm --no-deps -d /tmp/vllmwheel
      python scripts/extract_vllm_api.py /tmp/vllmwheel/vllm-*.whl
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "tests" / "cases" / "vllm_api.json"


def class_node(source: str, name: str) -> ast.ClassDef:
    """The top-level class ``name`` of a module's source."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return node
    raise SystemExit(f"class {name} not found")


def fields(cls: ast.ClassDef) -> list[str]:
    """Public annotated attributes of a dataclass/msgspec class body, in order."""
    return [n.target.id for n in cls.body if isinstance(n, ast.AnnAssign)
            and isinstance(n.target, ast.Name) and not n.target.id.startswith("_")]


def params(cls: ast.ClassDef, method: str) -> list[str]:
    """Parameter names of ``cls.method`` (without self, with keyword-only ones)."""
    for n in cls.body:
        if isinstance(n, ast.FunctionDef) and n.name == method:
            a = n.args
            return [x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs] if x.arg != "self"]
    raise SystemExit(f"method {method} not found")


def main() -> None:
    """Parse the wheel and write OUT."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path)
    args = parser.parse_args()
    version = re.match(r"vllm-([^-]+)-", args.wheel.name)
    with zipfile.ZipFile(args.wheel) as whl:
        read = lambda p: whl.read(p).decode("utf-8")  # noqa: E731
        sampling = class_node(read("vllm/sampling_params.py"), "SamplingParams")
        llm = class_node(read("vllm/entrypoints/llm.py"), "LLM")
        outputs = read("vllm/outputs.py")
        engine = class_node(read("vllm/engine/arg_utils.py"), "EngineArgs")
    record = {
        "vllm_version": version.group(1) if version else "unknown",
        "source": args.wheel.name,
        "SamplingParams": fields(sampling),
        "LLM.__init__": params(llm, "__init__"),
        "EngineArgs": fields(engine),
        "LLM.generate": params(llm, "generate"),
        "LLM.chat": params(llm, "chat"),
        "CompletionOutput": fields(class_node(outputs, "CompletionOutput")),
        "RequestOutput.__init__": params(class_node(outputs, "RequestOutput"), "__init__"),
    }
    OUT.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(f"{OUT}: vLLM {record['vllm_version']}, {len(record['SamplingParams'])} SamplingParams fields")


if __name__ == "__main__":
    main()
