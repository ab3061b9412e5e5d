"""The language registry: one ``Language`` entry per supported ISO 639-1 code.

Stage: all. Holds everything xling knows about a language: names, script, how numbers are
written (CLDR decimal and grouping symbols, native digits; EVAL_NOTES.md section 4), the
prompt texts of reference study A (standard boxed instruction, English instruction,
consistency instruction) and the "the answer is" phrases the scorer falls back on.
Adding a language = adding one entry to ``LANGUAGES``.

>>> get_language("de").decimal
','
>>> parse_langs("en,de")
['en', 'de']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xling.schema import XlingError

STUDY_LANGS: tuple[str, ...] = ("en", "zh", "de", "es", "fr", "ja", "ru", "th", "sw", "bn")
"""The ten evaluation languages of the reference studies, in their table order."""

NNBSP = "\u202f"  # narrow no-break space: French grouping (CLDR)
NBSP = "\u00a0"  # no-break space: Russian grouping (CLDR)

ENGLISH_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."


@dataclass(frozen=True)
class Language:
    """Everything language-specific, in one place."""

    code: str
    """ISO 639-1."""
    name: str
    """English name ('German')."""
    native_name: str
    """Endonym ('Deutsch')."""
    script: str
    """ISO 15924 ('Latn', 'Hans', 'Jpan', 'Cyrl', 'Thai', 'Beng', 'Telu')."""
    decimal: str
    """CLDR decimal separator."""
    group: str
    """CLDR grouping separator."""
    native_digits: str | None
    """The ten native digits 0-9 if the language has its own (CLDR native numbering system)."""
    instruction: str
    """Study A's boxed instruction written in this language."""
    consistency: str
    """'Reason and answer only in <this language>', written in this language (study A)."""
    answer_phrases: tuple[str, ...]
    """Phrases that introduce a final answer when no \\boxed{} is present (longest first)."""
    indian_grouping: bool = False
    """Groups as 12,34,567 (lakh/crore) rather than 1,234,567."""
    uses_spaces: bool = True
    """Whether words are separated by spaces (False for zh, ja, th)."""


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in [
        Language(
            "en", "English", "English", "Latn", ".", ",", None,
            ENGLISH_INSTRUCTION,
            "Reason and answer only in English.",
            ("the final answer is", "the answer is", "final answer:", "answer:"),
        ),
        Language(
            "zh", "Chinese", "中文", "Hans", ".", ",", "〇一二三四五六七八九",
            "请逐步推理，并将最终答案放在 \\boxed{} 中。",
            "请只用中文进行思考和回答。",
            ("最终答案是", "答案是", "答案为", "答案：", "答案:"),
            uses_spaces=False,
        ),
        Language(
            "de", "German", "Deutsch", "Latn", ",", ".", None,
            "Bitte denke Schritt für Schritt nach und gib deine endgültige Antwort in \\boxed{} an.",
            "Denke und antworte ausschließlich auf Deutsch.",
            ("die endgültige antwort lautet", "die antwort lautet", "die antwort ist", "antwort:",
             "ergebnis:"),
        ),
        Language(
            "es", "Spanish", "Español", "Latn", ",", ".", None,
            "Por favor, razona paso a paso y escribe tu respuesta final dentro de \\boxed{}.",
            "Razona y responde únicamente en español.",
            ("la respuesta final es", "la respuesta es", "respuesta:"),
        ),
        Language(
            "fr", "French", "Français", "Latn", ",", NNBSP, None,
            "Veuillez raisonner étape par étape et mettre votre réponse finale dans \\boxed{}.",
            "Raisonne et réponds uniquement en français.",
            ("la réponse finale est", "la réponse est", "réponse :", "réponse:"),
        ),
        Language(
            "ja", "Japanese", "日本語", "Jpan", ".", ",", None,
            "段階的に推論し、最終的な答えを \\boxed{} の中に入れてください。",
            "日本語だけで考え、日本語だけで答えてください。",
            ("最終的な答えは", "答えは", "答え：", "答え:", "解答："),
            uses_spaces=False,
        ),
        Language(
            "ru", "Russian", "Русский", "Cyrl", ",", NBSP, None,
            "Пожалуйста, рассуждай шаг за шагом и запиши окончательный ответ в \\boxed{}.",
            "Рассуждай и отвечай только на русском языке.",
            ("окончательный ответ:", "ответ равен", "ответ —", "ответ -", "ответ:"),
        ),
        Language(
            "th", "Thai", "ไทย", "Thai", ".", ",", "๐๑๒๓๔๕๖๗๘๙",
            "กรุณาให้เหตุผลทีละขั้นตอน และใส่คำตอบสุดท้ายไว้ใน \\boxed{}",
            "ให้คิดและตอบเป็นภาษาไทยเท่านั้น",
            ("คำตอบสุดท้ายคือ", "คำตอบคือ", "คำตอบ:"),
            uses_spaces=False,
        ),
        Language(
            "sw", "Swahili", "Kiswahili", "Latn", ".", ",", None,
            "Tafadhali fikiri hatua kwa hatua, na uweke jibu lako la mwisho ndani ya \\boxed{}.",
            "Fikiri na ujibu kwa Kiswahili pekee.",
            ("jibu la mwisho ni", "jibu ni", "jibu:"),
        ),
        Language(
            "bn", "Bengali", "বাংলা", "Beng", ".", ",", "০১২৩৪৫৬৭৮৯",
            "অনুগ্রহ করে ধাপে ধাপে যুক্তি দিন এবং আপনার চূড়ান্ত উত্তর \\boxed{} এর মধ্যে লিখুন।",
            "শুধুমাত্র বাংলায় চিন্তা করুন এবং উত্তর দিন।",
            ("চূড়ান্ত উত্তর হল", "উত্তর হলো", "উত্তর হল", "উত্তরঃ", "উত্তর:"),
            indian_grouping=True,
        ),
        Language(
            "te", "Telugu", "తెలుగు", "Telu", ".", ",", "౦౧౨౩౪౫౬౭౮౯",
            "దయచేసి దశలవారీగా ఆలోచించి, మీ తుది సమాధానాన్ని \\boxed{} లో ఉంచండి.",
            "తెలుగులో మాత్రమే ఆలోచించి సమాధానం ఇవ్వండి.",
            ("తుది సమాధానం", "సమాధానం:", "సమాధానం"),
            indian_grouping=True,
        ),
    ]
}

