"""A small OpenAI-compatible HTTP server over the hf backend, for tests (standard library only).

Test helper, not part of the xling package: it lets the ``openai`` backend be tested end to end
against a real local server over the tiny model (``POST /v1/completions``,
``POST /v1/chat/completions``, ``GET /v1/models``). Requests run one at a time (a lock around
the model), so results are as deterministic as the hf backend's. To serve a model for real use
``vllm serve`` or SGLang.

Use:  from helpers.openai_server import serving   (tests/ is on sys.path under pytest)
      with serving(model) as base_url: ...
Try:  python tests/helpers/openai_server.py path/to/model --port 8000
      curl -s localhost:8000/v1/completions -d '{"prompt": "2+2=", "max_tokens": 8}'
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from xling.generate import SamplingParams
from xling.generate.hf import HFGenerator
from xling.schema import Generation, XlingError

log = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "localhost")


def serve(
    model: str | Path | HFGenerator,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    model_name: str | None = None,
    **generator_kwargs: Any,
) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Start serving ``model`` in a daemon thread; stop with ``server.shutdown()``.

    Args:
        model: a checkpoint path / hub id, or an already loaded ``HFGenerator``.
        host: a loopback address (the server has no authentication).
        port: 0 = an ephemeral port; read it from ``server.server_address[1]``.
        model_name: the id ``/v1/models`` reports; default the checkpoint's directory name.
        **generator_kwargs: passed to ``HFGenerator`` (device, dtype, batch_size, system_prompt).

    Raises:
        XlingError: a non-loopback host, or a model that cannot be loaded.
    """
    if host not in LOOPBACK:
        raise XlingError(f"the xling server binds only to loopback ({', '.join(LOOPBACK)}), not {host!r}")
    if isinstance(model, HFGenerator):
        generator = model
    else:
        generator = HFGenerator(model, progress=False, chat_template=False, **generator_kwargs)
    attrs = {"generator": generator, "lock": threading.Lock(),
             "model_name": model_name or Path(generator.model_name).name}
    server = ThreadingHTTPServer((host, port), type("Handler", (_Handler,), attrs))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="xling-server", daemon=True)
    thread.start()
    log.info("serving %s at http://%s:%d/v1", attrs["model_name"], host, server.server_address[1])
    return server, thread


@contextlib.contextmanager
def serving(model: str | Path | HFGenerator, **kwargs: Any) -> Iterator[str]:
    """``serve`` for the duration of a ``with`` block; yields the base URL (up to ``/v1``)."""
    server, thread = serve(model, **kwargs)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    generator: HFGenerator
    lock: threading.Lock
    model_name: str

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path.rstrip("/") != "/v1/models":
            return self._error(404, f"no route GET {self.path}")
        self._send(200, {"object": "list", "data": [
            {"id": self.model_name, "object": "model", "owned_by": "xling"}]})

    def do_POST(self) -> None:  # noqa: N802
        path = self.path.rstrip("/")
        if path not in ("/v1/completions", "/v1/chat/completions"):
            return self._error(404, f"no route POST {self.path}")
        chat = path.endswith("chat/completions")
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            params = _params(body)
            with self.lock:
                if chat:
                    samples = self.generator.generate_chat([_messages(body)], params)
                else:
                    prompts = body["prompt"]
                    prompts = [prompts] if isinstance(prompts, str) else list(prompts)
                    samples = self.generator.generate(prompts, params)
        except (XlingError, KeyError, TypeError, ValueError) as exc:
            return self._error(400, f"bad request: {exc}")
        except Exception as exc:  # a server must answer; the traceback goes to the log
            log.exception("generation failed")
            return self._error(500, f"generation failed: {type(exc).__name__}")
        self._send(200, _response(samples, chat, self.model_name))

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str) -> None:
        self._send(status, {"error": {"message": message, "type": "invalid_request_error"
                                      if status < 500 else "server_error", "code": status}})

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (base signature)
        log.debug("%s " + format, self.address_string(), *args)


def _params(body: dict[str, Any]) -> SamplingParams:
    """OpenAI request fields -> SamplingParams (OpenAI's defaults: temperature 1, top_p 1)."""
    stop = body.get("stop") or ()
    max_tokens = body.get("max_tokens") or body.get("max_completion_tokens") or 512
    n, temperature, top_p = body.get("n"), body.get("temperature"), body.get("top_p")
    return SamplingParams(
        n=1 if n is None else int(n), temperature=1.0 if temperature is None else float(temperature),
        top_p=1.0 if top_p is None else float(top_p), max_new_tokens=int(max_tokens),
        seed=int(body.get("seed") or 0), stop=(stop,) if isinstance(stop, str) else tuple(stop),
    )


def _messages(body: dict[str, Any]) -> list[dict[str, str]]:
    messages = body["messages"]
    if not isinstance(messages, list) or not all(
        isinstance(m, dict) and isinstance(m.get("content"), str) for m in messages
    ):
        raise XlingError("'messages' must be a list of {role, content} objects with text content")
    return [{"role": str(m.get("role", "user")), "content": m["content"]} for m in messages]


def _response(samples: list[list[Generation]], chat: bool, model: str) -> dict[str, Any]:
    """Choices in OpenAI order (prompt-major, index = prompt * n + sample) with usage."""
    choices = []
    for gens in samples:
        for g in gens:
            choice: dict[str, Any] = {"index": len(choices), "finish_reason": g.finish_reason}
            if chat:
                choice["message"] = {"role": "assistant", "content": g.text}
            else:
                choice |= {"text": g.text, "logprobs": None}
            choices.append(choice)
    prompt_tokens = sum(gens[0].prompt_tokens for gens in samples if gens)
    completion_tokens = sum(g.completion_tokens for gens in samples for g in gens)
    return {
        "id": f"xling-{time.time_ns()}", "object": "chat.completion" if chat else "text_completion",
        "created": int(time.time()), "model": model, "choices": choices,
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def main() -> None:
    """``python tests/helpers/openai_server.py MODEL [--port 8000]``: serve until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="checkpoint directory or hub id")
    parser.add_argument("--host", default="127.0.0.1", choices=LOOPBACK)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--device", default=None)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    server, thread = serve(args.model, args.host, args.port, device=args.device,
                           batch_size=args.batch_size)
    try:
        thread.join()
    except KeyboardInterrupt:
        server.shutdown()


if __name__ == "__main__":
    main()
