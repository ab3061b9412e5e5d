"""The OpenAI-compatible backend: any server speaking /v1/completions or /v1/chat/completions.

Stage: generate. Works with ``vllm serve``, TGI, SGLang and the OpenAI API (the tests run it
against a local server over the tiny model, tests/helpers/openai_server.py). Standard library
only (urllib + threads): one request per sample (n=1, seed = params.seed + sample index) so
every sample gets exact token counts and its own retry; at most ``max_concurrency`` requests in
flight; 429, 5xx, connection errors and timeouts are retried ``max_retries`` times with
exponential backoff. A sample that still fails is recorded as
``Generation(finish_reason="error", error=...)``. Bounded waiting: every request waits at most
``timeout_s`` for the server (default 120 s; every command with this backend sets it with
``--timeout``; retries from ``$XLING_OPENAI_MAX_RETRIES``, default 3, when the constructor is not
given them), and while answers are outstanding a line is logged every ``heartbeat_s`` saying how
many came back, so a slow or silent server is never a silent wait. The first request goes alone
and is not retried on a timeout, so a server that accepts connections and never answers fails
after ``timeout_s``; once the server stops answering (unreachable, timed out or refusing the
key/URL/model after the retries) the requests not yet sent are dropped, and so are they on
Ctrl-C. Each of these, and every request failing, is a one-line ``XlingError`` naming the URL.
The API key is read from the environment and never appears in a log line or an error message.

Why not the official ``openai`` SDK: it is not in xling's dependency tree (it would bring httpx,
httpcore, certifi, jiter, distro and sniffio for one backend), and of what it adds this backend
needs only timeouts and retries, which it has here: per-request timeouts, retries with
exponential backoff and ``Retry-After`` on 429/5xx and connection errors. What it needs beyond
the SDK's defaults would be written either way: no retry of the first request's timeout (a
silent server fails after one ``timeout_s``), dropping unsent requests once the server stops
answering, a per-sample seed and error record, and key-free one-line errors. Streaming and typed
response objects, the SDK's other gains, are of no use here (exact token counts come from
``usage``). Revisit if the backend needs the Responses API, batching or streaming.

A prefilled assistant turn (``assistant_prefix``: think-prefill) is rendered here, by the one
rendering function of the hf and vllm backends (``generate.render_prompt``), and sent to
/completions: the plain prompt with the prefix on a new line, or, with ``chat``, the model's chat
template (loaded from ``tokenizer``, default the served model's name as a path or hub id) and
then the prefix. Not a chat request with a final assistant message and
``continue_final_message``: that is a vLLM extension (the OpenAI API and other servers lack it),
and how a continued message renders depends on the server's transformers (versions that strip
the message's trailing newline, templates that rewrite an assistant turn holding ``<think>``),
so the model would not see the prompt the hf and vllm backends give it.

Try:  OPENAI_BASE_URL=http://127.0.0.1:8000/v1 xling eval --backend openai --model tiny ...
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import queue
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

from xling.generate import (
    SamplingParams,
    assistant_prefixes,
    check_prompts,
    render_prompt,
    truncate_at_stop,
)
from xling.progress import progress
from xling.schema import Generation, XlingError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 120.0
"""Seconds each request waits for the server when no ``timeout_s`` (``--timeout``) is given."""
FATAL_STATUS = {401, 403, 404}
"""Answers that no other request will get past (bad key, wrong URL or model): stop at once."""


class RequestFailed(Exception):
    """One request failed after its retries; ``fatal`` = every other request would fail too."""

    def __init__(self, message: str, fatal: bool) -> None:
        super().__init__(message)
        self.fatal = fatal


class OpenAIGenerator:
    """Sample from an OpenAI-compatible HTTP server.

    Args:
        model: the model name the server knows (the request's ``model`` field).
        base_url: up to and including ``/v1``; default ``$OPENAI_BASE_URL`` or
            ``http://localhost:8000/v1``.
        api_key_env: environment variable holding the key (sent as a Bearer token; none if
            unset, as local servers need none).
        chat: use /chat/completions with the prompt as a user message (the server applies its
            chat template); otherwise /completions with the raw prompt.
        chat_template: same as ``chat`` (the name the hf and vllm backends use, so callers can
            pass one option to any backend).
        system_prompt: system message prepended in chat mode.
        tokenizer: local path or hub id of the tokenizer whose chat template renders a chat
            prompt with an ``assistant_prefix`` (sent to /completions, module docstring);
            None = ``model``. Loaded only for such a call.
        max_concurrency: requests in flight at once.
        max_retries: retries per request after the first attempt (429, 5xx, connection errors,
            timeouts); None = ``$XLING_OPENAI_MAX_RETRIES`` or 3.
        timeout_s: seconds to wait for the server to connect and to answer (per socket
            operation, so a non-streamed completion must arrive within it); the CLI's
            ``--timeout``. None = ``DEFAULT_TIMEOUT_S``.
        backoff_s: first retry delay in seconds; doubles per retry (capped at 60 s), jittered.
        progress: show a bar over requests (only on a TTY).
        heartbeat_s: while answers are outstanding, log how many came back every this many
            seconds (None = ``min(15, timeout_s / 2)``).
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        chat: bool = False,
        chat_template: bool = False,
        system_prompt: str | None = None,
        tokenizer: str | None = None,
        max_concurrency: int = 8,
        max_retries: int | None = None,
        timeout_s: float | None = None,
        backoff_s: float = 1.0,
        progress: bool = True,
        heartbeat_s: float | None = None,
    ) -> None:
        max_retries = _from_env("XLING_OPENAI_MAX_RETRIES", 3, int) if max_retries is None else max_retries
        timeout_s = DEFAULT_TIMEOUT_S if timeout_s is None else timeout_s
        if max_concurrency < 1 or max_retries < 0 or not timeout_s > 0:
            raise XlingError(f"openai backend: need max_concurrency >= 1, max_retries >= 0 and "
                             f"timeout_s > 0; got {max_concurrency}, {max_retries}, {timeout_s}")
        url = base_url or os.environ.get("OPENAI_BASE_URL") or "http://localhost:8000/v1"
        self.model = model
        self.base_url = url.rstrip("/")
        self.chat = chat or chat_template
        self.system_prompt = system_prompt
        self.tokenizer_name = tokenizer or model
        self._tokenizer: Any = None
        self.max_concurrency = max_concurrency
        self.max_retries = max_retries
        self.timeout_s = timeout_s
        self.backoff_s = backoff_s
        self.heartbeat_s = heartbeat_s if heartbeat_s is not None else min(15.0, timeout_s / 2)
        self.show_progress = progress
        self._api_key = os.environ.get(api_key_env) or None
        self._gone_lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        """The URL ``generate``'s requests go to (``generate_chat`` always uses chat/completions)."""
        return self._url(self.chat)

    def _url(self, chat: bool) -> str:
        return f"{self.base_url}/{'chat/completions' if chat else 'completions'}"

    def generate(self, prompts: list[str], params: SamplingParams, *,
                 assistant_prefix: str | Sequence[str] | None = None) -> list[list[Generation]]:
        """Sample ``params.n`` completions per prompt; outer list in prompt order. With an
        ``assistant_prefix`` the prompts are rendered here and sent to /completions (module
        docstring).

        Raises:
            XlingError: the server is unreachable, does not answer within ``timeout_s``, stops
                answering, refuses every request, or rejects the key/URL/model (401, 403, 404).
        """
        prompts = check_prompts(prompts)
        prefixes = assistant_prefixes(assistant_prefix, len(prompts))
        if self.chat:
            return self.generate_chat([[{"role": "user", "content": p}] for p in prompts], params,
                                      assistant_prefix=prefixes)
        if any(prefixes):
            prompts = [render_prompt(p, assistant_prefix=x)
                       for p, x in zip(prompts, prefixes, strict=True)]
        return self._generate(prompts, params)

    def generate_chat(self, conversations: list[list[dict[str, str]]], params: SamplingParams, *,
                      assistant_prefix: str | Sequence[str] | None = None) -> list[list[Generation]]:
        """Like ``generate`` for chat message lists, sent to /chat/completions (the server
        applies its chat template; ``system_prompt`` is prepended), or with an
        ``assistant_prefix`` rendered here with ``tokenizer``'s template and sent to /completions."""
        conversations = check_prompts(conversations, chat=True)
        prefixes = assistant_prefixes(assistant_prefix, len(conversations))
        if not any(prefixes):
            return self._generate(conversations, params)
        tokenizer = self._chat_tokenizer()
        return self._generate([render_prompt(c, tokenizer=tokenizer, system_prompt=self.system_prompt,
                                             assistant_prefix=x)
                               for c, x in zip(conversations, prefixes, strict=True)], params)

    def _chat_tokenizer(self) -> Any:
        """The tokenizer whose chat template renders prefilled chat prompts (loaded once)."""
        if self._tokenizer is None:
            from xling.checkpoint import resolve_model_path

            name = resolve_model_path(self.tokenizer_name)
            try:
                from transformers import AutoTokenizer

                self._tokenizer = AutoTokenizer.from_pretrained(name)
            except Exception as exc:  # any loading failure is one line naming the tokenizer
                raise XlingError(f"openai backend: a chat prompt with an assistant prefix is "
                                 f"rendered with the chat template of {self.tokenizer_name!r}, "
                                 f"which did not load (pass tokenizer=...): "
                                 f"{type(exc).__name__}: {exc}") from None
            if not getattr(self._tokenizer, "chat_template", None):
                raise XlingError(f"the tokenizer of {self.tokenizer_name} has no chat template")
        return self._tokenizer

    def _generate(self, prompts: list[Any], params: SamplingParams) -> list[list[Generation]]:
        """Prompt strings (/completions) or message lists (/chat/completions), n samples each."""
        per_prompt = 1 if params.greedy else params.n
        jobs = [(i, j) for i in range(len(prompts)) for j in range(per_prompt)]
        results: dict[tuple[int, int], Generation] = {}
        gone: list[str] = []  # the first fatal error once the server stopped answering
        url = self._url(bool(prompts) and isinstance(prompts[0], list))
        with _Heartbeat(url, results, len(jobs), self.heartbeat_s, self.timeout_s):
            if jobs:  # the first request alone: an unreachable or silent server fails fast, once
                results[jobs[0]] = self._sample(prompts[0], params, params.seed, probe=True)
            rest = jobs[1:]
            answers = _in_daemon_threads(
                lambda job: self._sample(prompts[job[0]], params, params.seed + job[1], gone=gone),
                rest, self.max_concurrency)
            try:
                for _ in progress(range(len(rest)), "generate", len(rest),
                                  enabled=self.show_progress):
                    job, answer = answers.get()
                    if isinstance(answer, BaseException):
                        raise answer
                    results[job] = answer
            except BaseException:  # Ctrl-C: send nothing more, and do not wait for the requests in
                with self._gone_lock:  # flight (their threads are daemons: the process exits now)
                    gone.append("interrupted")
                raise
        if gone:
            done = sum(g.finish_reason != "error" for g in results.values())
            raise XlingError(f"{self._url(isinstance(prompts[0], list))} stopped answering ({done} of {len(jobs)} requests "
                             f"answered): {gone[0]}")
        errors = [g.error for g in results.values() if g.finish_reason == "error"]
        if errors and len(errors) == len(jobs):
            raise XlingError(f"every request to {self._url(isinstance(prompts[0], list))} failed; "
                             f"first error: {errors[0]}")
        if errors:
            log.warning("%d of %d requests to %s failed (recorded as finish_reason='error')",
                        len(errors), len(jobs), self._url(isinstance(prompts[0], list)))
        return [[results[i, j if not params.greedy else 0] for j in range(params.n)]
                for i in range(len(prompts))]

    def _sample(
        self, prompt: str | list[dict[str, str]], params: SamplingParams, seed: int,
        probe: bool = False, gone: list[str] | None = None,
    ) -> Generation:
        """One request (n=1); a failure becomes an 'error' Generation, except that a fatal one
        raises for the ``probe`` and is recorded in ``gone`` (which stops the other requests)."""
        if gone:
            return Generation("", 0, 0, "error", error=f"not sent: {gone[0]}")
        body: dict[str, Any] = {
            "model": self.model, "n": 1, "max_tokens": params.max_new_tokens,
            "temperature": params.temperature, "top_p": params.top_p, "seed": seed,
        }
        if params.stop:
            body["stop"] = list(params.stop)
        chat = isinstance(prompt, list)
        if chat:
            system = [{"role": "system", "content": self.system_prompt}] if self.system_prompt else []
            body["messages"] = [*system, *prompt]
        else:
            body["prompt"] = prompt
        try:
            data = self._post(body, retry_timeouts=not probe, stop=gone, chat=chat)
            choice = data["choices"][0]
            text = choice["message"]["content"] if chat else choice["text"]
            usage = data.get("usage") or {}
        except RequestFailed as exc:
            if exc.fatal and probe:
                raise XlingError(str(exc)) from None
            if exc.fatal and gone is not None:
                with self._gone_lock:
                    if not gone:
                        gone.append(str(exc))
            return Generation("", 0, 0, "error", error=str(exc))
        except (KeyError, IndexError, TypeError) as exc:
            return Generation("", 0, 0, "error", error=f"malformed response: missing {exc}")
        text, hit = truncate_at_stop(text or "", params.stop)
        finish = "length" if choice.get("finish_reason") == "length" and not hit else "stop"
        return Generation(text, int(usage.get("prompt_tokens", 0)),
                          int(usage.get("completion_tokens", 0)), finish)

    def _post(self, body: dict[str, Any], retry_timeouts: bool = True,
              stop: list[str] | None = None, chat: bool = False) -> dict[str, Any]:
        """POST with retries (none once ``stop`` holds an error); raise RequestFailed with a
        key-free message."""
        url, data = self._url(chat), json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        for attempt in range(self.max_retries + 1):
            request = urllib.request.Request(url, data=data, headers=headers, method="POST")
            delay = None
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as resp:
                    return json.loads(resp.read())
            except urllib.error.HTTPError as exc:
                message = f"HTTP {exc.code} from {url}: {_detail(exc)}"
                retry, fatal = exc.code == 429 or exc.code >= 500, exc.code in FATAL_STATUS
                delay = _retry_after(exc)
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                reason = getattr(exc, "reason", None) or exc
                if isinstance(reason, TimeoutError):  # connected (or not) but no answer in time
                    message = (f"no answer from {url} within {self.timeout_s:g} s (if the server "
                               f"is only slow, raise --timeout)")
                    retry = retry_timeouts
                else:
                    message = f"cannot reach {url}: {type(exc).__name__}: {reason}"
                    retry = True
                fatal = True
            except ValueError as exc:
                message, retry, fatal = f"invalid JSON from {url}: {exc}", False, False
            message = self._redact(message)
            if not retry or attempt == self.max_retries or stop:
                raise RequestFailed(message, fatal)
            delay = delay or min(self.backoff_s * 2**attempt, 60.0) * random.uniform(0.5, 1.0)
            log.warning("%s; retry %d/%d in %.1fs", message, attempt + 1, self.max_retries, delay)
            time.sleep(delay)
        raise AssertionError("unreachable")

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text


