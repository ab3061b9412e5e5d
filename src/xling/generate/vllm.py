"""The vLLM backend (optional extra ``pip install xling[vllm]``; imported only when chosen).

Stage: generate. Offline batched generation with ``vllm.LLM``: all prompts go to the engine at
once as token ids (it schedules and batches itself). xling tokenizes (and renders the chat
template) with the engine's own tokenizer, exactly as the hf backend does, so prompt token
counts and prompts agree across backends. Checked against vLLM 0.34.0 (tests/cases/vllm_api.json,
written by scripts/extract_vllm_api.py); the keywords used exist in vLLM >= 0.6.5.

``SamplingParams`` -> ``vllm.SamplingParams`` (``to_vllm_kwargs``), field for field:

==================  =========================================================================
xling               vLLM
==================  =========================================================================
n                   n (greedy: n=1, the one completion copied n times; vLLM refuses n>1 at
                    temperature 0)
temperature         temperature (0 = greedy)
top_p               top_p
(no top-k)          top_k=-1 (off; -1 is accepted by every vLLM version, 0 only from 0.8)
max_new_tokens      max_tokens
seed                seed (per request: a prompt's samples depend on the prompt and the seed,
                    not on the other prompts of the call)
stop                stop, include_stop_str_in_output=False (the text ends before the stop)
(sampling is the    min_p=0, presence/frequency_penalty=0, repetition_penalty=1, ignore_eos=False,
whole truth)        skip_special_tokens=True; the engine is built with generation_config="vllm"
                    so a checkpoint's generation_config.json changes nothing
==================  =========================================================================

Outputs: ``finish_reason`` 'stop' / 'length' as vLLM reports it ('length' also when the
sequence reached ``max_model_len`` before ``max_new_tokens``), 'error' for an aborted request;
``prompt_tokens`` = the prompt's token ids, ``completion_tokens`` = the completion's. A prompt
with ``max_model_len`` tokens or more is refused before the engine runs (vLLM would fail the
whole call). For a served model use the ``openai`` backend against ``vllm serve`` instead.

Try:  xling eval --backend vllm --model Qwen/Qwen2.5-3B --benchmark mgsm --limit 20
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from xling.generate import SamplingParams, TokenizedBackend, truncate_at_stop
from xling.schema import Generation, XlingError

log = logging.getLogger(__name__)

def to_vllm_kwargs(params: SamplingParams) -> dict[str, Any]:
    """Keywords for ``vllm.SamplingParams`` that sample exactly as ``params`` says.

    >>> to_vllm_kwargs(SamplingParams(n=4, max_new_tokens=64, stop=("\\n\\n",)))["n"]  # greedy
    1
    >>> kw = to_vllm_kwargs(SamplingParams(n=4, temperature=0.7, seed=3))
    >>> kw["n"], kw["temperature"], kw["top_k"], kw["max_tokens"], kw["seed"], kw["stop"]
    (4, 0.7, -1, 512, 3, None)
    """
    return {
        "n": 1 if params.greedy else params.n,
        "temperature": params.temperature,
        "top_p": params.top_p,
        "top_k": -1,
        "min_p": 0.0,
        "presence_penalty": 0.0,
        "frequency_penalty": 0.0,
        "repetition_penalty": 1.0,
        "max_tokens": params.max_new_tokens,
        "seed": params.seed,
        "stop": list(params.stop) or None,
        "include_stop_str_in_output": False,
        "ignore_eos": False,
        "skip_special_tokens": True,
    }


class VLLMGenerator(TokenizedBackend):
    """Generate with a ``vllm.LLM`` engine.

    Args:
        model: local checkpoint directory or hub id.
        dtype: passed to vLLM (``"auto"``, ``"bfloat16"``, ...).
        chat_template: render each prompt as a user turn with the tokenizer's chat template.
        system_prompt: system message prepended in chat mode.
        gpu_memory_utilization: fraction of GPU memory vLLM may take (weights + KV cache).
        max_model_len: cap on prompt + completion tokens (None = the model's context length;
            lower it when the model's own is too long for the KV cache to fit).
        tensor_parallel_size: GPUs to shard over.
        seed: the engine's seed (samples are seeded per request by ``SamplingParams.seed``).
        progress: vLLM's own progress bar.
        **engine_kwargs: any other ``vllm.LLM`` / ``EngineArgs`` argument (e.g. ``enforce_eager``).

    Raises:
        XlingError: vLLM is not installed, or chat_template=True and the tokenizer has none.
    """

    def __init__(
        self,
        model: str | Path,
        *,
        dtype: str = "auto",
        chat_template: bool = False,
        system_prompt: str | None = None,
        gpu_memory_utilization: float = 0.9,
        max_model_len: int | None = None,
        tensor_parallel_size: int = 1,
        seed: int = 0,
        progress: bool = True,
        **engine_kwargs: Any,
    ) -> None:
        try:
            import vllm
        except ImportError as exc:
            raise XlingError(
                "the vllm backend needs vLLM: pip install 'xling[vllm]' (GPU machines only)"
            ) from exc
        self._vllm = vllm
        self.model_name = str(model)
        self.chat_template = chat_template
        self.system_prompt = system_prompt
        self.show_progress = progress
        engine_kwargs.setdefault("generation_config", "vllm")  # ignore the checkpoint's sampling
        self.llm = vllm.LLM(
            model=self.model_name, dtype=dtype, gpu_memory_utilization=gpu_memory_utilization,
            max_model_len=max_model_len, tensor_parallel_size=tensor_parallel_size, seed=seed,
            **engine_kwargs,
        )
        self.tokenizer = self.llm.get_tokenizer()
        if not Path(self.model_name).exists():  # a hub model: record the commit vLLM read
            from xling.hub import model_revision
            from xling.provenance import note_model

            note_model(self.model_name, model_revision(self.model_name))
        if chat_template and not getattr(self.tokenizer, "chat_template", None):
            raise XlingError(f"chat_template=True but the tokenizer of {model} has no chat template")
        self.max_model_len: int | None = _engine_max_model_len(self.llm) or max_model_len

    def _generate_ids(self, ids: list[list[int]], params: SamplingParams) -> list[list[Generation]]:
        for i, row in enumerate(ids):
            if not row:
                raise XlingError(f"prompt {i} is empty after tokenization")
            if self.max_model_len is not None and len(row) >= self.max_model_len:
                raise XlingError(f"prompt {i} has {len(row)} tokens; the engine's max_model_len "
                                 f"is {self.max_model_len} (raise max_model_len or shorten it)")
        sampling = self._vllm.SamplingParams(**to_vllm_kwargs(params))
        outputs = self.llm.generate([{"prompt_token_ids": row} for row in ids], sampling,
                                    use_tqdm=self.show_progress)
        if len(outputs) != len(ids):
            raise XlingError(f"vLLM returned {len(outputs)} outputs for {len(ids)} prompts")
        results = []
        for row, out in zip(ids, outputs, strict=True):
            n_prompt = len(out.prompt_token_ids or row)
            samples = [to_generation(c, n_prompt, params) for c in out.outputs]
            results.append(samples * params.n if params.greedy else samples)
        return results


def to_generation(completion: Any, n_prompt: int, params: SamplingParams) -> Generation:
    """One vLLM ``CompletionOutput`` as a ``Generation`` (finish reasons: module docstring)."""
    n_tok = len(completion.token_ids)
    if completion.finish_reason not in ("stop", "length"):
        return Generation("", n_prompt, n_tok, "error",
                          error=f"vLLM finish_reason={completion.finish_reason!r}")
    text, hit = truncate_at_stop(completion.text, params.stop)
    finish = "length" if completion.finish_reason == "length" and not hit else "stop"
    return Generation(text, n_prompt, n_tok, finish)


def _engine_max_model_len(llm: Any) -> int | None:
    """The engine's resolved context cap (``model_config.max_model_len``), if it exposes one."""
    for owner in (llm, getattr(llm, "llm_engine", None)):
        value = getattr(getattr(owner, "model_config", None), "max_model_len", None)
        if isinstance(value, int):
            return value
    return None
