"""The static path's economics: the automatic path choice and the compile cache.

The rule is tested as a function and inside the hf backend given a CUDA-like device description
(the device string and the automatic batch size are all it reads before generating); the cache's
persistence across processes is tested for real on CPU (``compile=True``), where PyTorch compiles
the same way it does on a GPU, minus CUDA graphs. No timings are asserted.
Run: pytest tests/test_generate_static.py -v   (the cross-process test is marked slow)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from xling.generate import SamplingParams, expect_workload, get_generator
from xling.generate.static import (
    H200_QWEN05,
    CompileCache,
    choose_path,
    crossover_tokens,
    estimate_s,
    shape_key,
)

MGSM = SamplingParams(max_new_tokens=256)  # the evaluation: greedy, 256 new tokens


def budget(prompts: int, params: SamplingParams = MGSM) -> int:
    return prompts * (1 if params.greedy else params.n) * params.max_new_tokens


def test_rule_dynamic_for_small_static_for_large_on_cuda():
    cold = crossover_tokens("cold")
    assert choose_path("auto", "cuda:0", int(0.9 * cold)) == "dynamic"
    assert choose_path("auto", "cuda:0", int(1.1 * cold)) == "static"
    # the estimates it compares cross where it says
    assert estimate_s("static", round(cold)) == pytest.approx(estimate_s("dynamic", round(cold)), rel=1e-4)
    # on the measured basis: one MGSM language runs dynamic, all ten static
    assert choose_path("auto", "cuda", budget(250)) == "dynamic"
    assert choose_path("auto", "cuda", budget(2500)) == "static"


def test_forced_path_and_cpu_override_the_rule():
    assert choose_path("static", "cuda", 1) == "static"
    assert choose_path("dynamic", "cuda", budget(10**6)) == "dynamic"
    assert choose_path("auto", "cpu", budget(10**6)) == "dynamic"  # transformers compiles on GPU only


def test_cache_hit_shifts_the_crossover():
    assert 0 == crossover_tokens("compiled") < crossover_tokens("cached") < crossover_tokens("cold")
    between = int((crossover_tokens("cached") + crossover_tokens("cold")) / 2)
    assert choose_path("auto", "cuda", between, "cold") == "dynamic"
    assert choose_path("auto", "cuda", between, "cached") == "static"
    assert choose_path("auto", "cuda", 1, "compiled") == "static"  # already paid: always faster
    assert H200_QWEN05.warmup_s("cached") < H200_QWEN05.warmup_s("cold")


@pytest.fixture
def cuda_like(tiny_model, tmp_path, monkeypatch):
    """An hf generator on the tiny model that believes it is on CUDA with room for 512 rows."""
    monkeypatch.setenv("XLING_CACHE", str(tmp_path / "cache"))

    def make(**kwargs):
        gen = get_generator("hf", str(tiny_model), progress=False, **kwargs)
        gen.device, gen.compiles = "cuda:0", True  # what the rule reads
        gen._auto_size = lambda ids, params: 512  # what free memory would give
        return gen
    return make


def test_backend_weighs_the_announced_workload(cuda_like):
    gen = cuda_like()
    ids = [[5] * 40] * 250  # one language's prompts, one call
    assert gen.path == "auto" and gen.path_for(ids, MGSM) == "dynamic"
    expect_workload(gen, 2500, MGSM)  # evaluation announces all ten languages' chunks
    assert gen.path_for(ids, MGSM) == "static"
    assert gen.batch_size_for(ids, MGSM) == 512  # static: the fixed size, not evened out
    sampled = SamplingParams(n=8, temperature=1.0, max_new_tokens=256)
    assert gen.path_for(ids, sampled) == "static"  # 250 prompts x 8 samples is large too
    assert cuda_like(path="dynamic").path_for(ids, MGSM) == "dynamic"
    assert cuda_like(path="static").path_for([[5]], MGSM) == "static"


def test_backend_knows_a_cached_shape(cuda_like):
    gen = cuda_like()
    prompts = 1000  # between the cached and the cold crossover at 256 tokens
    assert crossover_tokens("cached") < budget(prompts) < crossover_tokens("cold")
    ids = [[5] * 40] * prompts
    assert gen.path_for(ids, MGSM) == "dynamic"
    rows, cache_len = gen._static_shape(ids, MGSM)
    assert (rows, cache_len) == (512, 64 + 256)  # 40-token prompts padded to the 64 bucket
    CompileCache().save(shape_key(gen.model, rows, cache_len), {"rows": rows})
    assert gen.path_for(ids, MGSM) == "static"
    other = gen._static_shape([[5] * 70] * prompts, MGSM)  # longer prompts: another shape
    assert other == (512, 128 + 256) and gen.path_for([[5] * 70] * prompts, MGSM) == "dynamic"


def test_environment_sets_path_and_compile_defaults(tiny_model, monkeypatch):
    from xling.schema import XlingError

    monkeypatch.setenv("XLING_HF_PATH", "static")
    gen = get_generator("hf", str(tiny_model), progress=False)
    assert gen.path == "static"
    out = gen.generate(["2+2="], SamplingParams(max_new_tokens=4))
    assert gen.last_path == "static" and out[0][0].completion_tokens <= 4
    assert get_generator("hf", str(tiny_model), path="dynamic", progress=False).path == "dynamic"
    monkeypatch.setenv("XLING_HF_PATH", "fast")
    with pytest.raises(XlingError, match="XLING_HF_PATH='fast' is not a generation path"):
        get_generator("hf", str(tiny_model), progress=False)
    monkeypatch.delenv("XLING_HF_PATH")
    monkeypatch.setenv("XLING_HF_COMPILE", "1")
    assert get_generator("hf", str(tiny_model), progress=False).compiles
    assert not get_generator("hf", str(tiny_model), compile=False, progress=False).compiles
    monkeypatch.setenv("XLING_HF_COMPILE", "yes")
    with pytest.raises(XlingError, match="XLING_HF_COMPILE must be 1 or 0"):
        get_generator("hf", str(tiny_model), progress=False)


def test_shape_key_ignores_weights_and_names_but_not_shape(tiny_model, tmp_path):
    gen = get_generator("hf", str(tiny_model), progress=False)
    key = shape_key(gen.model, 8, 320)
    gen.model.config.use_cache = False  # what TRL saves in a fine-tune's config
    gen.model.config._name_or_path = "runs/cell-1/checkpoint"
    assert shape_key(gen.model, 8, 320) == key
    assert len({key, shape_key(gen.model, 16, 320), shape_key(gen.model, 8, 384)}) == 3


def test_activate_keeps_a_chosen_inductor_dir(tmp_path, monkeypatch):
    cache = CompileCache(tmp_path / "compile")
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "mine"))
    assert cache.activate() == str(tmp_path / "mine")
    monkeypatch.delenv("TORCHINDUCTOR_CACHE_DIR")
    assert cache.activate() == str(tmp_path / "compile" / "inductor")
    assert os.environ["TORCHINDUCTOR_CACHE_DIR"] == str(cache.inductor_dir)


CHILD = """
import json, sys
from torch._dynamo.utils import counters
from xling.generate import SamplingParams, get_generator
gen = get_generator("hf", sys.argv[1], path="static", compile=True, progress=False)
params = SamplingParams(max_new_tokens=12)
prompts = ["2+2=", "Janet's ducks lay 16 eggs per day.", "珍妮特的鸭子每天下 16 颗蛋。"]
shape = gen._static_shape(gen.tokenizer(prompts)["input_ids"], params)
before = gen._warmth(*shape)
out = gen.generate(prompts, params)
print(json.dumps({"before": before, "after": gen._warmth(*shape), "texts": [s[0].text for s in out],
                  "hits": counters["inductor"]["fxgraph_cache_hit"],
                  "misses": counters["inductor"]["fxgraph_cache_miss"]}))
