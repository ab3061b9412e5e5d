"""The symbolic-equivalence worker: Math-Verify in a child process, JSON lines over pipes.

Stage: score (internal). ``xling.scoring.math`` starts it with ``subprocess`` (never through
``multiprocessing``), as ``python -I -c "<set sys.path>; from xling.scoring._worker import main;
main()"``: the caller's ``__main__`` (a script, stdin, a notebook) is never imported again, so no
user code runs here. Protocol, one JSON object per line (ASCII):

    worker -> parent   {"ready": true}                      once Math-Verify is imported and warm
    parent -> worker   {"gold": "..", "pred": "..", "seconds": 1}
    worker -> parent   {"result": true | false | null}      null = the prediction did not parse
                       {"error": "<Type>: <message>"}       Math-Verify raised

Each request runs on this process's main thread, so Math-Verify's SIGALRM timeouts work; the
parent adds its own wall-clock deadline and kills the worker when it passes. End of input (the
parent closed the pipe or died) ends the worker. Anything a library prints goes to stderr, which
the parent keeps for error messages.
Try:  echo '{"gold": "1/2", "pred": "0.5", "seconds": 1}' | python -c "from xling.scoring._worker import main; main()"
"""

from __future__ import annotations

import json
import os
import signal
import sys


def check(gold: str, pred: str, seconds: int) -> bool | None:
    """Math-Verify's ``verify(gold, pred)`` (gold first); None when ``pred`` does not parse."""
    from math_verify import parse, verify

    parsed = parse(f"${pred}$", parsing_timeout=seconds)
    if not parsed:
        return None
    return bool(verify(parse(f"${gold}$", parsing_timeout=seconds), parsed, timeout_seconds=seconds))


def main() -> None:
    """Serve requests from stdin until it closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; EOF ends us
    out = os.fdopen(os.dup(1), "w", encoding="ascii", buffering=1)  # the protocol channel
    os.dup2(2, 1)  # stray prints of libraries go to stderr, never into the protocol
    sys.stdout = sys.stderr
    check("\\frac{1}{2}", "\\frac{\\sqrt{2}}{2}", 5)  # imports sympy's LaTeX path now, not per request
    out.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        try:
            request = json.loads(line)
            reply = {"result": check(str(request["gold"]), str(request["pred"]),
                                     max(1, int(request["seconds"])))}
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which counts it
            reply = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        out.write(json.dumps(reply) + "\n")
    out.flush()
    os._exit(0)  # end of input: skip tearing down sympy's caches (most of a second)


if __name__ == "__main__":
    main()
