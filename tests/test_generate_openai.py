"""The openai backend against real local HTTP servers: xling's own server over the tiny model
(conformance with the hf backend) and a scripted faulty server (retries, recorded errors, keys).

Run: pytest tests/test_generate_openai.py -v
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import threading
import urllib.error
import urllib.request

import pytest

from helpers.json_http import JsonHandler, listening
from helpers.openai_server import serve, serving
from xling.generate import SamplingParams, get_generator
from xling.generate.hf import HFGenerator
from xling.schema import XlingError

PROMPTS = ["Janet's ducks lay 16 eggs.", "珍妮特的鸭子每天下 16 颗蛋。", "2+2=", "Утки Джанет"]
SECRET = "sk-test-SECRET-0123456789"


@pytest.fixture(scope="module")
def hf(tiny_model):
    return HFGenerator(tiny_model, batch_size=4, progress=False)


@pytest.fixture(scope="module")
def base_url(hf):
    with serving(hf, model_name="tiny") as url:
        yield url


def client(url: str, **kw) -> object:
    return get_generator("openai", "tiny", base_url=url, progress=False, **kw)


def test_greedy_matches_hf_backend(hf, base_url):
    params = SamplingParams(n=2, max_new_tokens=12)
    assert client(base_url).generate(PROMPTS, params) == hf.generate(PROMPTS, params)


def test_stop_and_length_match_hf_backend(hf, base_url):
    (ref,), *_ = hf.generate(PROMPTS, SamplingParams(max_new_tokens=16))
    stop = ref.text[6:8]
    params = SamplingParams(max_new_tokens=16, stop=(stop,))
    got = client(base_url).generate(PROMPTS, params)
    assert got == hf.generate(PROMPTS, params)
    assert got[0][0].finish_reason == "stop" and got[0][0].text == ref.text[: ref.text.index(stop)]
    assert any(s[0].finish_reason == "length" and s[0].completion_tokens == 16 for s in got)


def test_seeded_samples_match_hf_per_sample_seed(hf, base_url):
    params = SamplingParams(n=3, temperature=1.0, max_new_tokens=8, seed=5)
    got = client(base_url, max_concurrency=3).generate(PROMPTS[:2], params)
    assert got == client(base_url).generate(PROMPTS[:2], params)
    for prompt, samples in zip(PROMPTS[:2], got, strict=True):
        for j, g in enumerate(samples):  # sample j is requested with seed + j
            (ref,), = hf.generate([prompt], SamplingParams(temperature=1.0, max_new_tokens=8,
                                                           seed=5 + j))
            assert g == ref


def test_chat_endpoint_matches_hf_chat(hf, base_url):
    params = SamplingParams(max_new_tokens=10)
    got = client(base_url, chat=True, system_prompt="Be brief.").generate(PROMPTS[:2], params)
    convs = [[{"role": "system", "content": "Be brief."}, {"role": "user", "content": p}]
             for p in PROMPTS[:2]]
    assert got == hf.generate_chat(convs, params)
    same = client(base_url, chat_template=True, system_prompt="Be brief.")  # hf's option name
    assert same.generate(PROMPTS[:2], params) == got


def test_server_routes_and_bad_requests(base_url):
    with urllib.request.urlopen(f"{base_url}/models") as resp:
        assert json.load(resp)["data"][0]["id"] == "tiny"
    body = {"prompt": ["a", "b"], "n": 2, "max_tokens": 3, "temperature": 0}
    req = urllib.request.Request(f"{base_url}/completions", data=json.dumps(body).encode())
    with urllib.request.urlopen(req) as resp:
        data = json.load(resp)
    assert [c["index"] for c in data["choices"]] == [0, 1, 2, 3]
    assert data["usage"]["completion_tokens"] == 12
    for path, payload, code in [("/completions", {"prompt": "a", "n": 0}, 400),
                                ("/chat/completions", {"messages": "hi"}, 400),
                                ("/nope", {}, 404)]:
        req = urllib.request.Request(base_url + path, data=json.dumps(payload).encode())
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(req)
        assert info.value.code == code


def test_server_refuses_non_loopback_host(hf):
    with pytest.raises(XlingError, match="loopback"):
        serve(hf, host="0.0.0.0")


def test_closed_port_raises_with_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(XlingError, match=f"127.0.0.1:{port}/v1/completions"):
        client(url, max_retries=1, backoff_s=0.01).generate(PROMPTS, SamplingParams())


class Scripted(JsonHandler):
    """FAIL -> 500 always; FLAKY -> 503 once; RATE -> 429 once; BAD -> 400; ECHO -> 500 or 401
    echoing the Authorization header; anything else -> 'ok:<prompt>'."""

    attempts: dict[str, int] = {}
    auth_seen: list[str] = []

    def do_POST(self):  # noqa: N802
        prompt = self.read_json()["prompt"]
        n = self.attempts[prompt] = self.attempts.get(prompt, 0) + 1
        self.auth_seen.append(self.headers.get("Authorization", ""))
        auth = self.headers.get("Authorization", "")
        if prompt.startswith("FAIL") or (prompt == "FLAKY" and n == 1):
            return self.send_json(503 if prompt == "FLAKY" else 500, {"error": {"message": "boom"}})
        if prompt == "RATE" and n == 1:
            return self.send_json(429, {"error": {"message": "slow down"}}, {"Retry-After": "0"})
        if prompt == "BAD":
            return self.send_json(400, {"error": {"message": "bad prompt"}})
        if prompt.startswith("ECHO"):
            code = 401 if prompt == "ECHO-401" else 500
            return self.send_json(code, {"error": {"message": f"rejected key {auth}"}})
        self.send_json(200, {"choices": [{"text": f"ok:{prompt}", "finish_reason": "length"}],
                         "usage": {"prompt_tokens": 3, "completion_tokens": 4}})


@pytest.fixture
def scripted(monkeypatch):
    monkeypatch.setenv("XLING_TEST_KEY", SECRET)
    Scripted.attempts, Scripted.auth_seen = {}, []
    with listening(Scripted) as url:
        yield client(url, api_key_env="XLING_TEST_KEY", max_retries=2, backoff_s=0.01)


def test_failures_are_recorded_and_retried(scripted):
    out = scripted.generate(["a", "FAIL", "FLAKY", "RATE", "BAD"], SamplingParams(max_new_tokens=4))
    ok, fail, flaky, rate, bad = (samples[0] for samples in out)
    assert ok.text == "ok:a" and ok.finish_reason == "length" and ok.completion_tokens == 4
    assert fail.finish_reason == "error" and "HTTP 500" in fail.error and "boom" in fail.error
    assert flaky.text == "ok:FLAKY" and rate.text == "ok:RATE"
    assert bad.finish_reason == "error" and "HTTP 400" in bad.error
    assert Scripted.attempts == {"a": 1, "FAIL": 3, "FLAKY": 2, "RATE": 2, "BAD": 1}
    assert set(Scripted.auth_seen) == {f"Bearer {SECRET}"}


def test_every_request_failing_raises(scripted):
    with pytest.raises(XlingError, match=r"every request to http://127\.0\.0\.1:\d+/v1/completions"):
        scripted.generate(["FAIL-1", "FAIL-2"], SamplingParams(n=2, temperature=1.0))


def test_api_key_never_in_errors_or_logs(scripted, caplog):
    caplog.set_level(logging.DEBUG)
    out = scripted.generate(["a", "ECHO-500"], SamplingParams())
    assert out[1][0].finish_reason == "error" and "rejected key Bearer ***" in out[1][0].error
    with pytest.raises(XlingError) as info:
        scripted.generate(["ECHO-401", "a"], SamplingParams())
    assert "HTTP 401" in str(info.value)
    assert SECRET not in str(info.value) and SECRET not in out[1][0].error
    assert SECRET not in caplog.text and "retry" in caplog.text


@contextlib.contextmanager
def silent_server(answer_first: bool = False):
    """A loopback server that accepts connections and never answers (except, if asked, the
    first request, with a valid completion). Yields (base_url, accepted connections)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.settimeout(0.05)
    conns: list[socket.socket] = []
    done = threading.Event()

    def answer(conn: socket.socket) -> None:
        buf = b""
        while b"\r\n\r\n" not in buf:
            buf += conn.recv(65536)
        head, _, body = buf.partition(b"\r\n\r\n")
        length = int(re.search(rb"content-length:\s*(\d+)", head, re.IGNORECASE).group(1))
        while len(body) < length:
            body += conn.recv(65536)
        data = json.dumps({"choices": [{"text": "ok", "finish_reason": "stop"}],
                           "usage": {"prompt_tokens": 1, "completion_tokens": 1}}).encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                     + f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
        conn.close()

    def loop() -> None:
        while not done.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            conns.append(conn)
            if answer_first and len(conns) == 1:
                answer(conn)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1", conns
    finally:
        done.set()
        thread.join(timeout=5)
        for conn in conns:
            conn.close()
        sock.close()


