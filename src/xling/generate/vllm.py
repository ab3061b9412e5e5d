"""The vLLM backend (optional extra ``pip install xling[vllm]``; imported only when chosen).

Stage: generate. Offline batched generation with ``vllm.LLM``: all prompts go to the engine
at once (it schedules and batches itself), ``SamplingParams`` maps field for field
(max_new_tokens -> max_tokens; top_k is left off), and a per-request seed keeps samples
reproducible. For a served model use the ``openai`` backend against ``vllm serve`` instead.

Try:  xling eval --backend vllm --model Qwen/Qwen2.5-3B --benchmark mgsm --limit 20
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from xling.generate import SamplingParams, truncate_at_stop
from xling.schema import Generation, XlingError

log = logging.getLogger(__name__)


class VLLMGenerator:
    """Generate with a ``vllm.LLM`` engine.

    Args:
        model: local checkpoint directory or hub id.
        dtype: passed to vLLM (``"auto"``, ``"bfloat16"``, ...).
        chat_template: render each prompt as a user turn with the tokenizer's chat template.
        system_prompt: system message prepended in chat mode.
        gpu_memory_utilization: fraction of GPU memory vLLM may take.
        max_model_len: context length cap (None = the model's).
        tensor_parallel_size: GPUs to shard over.
        progress: vLLM's own progress bar.
        **engine_kwargs: any other ``vllm.LLM`` argument.

    Raises:
        XlingError: vLLM is not installed.
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
        self.llm = vllm.LLM(
            model=self.model_name, dtype=dtype, gpu_memory_utilization=gpu_memory_utilization,
            max_model_len=max_model_len, tensor_parallel_size=tensor_parallel_size,
            **engine_kwargs,
        )
        self.tokenizer = self.llm.get_tokenizer()

    def generate(self, prompts: list[str], params: SamplingParams) -> list[list[Generation]]:
        """Sample ``params.n`` completions per prompt; outer list in prompt order."""
        if not prompts:
            return []
        if self.chat_template:
            system = [{"role": "system", "content": self.system_prompt}] if self.system_prompt else []
            prompts = [
                self.tokenizer.apply_chat_template(
                    [*system, {"role": "user", "content": p}], tokenize=False,
                    add_generation_prompt=True,
                )
                for p in prompts
            ]
        sampling = self._vllm.SamplingParams(
            n=params.n, temperature=params.temperature, top_p=params.top_p,
            max_tokens=params.max_new_tokens, seed=params.seed, stop=list(params.stop) or None,
        )
        outputs = self.llm.generate(prompts, sampling, use_tqdm=self.show_progress)
        return [
            [self._to_generation(c, len(out.prompt_token_ids or []), params) for c in out.outputs]
            for out in outputs
        ]

    @staticmethod
    def _to_generation(completion: Any, n_prompt: int, params: SamplingParams) -> Generation:
        text, hit = truncate_at_stop(completion.text, params.stop)
        finish = "length" if completion.finish_reason == "length" and not hit else "stop"
        return Generation(text, n_prompt, len(completion.token_ids), finish)
