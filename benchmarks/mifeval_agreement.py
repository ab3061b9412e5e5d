"""Does xling's IFEval scoring give M-IFEval's own verdicts? Measured on the authors' results.

M-IFEval's repository (lightblue-tech/M-IFEval, Apache-2.0) publishes, for 17 models in en, es,
fr and ja, every response with the per-instruction verdicts of its official checker
(``evaluations/<lang>_input_response_data_<model>/eval_results_{strict,loose}.jsonl``). This
script scores each response with ``scoring.ifeval`` (M-IFEval's rules, the staged prompts'
kwargs matched by prompt text) and counts, per language and instruction, where xling and the
official checker agree, strict and loose; disagreements are listed with the deliberate
difference or offline substitute that explains them (docs/ifeval.md).

Run: git clone https://github.com/lightblue-tech/M-IFEval /tmp/M-IFEval  (once), then
     python benchmarks/mifeval_agreement.py /tmp/M-IFEval/evaluations   (~10 min on 2 cores)
Writes benchmarks/results/mifeval_agreement.json.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

from xling.scoring.ifeval import base_id, score_ifeval
from xling.tiny import find_shared_data

OUT = Path(__file__).resolve().parent / "results" / "mifeval_agreement.json"
LANGS = ("en", "es", "fr", "ja")
LANGDETECT = {"language:response_language", "change_case:english_capital",
              "change_case:english_lowercase", "change_case:french_capital",
              "change_case:french_lowercase", "change_case:spanish_capital",
              "change_case:spanish_lowercase"}
"""The instructions whose check calls langdetect (seeded in xling, unseeded by the authors)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("evaluations", type=Path, help="M-IFEval's evaluations/ folder")
    parser.add_argument("--langs", default=",".join(LANGS))
    args = parser.parse_args()
    data = find_shared_data() / "m-ifeval"
    total: Counter[tuple[str, str, str]] = Counter()
    agree: Counter[tuple[str, str, str]] = Counter()
    explained: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    for lang in args.langs.split(","):
        inputs = {row["prompt"]: row for row in map(
            json.loads, (data / f"{lang}_input_data.jsonl").read_text("utf-8").splitlines())}
        for folder in sorted(args.evaluations.glob(f"{lang}_input_response_data_*")):
            loose = {r["prompt"]: r for r in map(
                json.loads, (folder / "eval_results_loose.jsonl").read_text("utf-8").splitlines())}
            for line in (folder / "eval_results_strict.jsonl").read_text("utf-8").splitlines():
                official = json.loads(line)
                row = inputs[official["prompt"]]
                response = official["response"] if isinstance(official["response"], str) else ""
                details = score_ifeval(response, {**row, "ifeval_rules": "m-ifeval"}, lang).details
                for kind, verdicts in (("strict", official["follow_instruction_list"]),
                                       ("loose", loose[official["prompt"]]["follow_instruction_list"])):
                    for inst, ok in zip(details["instructions"], verdicts, strict=True):
                        key = (lang, base_id(inst["id"]), kind)
                        total[key] += 1
                        if inst[kind] == ok:
                            agree[key] += 1
                        else:
                            why = (inst.get("deliberate") or inst.get("substitute")
                                   or ("seeded-langdetect" if key[1] in LANGDETECT else "other"))
                            explained[key][why] += 1
    result = {"per_language": {}, "disagreements": {}}
    for lang in sorted({k[0] for k in total}):
        for kind in ("strict", "loose"):
            keys = [k for k in total if k[0] == lang and k[2] == kind]
            n, a = sum(total[k] for k in keys), sum(agree[k] for k in keys)
            result["per_language"][f"{lang} {kind}"] = {"instructions": n, "agree": a,
                                                        "rate": round(a / n, 4)}
    for key in sorted(explained):
        result["disagreements"][" ".join(key)] = {
            "agree": agree[key], "of": total[key], "explained_by": dict(explained[key])}
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result["per_language"], indent=1))


if __name__ == "__main__":
    main()