def test_silent_server_fails_after_one_timeout_with_one_line():
    with silent_server() as (url, conns):
        with pytest.raises(XlingError, match=r"no answer from http://127\.0\.0\.1:\d+/v1/completions "
                                             r"within 0\.5 s \(if the server is only slow, raise "
                                             r"--timeout\)") as info:
            client(url, timeout_s=0.5, max_retries=3).generate(PROMPTS, SamplingParams())
    assert "\n" not in str(info.value)
    assert len(conns) == 1  # the first request alone, not retried on a timeout


def test_retries_default_from_the_environment_and_the_timeout_from_the_flag(monkeypatch):
    from xling.generate.openai import DEFAULT_TIMEOUT_S

    monkeypatch.setenv("XLING_OPENAI_TIMEOUT_S", "0.5")  # replaced by --timeout: not read
    monkeypatch.setenv("XLING_OPENAI_MAX_RETRIES", "1")
    gen = client("http://127.0.0.1:9/v1")
    assert (gen.timeout_s, gen.max_retries) == (DEFAULT_TIMEOUT_S, 1)
    assert client("http://127.0.0.1:9/v1", timeout_s=7, max_retries=0).timeout_s == 7
    monkeypatch.setenv("XLING_OPENAI_MAX_RETRIES", "lots")
    with pytest.raises(XlingError, match=r"\$XLING_OPENAI_MAX_RETRIES must be an integer, got 'lots'"):
        client("http://127.0.0.1:9/v1")
    with pytest.raises(XlingError, match="timeout_s > 0"):
        client("http://127.0.0.1:9/v1", timeout_s=0, max_retries=0)


