"""A study's controls: each criterion holds or fails on made-up correctness matrices.

Run: pytest -q tests/test_report_controls.py
"""

import numpy as np

from xling.report.controls import control_verdicts, controls_section

LANGS = ["en", "zh", "de", "es"]


def _mats(seed=0, n=200):
    rng = np.random.default_rng(seed)
    base = (rng.random((n, len(LANGS))) < 0.1).astype(float)  # the base rarely solves the skill
    return rng, base


def _flip(rng, mat, lang, share):
    """Turn a ``share`` of the wrong answers of one language right."""
    out = mat.copy()
    j = LANGS.index(lang)
    wrong = np.flatnonzero(out[:, j] == 0)
    out[rng.choice(wrong, int(share * len(wrong)), replace=False), j] = 1
    return out


def verdict(mats, role, label, train_langs):
    return control_verdicts(mats, "Base", {role: label}, LANGS, {label: train_langs})[0]


def test_positive_control_needs_every_language_to_gain():
    rng, base = _mats()
    everywhere = base
    for lang in LANGS:
        everywhere = _flip(rng, everywhere, lang, 0.5)
    all_but_es = _flip(rng, _flip(rng, _flip(rng, base, "en", 0.5), "zh", 0.5), "de", 0.5)
    mats = {"Base": base, "ALL": everywhere, "PART": all_but_es}
    assert verdict(mats, "positive", "ALL", LANGS)["held"] is True
    held = verdict(mats, "positive", "PART", LANGS)
    assert held["held"] is False and held["lo"][LANGS.index("es")] <= 0 < held["lo"][0]


def test_negative_control_fails_when_one_language_moves_and_tolerates_noise():
    rng, base = _mats(1)
    noise = base.copy()  # a few items flip each way: noise
    noise[rng.choice(np.flatnonzero(base[:, 1] == 1), 3, replace=False), 1] = 0
    noise[rng.choice(np.flatnonzero(base[:, 1] == 0), 4, replace=False), 1] = 1
    moved = _flip(rng, base, "de", 0.4)
    mats = {"Base": base, "NOISE": noise, "MOVED": moved, "SAME": base.copy()}
    assert verdict(mats, "negative", "SAME", ["de"])["held"] is True
    assert verdict(mats, "negative", "NOISE", ["de"])["held"] is True
    assert verdict(mats, "negative", "MOVED", ["de"])["held"] is False
    worse = base.copy()
    worse[:, 0] = 0  # forgetting English is a move too
    base[:, 0] = 1
    assert verdict({"Base": base, "W": worse}, "negative", "W", ["de"])["held"] is False


def test_transfer_probe_measures_the_languages_not_trained_on():
    rng, base = _mats(2)
    german_only = _flip(rng, base, "de", 0.8)
    spread = _flip(rng, _flip(rng, german_only, "es", 0.3), "en", 0.3)
    mats = {"Base": base, "DE": german_only, "SPREAD": spread}
    alone = verdict(mats, "transfer", "DE", ["de"])
    assert alone["unseen"] == ["en", "zh", "es"] and alone["held"] is False
    assert abs(alone["unseen_gain"][0]) < 1e-12  # German's own gain is not counted
    reached = verdict(mats, "transfer", "SPREAD", ["de"])
    assert reached["held"] is True and reached["unseen_gain"][1] > 0
    md = controls_section([alone, reached], LANGS, "sandbox", ["negative (N)"]).markdown
    assert "transfer: no" in md and "transfer: yes" in md and "Not finished yet: negative (N)" in md


def test_a_control_whose_cell_has_not_finished_is_left_out():
    _, base = _mats()
    assert control_verdicts({"Base": base}, "Base", {"positive": "P"}, LANGS, {}) == []
