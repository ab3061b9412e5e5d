"""Generation speed of the hf backend (and the openai backend through xling's server).

Stage: generate. Builds the tiny model (or takes --model), samples 64 tokens for MGSM
questions at several batch sizes, and prints a Markdown table of completion tokens per second.
Try:  OMP_NUM_THREADS=1 python benchmarks/generate_speed.py --prompts 32
"""

from __future__ import annotations

import argparse
import tempfile
import time

from xling.generate import SamplingParams, get_generator
from xling.generate.server import serve
from xling.tiny import build_tiny_model, default_corpus


def timed(gen, prompts, params) -> tuple[float, int]:
    start = time.perf_counter()
    out = gen.generate(prompts, params)
    return time.perf_counter() - start, sum(g.completion_tokens for s in out for g in s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="checkpoint dir (default: build tiny)")
    parser.add_argument("--prompts", type=int, default=32)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    args = parser.parse_args()
    corpus = default_corpus()
    prompts = corpus[:: len(corpus) // args.prompts][: args.prompts]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        model = args.model or str(build_tiny_model(tmp, corpus))
        print(f"tiny model build: {time.perf_counter() - start:.1f} s\n")
        print("| backend | batch | sampling | s | tok/s |\n|---|---|---|---|---|")
        for batch_size in (1, 8, 32):
            gen = get_generator("hf", model, batch_size=batch_size, progress=False)
            for name, params in [("greedy", SamplingParams(max_new_tokens=args.max_new_tokens)),
                                 ("n=4 T=1", SamplingParams(n=4, temperature=1.0,
                                                            max_new_tokens=args.max_new_tokens))]:
                secs, toks = timed(gen, prompts, params)
                print(f"| hf | {batch_size} | {name} | {secs:.2f} | {toks / secs:.0f} |")
        server, _ = serve(model, batch_size=1)
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        client = get_generator("openai", "tiny", base_url=url, progress=False)
        secs, toks = timed(client, prompts, SamplingParams(max_new_tokens=args.max_new_tokens))
        print(f"| openai via xling server | 1 | greedy | {secs:.2f} | {toks / secs:.0f} |")
        server.shutdown()


if __name__ == "__main__":
    main()
