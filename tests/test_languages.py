"""The language registry holds every per-language literal, and nothing falls back to English.

Every registered language carries each of ``languages.REQUIRED_LITERALS`` and, for each
instruction-following rule set it belongs to, a row in every table of ``ifeval_rules.LITERALS``.
A new language without them is refused, and the refusal names each missing literal: checked here
with a fake language registered for the test.
Run: pytest tests/test_languages.py -v
"""

from __future__ import annotations

import dataclasses

import pytest

from xling.languages import LANGUAGES, REQUIRED_LITERALS, Language, build_prompt, get_language
from xling.schema import XlingError
from xling.scoring import ifeval_rules
from xling.scoring.ifeval_rules import LITERALS, RULE_SETS, missing_literals, rules_for


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_language_has_every_required_literal(code):
    language = LANGUAGES[code]
    assert language.code == code
    for name in REQUIRED_LITERALS:
        assert getattr(language, name) is not None, name
    assert language.think_opening.strip() and 0.2 < language.length_ratio < 2.0
    assert build_prompt("1+1?", code, "think-prefill", choices=["1", "2"]).startswith("1+1?\n")


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_each_rule_set_covers_a_language_in_every_table_or_in_none(code):
    for name in RULE_SETS:
        missing = missing_literals(name, code)
        assert missing in ([], [f"{table}[{(name, code)!r}] ({what})"
                                for table, (_, what) in LITERALS.items()]), (name, code, missing)
        if not missing:
            assert code in ifeval_rules.LANGS[name]
            rules = rules_for(name, code)
            assert rules.constrained and rules.quotes and rules.instructions


def test_every_rule_set_language_is_registered_and_its_tables_have_no_stray_rows():
    for name, langs in ifeval_rules.LANGS.items():
        assert set(langs) <= set(LANGUAGES), name
        for table_name, (table, _) in LITERALS.items():
            assert {lang for rule_set, lang in table if rule_set == name} == set(langs), table_name


def _fake(**fields) -> Language:
    """A language that is not in xling, with the literals of ``fields`` only."""
    base = dict(code="xx", name="Fake", native_name="Fake", script="Latn", decimal=".", group=",",
                native_digits=None, instruction="Think, then put the answer in \\boxed{}.",
                consistency="Answer only in Fake.", answer_phrases=("the answer is",))
    return Language(**base, **fields)


def test_a_language_without_its_literals_is_refused_naming_each():
    with pytest.raises(XlingError) as err:
        _fake()
    message = str(err.value)
    assert message.startswith("language 'xx' lacks ") and "xling/languages.py" in message
    for name in REQUIRED_LITERALS:
        assert name in message
    english = LANGUAGES["en"]
    with pytest.raises(XlingError, match="lacks think_opening") as err:
        _fake(choice=english.choice, length_ratio=1.0)
    assert "length_ratio" not in str(err.value) and "choice (" not in str(err.value)


def test_a_registered_language_without_ifeval_rules_is_refused_naming_each_table(monkeypatch):
    english = LANGUAGES["en"]
    fake = _fake(choice=english.choice, think_opening="Let me think in Fake.", length_ratio=1.0)
    monkeypatch.setitem(LANGUAGES, "xx", fake)
    assert get_language("xx") is fake
    for name in RULE_SETS:
        with pytest.raises(XlingError) as err:
            rules_for(name, "xx")
        message = str(err.value)
        assert f"{name} has no instruction rules for language 'xx'" in message
        assert "xling/scoring/ifeval_rules.py" in message
        for table in LITERALS:
            assert f"{table}[({name!r}, 'xx')]" in message, table
    from xling.scoring.ifeval import score_ifeval

    meta = {"instruction_id_list": ["detectable_format:title"], "kwargs": [{}]}
    with pytest.raises(XlingError, match="CONSTRAINED\\[\\('xifeval', 'xx'\\)\\]"):
        score_ifeval("<<Title>>", meta, "xx")


def test_the_registry_entries_are_frozen_and_complete():
    assert all(dataclasses.is_dataclass(lang) for lang in LANGUAGES.values())
    with pytest.raises(dataclasses.FrozenInstanceError):
        LANGUAGES["en"].think_opening = "x"  # type: ignore[misc]
