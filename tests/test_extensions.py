"""A user's own extensions, each a dotted path to a module outside the package, run in a study.

The test writes ``xling_user_ext.py`` (one of each kind: a scorer, a training pool, a reward, a
paradigm, a generation backend and a probe) into a temporary directory on ``sys.path``, names each
in a study file by its dotted path, and runs the study on the sandbox base: the user's pool feeds
both trained cells, the user's paradigm trains one, GRPO trains the other with the user's reward
(which reads the user's scorer through ``scoring.judge``, as xling's accuracy reward does), the
user's backend answers the evaluation of a card scored by the user's scorer, and the user's probe
writes its result and its report section. A typo in a dotted path is refused with the study
file's name and key before anything runs. Run: pytest tests/test_extensions.py -v
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from xling.schema import XlingError

EXTENSIONS = '''
"""xling extensions of a user, outside the package."""

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from xling.schema import Example, Generation, Section, Verdict, markdown_table
from xling.train import Paradigm
from xling.train.rewards import Reward, accuracy_reward, scorer_columns

CALLS = []


def hash_scorer(text, gold, lang, *, choices=None, meta=None):
    """Right when the answer text holds the gold after a '#' ("#7")."""
    found = f"#{gold}" in text
    return Verdict(extracted=gold if found else None, correct=found,
                   reason="hash" if found else "no-hash")


def load_pool(langs):
    """Eight problems per language, scored by hash_scorer."""
    return [Example(f"{lang}-{i}", str(i), lang, f"{i} + 1 = ?", str(i + 1),
                    solution=f"{i} + 1 = {i + 1}. #{i + 1}", source="user",
                    meta={"scorer": "xling_user_ext:hash_scorer"})
            for i in range(8) for lang in langs]


def hash_or_short(completions, answer, lang, **columns):
    """The item's own scorer, plus a little for brevity."""
    acc = accuracy_reward(completions, answer, lang, **scorer_columns(columns))
    return [a + 0.1 / (1 + len(c)) for a, c in zip(acc, completions)]


HASH_OR_SHORT = Reward(hash_or_short)


@dataclass
class CopyConfig:
    note: str = "copied"
    seed: int = 0


def run_copy(model, examples, cfg, out):
    """'Trains' by copying the base model and recording what it was given."""
    out = Path(out)
    shutil.copytree(model, out / "checkpoint", dirs_exist_ok=True)
    (out / "copy.json").write_text(json.dumps(
        {"n": len(examples), "note": cfg.note, "seed": cfg.seed,
         "scorers": sorted({e.meta["scorer"] for e in examples})}))
    return out / "checkpoint"


PARADIGM = Paradigm(config=CopyConfig, run=run_copy, kind="sft", help="Copy the base model.")


class EchoGenerator:
    """Answers '#1' to every prompt."""

    def __init__(self, model, **options):
        CALLS.append(("backend", model, sorted(options)))

    def generate(self, prompts, params):
        return [[Generation("The answer is #1", len(p), 4) for _ in range(params.n)]
                for p in prompts]


class CountProbe:
    def run(self, ctx):
        return {"questions": len(ctx.examples), "trained": ctx.trained}

    def section(self, results, out):
        rows = [[label, str(r.value["questions"])] for label, r in results.items()]
        return Section("questions each cell was probed on", markdown_table(["model", "n"], rows))