def timeout_option(timeout: float | None, *backends: str | None) -> dict[str, float]:
    """The CLI's ``--timeout`` as backend options (``{"timeout_s": ...}``; ``{}`` without one).

    Raises:
        XlingError: ``timeout`` given but no backend in ``backends`` is openai, or not > 0.
    """
    if timeout is None:
        return {}
    if "openai" not in backends:
        raise XlingError("--timeout applies to the openai backend (requests to a server); the "
                         f"backend here is {', '.join(b for b in backends if b)}")
    if not timeout > 0:
        raise XlingError(f"--timeout must be > 0 seconds, got {timeout:g}")
    return {"timeout_s": timeout}


def _in_daemon_threads(fn: Any, jobs: Sequence[Any], workers: int) -> queue.Queue:
    """Run ``fn(job)`` for every job in at most ``workers`` daemon threads; returns the queue that
    receives ``(job, result or the exception raised)`` as each finishes.

    Daemon threads, not a ``ThreadPoolExecutor``: the executor's threads are joined when the
    interpreter exits, so after Ctrl-C the process would wait up to ``timeout_s`` for requests
    already in flight; these end with the process.
    """
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for job in jobs:
        todo.put(job)
    done: queue.Queue = queue.Queue()

    def work() -> None:
        while True:
            try:
                job = todo.get_nowait()
            except queue.Empty:
                return
            try:
                done.put((job, fn(job)))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller, which raises it
                done.put((job, exc))

    for k in range(min(workers, len(jobs))):
        threading.Thread(target=work, daemon=True, name=f"xling-openai-{k}").start()
    return done


