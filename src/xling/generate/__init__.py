"""Generation backends: prompts in, sampled completions (``Generation``) out.

Stage: generate. One seam, ``Generator.generate(prompts, params)``, used by evaluation, RFT,
probes and translation, so every stage that samples works with every backend. Backends:
``hf`` (transformers, default, CPU or GPU), ``vllm`` (optional extra), ``openai`` (any
OpenAI-compatible server, e.g. ``vllm serve`` or SGLang).
Importing this package loads no torch; a backend's module is imported when it is chosen.

Try:
    >>> SamplingParams(n=4, temperature=0.7).max_new_tokens
    512
    >>> get_generator("vlm", "m")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    xling.schema.XlingError: unknown backend 'vlm'; known: hf, openai, vllm ...
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from xling.registry import resolve
from xling.schema import Generation, XlingError

log = logging.getLogger(__name__)

BACKENDS: dict[str, str] = {
    "hf": "xling.generate.hf:HFGenerator",
    "vllm": "xling.generate.vllm:VLLMGenerator",
    "openai": "xling.generate.openai:OpenAIGenerator",
}
"""Backend name -> ``"module:Class"``; a dotted path ``"pkg.mod:Class"`` also works."""


@dataclass(frozen=True)
class SamplingParams:
    """How to sample; the whole truth (backends ignore a checkpoint's own sampling defaults)."""

    n: int = 1
    """Samples per prompt."""
    temperature: float = 0.0
    """0 = greedy (then the n samples are identical)."""
    top_p: float = 1.0
    """Nucleus mass in (0, 1]; 1 = off. No top-k is applied by any backend."""
    max_new_tokens: int = 512
    """Cap on completion tokens; a sample cut here has ``finish_reason='length'``."""
    seed: int = 0
    """Same seed, prompts and batch size -> same samples (exactly so on CPU)."""
    stop: tuple[str, ...] = ()
    """Text is cut before the first occurrence of any of these (``finish_reason='stop'``)."""

    def __post_init__(self) -> None:
        if not isinstance(self.n, int) or self.n < 1:
            raise XlingError(f"n must be an integer >= 1, got {self.n!r}")
        if self.temperature < 0:
            raise XlingError(f"temperature must be >= 0 (0 = greedy), got {self.temperature!r}")
        if not 0 < self.top_p <= 1:
            raise XlingError(f"top_p must be in (0, 1], got {self.top_p!r}")
        if not isinstance(self.max_new_tokens, int) or self.max_new_tokens < 1:
            raise XlingError(f"max_new_tokens must be an integer >= 1, got {self.max_new_tokens!r}")
        if isinstance(self.stop, str):
            object.__setattr__(self, "stop", (self.stop,))
        object.__setattr__(self, "stop", tuple(self.stop))
        if any(not s for s in self.stop):
            raise XlingError("stop strings must be non-empty")

    @property
    def greedy(self) -> bool:
        """True when temperature is 0."""
        return self.temperature == 0


class Generator(Protocol):
    """A backend: one ``Generation`` list per prompt, each of length ``params.n``.

    ``assistant_prefix`` (one string per prompt, or one for all) is text the model's turn starts
    with, which it continues (study B's think-prefill opens the thinking block with it); every
    built-in backend takes it and renders it with ``render_prompt``. A backend that does not
    take it can still be used for every prompt style but think-prefill.
    """

    def generate(self, prompts: list[str], params: SamplingParams, *,
                 assistant_prefix: str | Sequence[str] | None = None) -> list[list[Generation]]:
        """Sample ``params.n`` completions for each prompt, in prompt order."""
        ...


def get_generator(backend: str, model: str, **kwargs) -> Generator:
    """Build the backend registered as ``backend`` for ``model`` (local path, hub id, server name).

    Args:
        backend: a key of ``BACKENDS`` or a dotted path ``"pkg.module:Class"``.
        model: passed to the backend's constructor.
        **kwargs: backend options (e.g. ``batch_size`` for hf, ``base_url`` for openai).

    Raises:
        XlingError: unknown backend (the message lists the known ones) or a model that
            cannot be loaded.
    """
    cls = resolve(BACKENDS, backend, "backend")
    return cls(model, **kwargs)


def expect_workload(generator: Generator, prompts: int, params: SamplingParams) -> None:
    """Tell ``generator`` that about ``prompts`` prompts with ``params`` follow, sent over several
    ``generate`` calls. The hf backend weighs its static path's warm-up against all of them
    (``HFGenerator.expect``); backends without such a choice have no ``expect`` and ignore it."""
    expect = getattr(generator, "expect", None)
    if callable(expect):
        expect(prompts, params)


def truncate_at_stop(text: str, stop: tuple[str, ...]) -> tuple[str, bool]:
    """Cut ``text`` before the earliest stop string; return (text, whether one was found).

    >>> truncate_at_stop("a=1\\n\\nb=2", ("\\n\\n",))
    ('a=1', True)
    """
    cut = min((i for i in (text.find(s) for s in stop) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


def render_prompt(prompt: str | Sequence[dict[str, str]], *, tokenizer: Any = None,
                  system_prompt: str | None = None, assistant_prefix: str = "") -> str:
    r"""The text a model continues for one request: the one place xling renders a prompt.

    Without ``tokenizer``: the plain ``prompt``, then ``assistant_prefix`` (if any) on a new line.
    With a tokenizer: the conversation (a string is one user turn; ``system_prompt`` is prepended
    where it has no system turn) rendered with the tokenizer's chat template and the assistant's
    generation prompt, then ``assistant_prefix``. Where the text already ends with the prefix's
    first line, that line is not repeated: the templates of reasoning models (R1 distills, Qwen3)
    open ``<think>`` themselves.

    >>> render_prompt("2+2?", assistant_prefix="<think>\nLet me think.\n")
    '2+2?\n<think>\nLet me think.\n'

    Raises:
        XlingError: a chat prompt without a tokenizer, or a tokenizer with no chat template.
    """
    if tokenizer is None:
        if not isinstance(prompt, str):
            raise XlingError("a chat conversation needs a tokenizer with a chat template to render")
        text = prompt + "\n" if assistant_prefix else prompt
    else:
        if not getattr(tokenizer, "chat_template", None):
            raise XlingError("the tokenizer has no chat template")
        conversation = ([{"role": "user", "content": prompt}] if isinstance(prompt, str)
                        else list(prompt))
        if system_prompt and not any(m["role"] == "system" for m in conversation):
            conversation = [{"role": "system", "content": system_prompt}, *conversation]
        text = tokenizer.apply_chat_template(conversation, tokenize=False,
                                             add_generation_prompt=True)
    if not assistant_prefix:
        return text
    first, newline, rest = assistant_prefix.partition("\n")
    if newline and first.strip() and text.rstrip().endswith(first.strip()):
        return text + rest  # the template opened it already
    return text + assistant_prefix


def assistant_prefixes(prefix: str | Sequence[str] | None, count: int) -> list[str]:
    """``assistant_prefix`` as one string per prompt ("" = none).

    Raises:
        XlingError: a list of another length than the prompts, or an item that is not a string.
    """
    if prefix is None or isinstance(prefix, str):
        return [prefix or ""] * count
    prefixes = list(prefix)
    if len(prefixes) != count or not all(isinstance(p, str) for p in prefixes):
        raise XlingError(f"assistant_prefix must be one string, or one string per prompt "
                         f"({count}); got {len(prefixes)} items")
    return prefixes


def chat_token_ids(tokenizer, conversations: list[list[dict[str, str]]],
                   system_prompt: str | None, model_name: str,
                   assistant_prefix: str | Sequence[str] | None = None) -> list[list[int]]:
    """Token ids of chat conversations rendered with the tokenizer's chat template
    (``render_prompt``: a generation prompt appended, ``system_prompt`` prepended where a
    conversation has no system turn, then ``assistant_prefix``).

    Raises:
        XlingError: the tokenizer has no chat template.
    """
    if not getattr(tokenizer, "chat_template", None):
        raise XlingError(f"the tokenizer of {model_name} has no chat template")
    prefixes = assistant_prefixes(assistant_prefix, len(conversations))
    texts = [render_prompt(c, tokenizer=tokenizer, system_prompt=system_prompt, assistant_prefix=x)
             for c, x in zip(conversations, prefixes, strict=True)]
    # the template writes the special tokens it wants (BOS included): add none
    return tokenizer(texts, add_special_tokens=False)["input_ids"]


def check_prompts(prompts: Any, chat: bool = False) -> list[Any]:
    """``prompts`` as a list, refused unless it is a list of strings (``chat``: of message lists,
    each message a {"role", "content"} mapping of strings). A bare string would otherwise be
    sampled character by character, and a None prompt fail deep inside a tokenizer or server.

    >>> check_prompts("2+2?")
    Traceback (most recent call last):
    ...
    xling.schema.XlingError: prompts must be a list of strings, got one str: wrap it in a list
    """
    if isinstance(prompts, str | bytes | dict) or not isinstance(prompts, list | tuple):
        raise XlingError(f"prompts must be a list of {'conversations' if chat else 'strings'}, "
                         f"got one {type(prompts).__name__}: wrap it in a list")
    for i, item in enumerate(prompts):
        ok = (isinstance(item, list | tuple) and all(
            isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
            for m in item)) if chat else isinstance(item, str)
        if not ok:
            kind = "a list of {role, content} messages" if chat else "a string"
            raise XlingError(f"prompt {i} must be {kind}, got {type(item).__name__}: {item!r:.60}")
    return list(prompts)


class TokenizedBackend:
    """Shared front of the backends that tokenize locally (hf, vllm): plain prompts or chat
    conversations become token ids, which the backend's ``_generate_ids`` samples from.

    Subclasses set ``tokenizer``, ``chat_template``, ``system_prompt``, ``model_name``.
    """

    tokenizer: object
    chat_template: bool
    system_prompt: str | None
    model_name: str

    def generate(self, prompts: list[str], params: SamplingParams, *,
                 assistant_prefix: str | Sequence[str] | None = None) -> list[list[Generation]]:
        """Sample ``params.n`` completions per prompt; outer list in prompt order. Each prompt
        is rendered by ``render_prompt`` (as a user turn when ``chat_template``), then
        continued from its ``assistant_prefix``."""
        prompts = check_prompts(prompts)
        prefixes = assistant_prefixes(assistant_prefix, len(prompts))
        if not prompts:
            return []
        if self.chat_template:
            return self.generate_chat([[{"role": "user", "content": p}] for p in prompts], params,
                                      assistant_prefix=prefixes)
        texts = [render_prompt(p, assistant_prefix=x) for p, x in zip(prompts, prefixes, strict=True)]
        ids = self.tokenizer(texts, add_special_tokens=True)["input_ids"]
        return self._generate_ids(ids, params)

    def generate_chat(self, conversations: list[list[dict[str, str]]], params: SamplingParams, *,
                      assistant_prefix: str | Sequence[str] | None = None) -> list[list[Generation]]:
        """Like ``generate`` for chat message lists (rendered with the tokenizer's template)."""
        conversations = check_prompts(conversations, chat=True)
        if not conversations:
            return []
        ids = chat_token_ids(self.tokenizer, conversations, self.system_prompt, self.model_name,
                             assistant_prefix)
        return self._generate_ids(ids, params)

    def _generate_ids(self, ids: list[list[int]], params: SamplingParams) -> list[list[Generation]]:
        raise NotImplementedError


__all__ = ["BACKENDS", "Generator", "SamplingParams", "TokenizedBackend", "assistant_prefixes",
           "chat_token_ids", "check_prompts", "expect_workload", "get_generator", "render_prompt",
           "truncate_at_stop"]