PROMPT_STYLES: tuple[str, ...] = ("standard", "english", "consistency")
"""standard: the instruction in the question's language; english: the English instruction for
every language; consistency: the standard instruction plus 'reason only in <language>' (study A)."""


def get_language(code: str) -> Language:
    """Return the registry entry for ``code``.

    Raises:
        XlingError: unknown code; the message lists the supported codes.
    """
    try:
        return LANGUAGES[code]
    except KeyError:
        raise XlingError(
            f"unknown language {code!r}; supported: {', '.join(LANGUAGES)}"
        ) from None


def parse_langs(spec: str | list[str] | tuple[str, ...]) -> list[str]:
    """Parse ``'all'`` or ``'en,de'`` (or a list) into validated codes, order kept, no duplicates.

    ``'all'`` means the ten study languages (``STUDY_LANGS``).
    """
    if isinstance(spec, str):
        if spec.strip() == "all":
            return list(STUDY_LANGS)
        items = [s.strip() for s in spec.split(",") if s.strip()]
    else:
        items = list(spec)
    if not items:
        raise XlingError("no languages given; use 'all' or comma-separated ISO 639-1 codes")
    out: list[str] = []
    for code in items:
        get_language(code)
        if code not in out:
            out.append(code)
    return out


def build_prompt(question: str, lang: str, style: str = "standard",
                 choices: Sequence[str] | None = None) -> str:
    """The user prompt of study A: the question followed by the boxed instruction.

    ``choices`` (multiple choice): the options are listed after the question as ``A. text``.

    >>> build_prompt("2+2?", "de").endswith("in \\\\boxed{} an.")
    True
    """
    language = get_language(lang)
    if choices:
        question = question + "\n" + "\n".join(
            f"{chr(ord('A') + i)}. {text}" for i, text in enumerate(choices))
    if style == "standard":
        return f"{question}\n{language.instruction}"
    if style == "english":
        return f"{question}\n{ENGLISH_INSTRUCTION}"
    if style == "consistency":
        return f"{question}\n{language.instruction} {language.consistency}"
    raise XlingError(f"unknown prompt style {style!r}; known: {', '.join(PROMPT_STYLES)}")
