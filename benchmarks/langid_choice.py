"""Which language identifier should xling.scoring.language use? Accuracy and speed, measured.

Compares langid (study A's tool), py3langid (same model, faster) and lingua, each restricted to
the ten study languages, on real text in those languages:
- ``questions``: the 250 MGSM questions per language (shared/data/mgsm/mgsm_<lang>.tsv);
- ``snippets30`` / ``snippets15``: the first 30 / 15 characters of each question (short text);
- ``answer_sentences``: the sentences of the 8 MGSM exemplar answers per language (short,
  full of arithmetic), after ``clean_text``; ``_raw``: the same without cleaning;
- ``latex_heavy``: each exemplar answer rewritten with ``$$..$$`` around every equation and a
  ``\\[ .. \\boxed{} \\]`` line, as boxed-CoT models write, cleaned; ``_raw``: not cleaned.
Writes benchmarks/results/langid_choice.json. Run: python benchmarks/langid_choice.py (~1 min).
"""

from __future__ import annotations

import csv
import json
import re
import time
from pathlib import Path

from xling.languages import STUDY_LANGS
from xling.scoring.language import clean_text

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mgsm"
OUT = Path(__file__).resolve().parent / "results" / "langid_choice.json"


def _latex_heavy(answer: str) -> str:
    """An exemplar answer rewritten the way a boxed-CoT model writes: LaTeX around every step."""
    text = re.sub(r"(\d+(?: ?[-+*/=] ?\d+)+)",
                  lambda m: "$$" + m.group(1).replace("*", "\\times") + "$$", answer)
    return f"{text}\n\\[ \\frac{{a}}{{b}} \\cdot x^{{2}} = \\boxed{{11}} \\]"


def load_sets() -> dict[str, list[tuple[str, str]]]:
    exemplars = json.loads((DATA / "exemplars.json").read_text())["MGSM_EXEMPLARS"]
    sets: dict[str, list[tuple[str, str]]] = {}
    for lang in STUDY_LANGS:
        with open(DATA / f"mgsm_{lang}.tsv", encoding="utf-8", newline="") as f:
            questions = [row[0] for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]
        answers = [item["a"] for item in exemplars[lang].values()]
        sentences = [s for a in answers for s in re.findall(r"[^.!?。！？।]+[.!?。！？।]*", a)
                     if len(re.findall(r"[^\W\d_]", clean_text(s))) >= 2]
        for name, texts in {
            "questions": questions,
            "snippets30": [q[:30] for q in questions],
            "snippets15": [q[:15] for q in questions],
            "answer_sentences": [clean_text(s) for s in sentences],
            "answer_sentences_raw": sentences,
            "latex_heavy": [clean_text(_latex_heavy(a)) for a in answers],
            "latex_heavy_raw": [_latex_heavy(a) for a in answers],
        }.items():
            sets.setdefault(name, []).extend((t, lang) for t in texts)
    return sets


def classifiers():
    import langid.langid as langid_mod
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    original = langid_mod.LanguageIdentifier.from_modelstring(langid_mod.model, norm_probs=False)
    original.set_languages(list(STUDY_LANGS))
    fast = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
    fast.set_languages(list(STUDY_LANGS))
    codes = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in STUDY_LANGS]
    detector = LanguageDetectorBuilder.from_languages(*codes).build()

    def lingua_classify(text: str) -> str | None:
        found = detector.detect_language_of(text)
        return found.iso_code_639_1.name.lower() if found else None

    return {"langid": lambda t: original.classify(t)[0],
            "py3langid": lambda t: fast.classify(t)[0],
            "lingua": lingua_classify}


def main() -> None:
    sets = load_sets()
    results: dict[str, dict] = {}
    for name, classify in classifiers().items():
        classify("warm up")
        results[name] = {}
        for set_name, items in sets.items():
            start = time.perf_counter()
            predictions = [classify(text) for text, _ in items]
            seconds = time.perf_counter() - start
            per_lang = {lang: sum(p == g for p, (_, g) in zip(predictions, items, strict=True)
                                  if g == lang) / sum(g == lang for _, g in items)
                        for lang in STUDY_LANGS}
            results[name][set_name] = {
                "n": len(items),
                "acc": sum(p == g for p, (_, g) in zip(predictions, items, strict=True)) / len(items),
                "ms_per_text": 1000 * seconds / len(items),
                "acc_by_lang": per_lang,
            }
        print(name, {k: round(v["acc"], 4) for k, v in results[name].items()},
              {k: round(v["ms_per_text"], 3) for k, v in results[name].items()})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"candidates": list(STUDY_LANGS), "results": results}, indent=1))


if __name__ == "__main__":
    main()