COUNT = CountProbe()
'''


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """``xling_user_ext`` importable from a directory outside the package, and a card whose
    scorer is the user's."""
    root = tmp_path / "user"
    root.mkdir()
    (root / "xling_user_ext.py").write_text(EXTENSIONS, encoding="utf-8")
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.delitem(sys.modules, "xling_user_ext", raising=False)
    rows = [{"q": f"{i} + 1 = ?", "gold": str(i + 1)} for i in range(4)]
    for lang in ("en", "de"):
        (root / f"{lang}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (root / "card.yaml").write_text(textwrap.dedent("""\
        name: hash-bench
        files: {en: en.jsonl, de: de.jsonl}
        fields: {question: q, answer: gold}
        scorer: xling_user_ext:hash_scorer
    """))
    return root


def user_study(root: Path, base: Path, out: Path, **changes) -> Path:
    spec = {
        "name": "user-extensions", "base_model": str(base), "out": str(out),
        "backend": "xling_user_ext:EchoGenerator",
        "pool": {"name": "xling_user_ext:load_pool", "n": 4},
        "grid": {"paradigms": ["xling_user_ext:PARADIGM", "grpo"], "train_langs": [["de"]]},
        "paradigm_config": {"grpo": {
            "reward": "xling_user_ext:HASH_OR_SHORT", "num_generations": 2, "per_device_batch": 2,
            "max_completion_length": 4, "learning_rate": 1e-5, "trl": {"max_steps": 1}}},
        "eval": {"benchmarks": [str(root / "card.yaml")], "langs": "en,de", "max_new_tokens": 4},
        "probes": ["xling_user_ext:COUNT"],
        **changes,
    }
    path = root / "study.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def test_each_kind_of_extension_runs_from_a_dotted_path(user_module, sandbox_base, tmp_path):
    from xling.data.io import read_jsonl
    from xling.report.study import build_sections
    from xling.study.grid import resolve_cells
    from xling.study.runner import run_study
    from xling.study.spec import load_spec

    study = load_spec(user_study(user_module, sandbox_base, tmp_path / "runs"))
    statuses = run_study(study)
    assert [s.state for s in statuses] == ["done"] * 3
    cells = {c.spec.paradigm: c for c in resolve_cells(study)}

    # The user's paradigm trained on the user's pool (its items carry the user's scorer).
    copied = json.loads((cells["xling_user_ext:PARADIGM"].run.train_dir / "copy.json").read_text())
    assert copied == {"n": 4, "note": "copied", "seed": 0, "scorers": ["xling_user_ext:hash_scorer"]}
    # GRPO trained one step with the user's reward, logged under its own name.
    log = read_jsonl(cells["grpo"].run.train_dir / "train_log.jsonl")
    assert any("rewards/hash_or_short/mean" in row for row in log)

    # The user's backend answered '#1' everywhere; the user's scorer found it right for gold 1.
    import xling_user_ext

    assert [c[0] for c in xling_user_ext.CALLS] == ["backend"] * 3  # once per cell
    for cell in cells.values():
        metrics = cell.run.read_metrics()["benchmarks"]["hash-bench"]["langs"]
        assert {lang: m["acc"]["value"] for lang, m in metrics.items()} == {"en": 0.25, "de": 0.25}
        probes = json.loads(cell.run.probes.read_text())
        assert probes["xling_user_ext:COUNT"]["questions"] == 8  # 4 per language
    # ... and its report section is rendered.
    titles = [s.title for s in build_sections(study, tmp_path / "report")]
    assert "questions each cell was probed on" in titles
    # The user's paradigm says it is SFT-kind: the report pairs GRPO against it.
    assert "hash-bench: does RL beat SFT?" in titles


@pytest.mark.parametrize("changes,match", [
    ({"backend": "xling_user_ext:EchoGenerater"}, r"backend: backend 'xling_user_ext:EchoGenerater': "
                                                   r"module 'xling_user_ext' has no 'EchoGenerater'"),
    ({"pool": {"name": "xling_user_ext:CALLS", "n": 4}}, r"pool\.name: pool 'xling_user_ext:CALLS' "
                                                         r"is a list, not a Callable"),
    ({"grid": {"paradigms": ["xling_user_ext:run_copy"], "train_langs": [["de"]]}},
     r"grid\.paradigms\[0\]: paradigm 'xling_user_ext:run_copy' is a function, not a Paradigm"),
    ({"grid": {"paradigms": ["no_such_module:PARADIGM"], "train_langs": [["de"]]}},
     r"grid\.paradigms\[0\]: cannot import paradigm 'no_such_module:PARADIGM'"),
    ({"probes": ["xling_user_ext:hash_scorer"]}, r"probes: probe 'xling_user_ext:hash_scorer' is a "
                                                 r"function, not a Probe"),
    ({"paradigm_config": {"grpo": {"reward": "xling_user_ext:HASH_OR_SHORTT"}}},
     r"cell GRPO\(de\) .*reward 'xling_user_ext:HASH_OR_SHORTT': module 'xling_user_ext' has no"),
])
def test_a_wrong_dotted_path_is_refused_with_its_key(user_module, tmp_path, changes, match):
    from xling.study.spec import load_spec

    with pytest.raises(XlingError, match=r"study\.yaml: " + match):
        load_spec(user_study(user_module, tmp_path, tmp_path / "runs", **changes))


def test_a_card_with_a_scorer_that_does_not_resolve_is_refused(user_module, tmp_path):
    from xling.study.spec import load_spec

    card = user_module / "card.yaml"
    card.write_text(card.read_text().replace("hash_scorer", "hash_scorrer"))
    with pytest.raises(XlingError, match=r"eval\.benchmarks: .*card\.yaml.*scorer.*"
                                         r"module 'xling_user_ext' has no 'hash_scorrer'"):
        load_spec(user_study(user_module, tmp_path, tmp_path / "runs"))