def test_server_that_stops_answering_stops_the_run():
    prompts = [f"q{i}" for i in range(8)]
    with silent_server(answer_first=True) as (url, conns):
        with pytest.raises(XlingError, match=r"stopped answering \(1 of 8 requests answered\): "
                                             r"no answer .* within 0\.3 s") as info:
            client(url, timeout_s=0.3, max_retries=1, backoff_s=0.01, max_concurrency=2).generate(
                prompts, SamplingParams())
    assert "\n" not in str(info.value)
    # 1 answered + at most 2 in flight x 2 attempts; without stopping, 1 + 7 x 2 = 15
    assert len(conns) <= 5


def test_a_line_is_logged_while_answers_are_outstanding(caplog):
    """A server that holds its answer: the wait is reported (the handler answers only once the
    heartbeat line has been logged, so no timing is assumed)."""
    caplog.set_level(logging.INFO, logger="xling.generate.openai")
    seen = threading.Event()

    class Holding(JsonHandler):
        def do_POST(self):  # noqa: N802
            self.read_json()
            seen.wait(60)
            self.send_json(200, {"choices": [{"text": " 4", "finish_reason": "stop"}],
                                 "usage": {"prompt_tokens": 1, "completion_tokens": 1}})

    def watch():
        while "waiting for" not in caplog.text:
            threading.Event().wait(0.01)
        seen.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    with listening(Holding) as url:
        try:
            got = client(url, timeout_s=60, heartbeat_s=0.05).generate(["2+2="], SamplingParams())
        finally:
            seen.set()
    assert got[0][0].text == " 4"
    line = next(r.getMessage() for r in caplog.records if "waiting for" in r.getMessage())
    assert line.startswith(f"waiting for {url}/completions: 0 of 1 answers after ")
    assert line.endswith("(each request waits at most 60 s: --timeout)")