"""


@pytest.mark.slow
def test_compilation_is_paid_once_per_machine_and_shape(tiny_model, tmp_path):
    """Three processes compile the same static shape on CPU: the first compiles, the second
    reads PyTorch's on-disk cache under $XLING_CACHE, the third (PyTorch's cache directory
    emptied) is refilled from xling's saved artefacts (torch.compiler.load_cache_artifacts)."""
    env = {**os.environ, "XLING_CACHE": str(tmp_path / "xc"), "OMP_NUM_THREADS": "1"}
    env.pop("TORCHINDUCTOR_CACHE_DIR", None)

    def child(**extra):
        done = subprocess.run([sys.executable, "-c", CHILD, str(tiny_model)], env={**env, **extra},
                              capture_output=True, text=True, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])

    first = child()
    assert (first["before"], first["after"], first["misses"], first["hits"]) == ("cold", "compiled", 1, 0)
    shapes = list((tmp_path / "xc" / "compile" / "shapes").iterdir())
    assert sorted(p.suffix for p in shapes) == [".bin", ".json"]
    assert any((tmp_path / "xc" / "compile" / "inductor").iterdir())
    second = child()
    assert (second["before"], second["hits"], second["misses"]) == ("cached", 1, 0)
    third = child(TORCHINDUCTOR_CACHE_DIR=str(tmp_path / "empty"))
    assert (third["hits"], third["misses"]) == (1, 0)
    assert first["texts"] == second["texts"] == third["texts"]
    # the compiled static path samples what the uncompiled dynamic one does
    dynamic = get_generator("hf", str(tiny_model), path="dynamic", progress=False)
    prompts = ["2+2=", "Janet's ducks lay 16 eggs per day.", "珍妮特的鸭子每天下 16 颗蛋。"]
    assert [s[0].text for s in dynamic.generate(prompts, SamplingParams(max_new_tokens=12))] == first["texts"]
