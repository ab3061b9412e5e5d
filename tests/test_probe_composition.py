"""Language composition probe: shares per question language, mixed responses split."""

import pytest

from xling.probes.composition import composition_by_lang


def test_composition_of_pure_mixed_and_math_only_responses():
    out = composition_by_lang({
        "de": ["Wir addieren die Zahlen und erhalten das Ergebnis. Die Antwort ist 7.",
               "We add the numbers and get the result. The answer is 7."],
        "en": ["$3 + 4 = 7$"],
    })
    assert out["de"]["de"] == pytest.approx(0.5, abs=0.05)
    assert out["de"]["en"] == pytest.approx(0.5, abs=0.05)
    assert sum(out["de"].values()) == pytest.approx(1.0)
    assert out["en"] == {"none": 1.0}