class _Heartbeat:
    """While a ``generate`` call waits, log every ``every`` seconds how many of ``total`` answers
    came back (``results`` fills as they do), so a slow or silent server shows as such."""

    def __init__(self, url: str, results: dict, total: int, every: float, timeout: float) -> None:
        self.url, self.results, self.total, self.every, self.timeout = url, results, total, every, timeout
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="xling-openai-heartbeat")

    def _run(self) -> None:
        start = time.monotonic()
        while not self._stop.wait(self.every):
            log.info("waiting for %s: %d of %d answers after %.0f s (each request waits at most "
                     "%g s: --timeout)", self.url, len(self.results), self.total,
                     time.monotonic() - start, self.timeout)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _from_env(name: str, default: Any, kind: type) -> Any:
    """The environment variable ``name`` read as ``kind`` (int or float), else ``default``."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return kind(raw)
    except ValueError:
        raise XlingError(f"${name} must be {'an integer' if kind is int else 'a number'}, "
                         f"got {raw!r}") from None


def _detail(exc: urllib.error.HTTPError) -> str:
    """The server's error message (JSON ``error.message`` if present), at most 300 chars."""
    try:
        raw = exc.read().decode("utf-8", "replace")
    except OSError:
        raw = ""
    try:
        err = json.loads(raw).get("error", raw)
        raw = err.get("message", str(err)) if isinstance(err, dict) else str(err)
    except (ValueError, AttributeError):
        pass
    return (raw.strip() or str(exc.reason))[:300]


def _retry_after(exc: urllib.error.HTTPError) -> float | None:
    """Seconds from a numeric Retry-After header, capped at 60."""
    try:
        return min(float(exc.headers.get("Retry-After", "")), 60.0)
    except (TypeError, ValueError):
        return None
