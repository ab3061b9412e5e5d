"""The language registry: one ``Language`` entry per supported ISO 639-1 code.

Stage: all. Holds everything xling knows about a language: names, script, how numbers are
written (CLDR decimal and grouping symbols, native digits; EVAL_NOTES.md section 4), the
prompt texts of reference study A (standard boxed instruction, English instruction,
consistency instruction, the opening of a prefilled thinking block), the "the answer is"
phrases the scorer falls back on and a translation's typical length. Adding a language = adding
one entry to ``LANGUAGES``; an entry without one of ``REQUIRED_LITERALS`` is refused, naming what
to add (nothing falls back to English). The instruction-following benchmarks' per-language
rules are tables keyed by the language code in ``scoring.ifeval_rules`` (a language without them
is refused there, by name).

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

CHOICE_LETTERS = "ABCDEFGHIJ"
"""Option letters of multiple-choice prompts and answers, in order (at most 10 options)."""


@dataclass(frozen=True)
class ChoiceTexts:
    """A language's multiple-choice texts: how prompts list options, how answers name them."""

    instruction: str
    """'Reason step by step and put the letter of the correct option in \\boxed{}', in this
    language (replaces ``Language.instruction`` when a question has options)."""
    options_label: str
    """Heading of the option list ('Options:')."""
    cues: tuple[str, ...]
    """Phrases that introduce the chosen option, besides ``Language.answer_phrases``
    ('the correct answer is'); matched case-insensitively, spaces optional."""
    option_words: tuple[str, ...] = ()
    """Words that may stand between a cue and the letter ('option' in 'the answer is option C')."""
    conjunctions: tuple[str, ...] = ()
    """'or' / 'and': two letters joined by one of these (or by , / &) are an ambiguous answer."""
    native_letters: str = ""
    """The language's own option letters for A, B, C, ... (Bengali 'কখগঘ...'), if it uses them."""
    spelled_letters: tuple[str, ...] = ()
    """The Latin letters A, B, C, ... spelled in this script, as models write them
    (Bengali 'এ', 'বি', 'সি', 'ডি' for A-D); read as options only where a letter is expected."""
    negations: tuple[str, ...] = ()
    """'not': a letter joined by 'and not' is excluded, not a second answer ('A and not B')."""
    not_letters: tuple[str, ...] = ()
    """Words that begin with a capital option letter ('I think', 'A few'): after an answer cue,
    a letter followed by a lower-case word is an option unless it starts one of these."""


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
    choice: ChoiceTexts | None = None
    """Multiple-choice prompt and answer texts. Required."""
    indian_grouping: bool = False
    """Groups as 12,34,567 (lakh/crore) rather than 1,234,567."""
    uses_spaces: bool = True
    """Whether words are separated by spaces (False for zh, ja, th)."""
    word_segmenter: str = "space"
    """How words are counted (``scoring.segment.SEGMENTERS``): 'space' (runs of letters, digits
    and combining marks), 'chars' (each Han character is a word), 'janome' (Japanese
    morphological analysis), 'newmm' (Thai dictionary segmentation, pythainlp)."""
    sentence_end: str = ".!?"
    """Characters that end a sentence (``scoring.segment.sentences``); a line break always does."""
    think_opening: str | None = None
    """The first sentence of a prefilled thinking block in this language (prompt style
    'think-prefill'): models continue in the language their reasoning started in. Required."""
    length_ratio: float | None = None
    """Typical prose length (characters, math and numbers removed) of a translation into this
    language relative to its English original: the median over MGSM's 250 human-translated
    questions (``xling translate``'s length check; the tests recompute it). Required."""

    def __post_init__(self) -> None:
        missing = [f"{name} ({what})" for name, what in REQUIRED_LITERALS.items()
                   if getattr(self, name) is None]
        if missing:
            raise XlingError(f"language {self.code!r} lacks {'; '.join(missing)}: add them to its "
                             "Language(...) entry in xling/languages.py")


REQUIRED_LITERALS: dict[str, str] = {
    "choice": "ChoiceTexts: the multiple-choice instruction, option heading and answer cues",
    "think_opening": "the first sentence of a prefilled thinking block, in the language",
    "length_ratio": "the median prose length of a translation over its English original",
}
"""The per-language literals a ``Language`` must carry (no English stand-in): a language without
one is refused when it is declared, with this list of what to add."""


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in [
        Language(
            "en", "English", "English", "Latn", ".", ",", None,
            ENGLISH_INSTRUCTION,
            "Reason and answer only in English.",
            ("the final answer is", "the answer is", "final answer:", "answer:"),
            choice=ChoiceTexts(
                "Please reason step by step, and put the letter of the correct option within "
                "\\boxed{}.",
                "Options:",
                ("the correct answer is", "the correct option is", "the best answer is",
                 "the best option is", "correct answer:", "correct option:"),
                ("option", "choice"), ("or", "and"), negations=("not",),
                not_letters=("I think", "I believe", "I guess", "I would", "I am", "I'm", "I will",
                             "I can", "I have", "I need", "I must", "I should", "I could",
                             "I feel", "I know", "I hope", "I suppose", "I mean", "I'd", "I'll",
                             "I've", "A few", "A lot", "A little")),
            think_opening="Okay, let me think this through step by step in English.",
            length_ratio=1.00,
        ),
        Language(
            "zh", "Chinese", "中文", "Hans", ".", ",", "〇一二三四五六七八九",
            "请逐步推理，并将最终答案放在 \\boxed{} 中。",
            "请只用中文进行思考和回答。",
            ("最终答案是", "答案是", "答案为", "答案：", "答案:"),
            choice=ChoiceTexts(
                "请逐步推理，并将正确选项的字母放在 \\boxed{} 中。", "选项：",
                ("正确答案是", "正确答案为", "正确的答案是", "正确的答案为", "正确选项是", "正确选项为",
                 "正确的选项是", "答案应为", "答案选", "故选", "应选", "所以选", "因此选", "选择"),
                ("选项",), ("或者", "或", "和", "与"), negations=("不是", "而非")),
            uses_spaces=False, word_segmenter="chars", sentence_end="。！？!?",
            think_opening="好的，让我用中文一步一步地思考这个问题。",
            length_ratio=0.34,
        ),
        Language(
            "de", "German", "Deutsch", "Latn", ",", ".", None,
            "Bitte denke Schritt für Schritt nach und gib deine endgültige Antwort in \\boxed{} an.",
            "Denke und antworte ausschließlich auf Deutsch.",
            ("die endgültige antwort lautet", "die antwort lautet", "die antwort ist", "antwort:",
             "ergebnis:"),
            choice=ChoiceTexts(
                "Bitte denke Schritt für Schritt nach und gib den Buchstaben der richtigen Option "
                "in \\boxed{} an.",
                "Optionen:",
                ("die richtige antwort ist", "die richtige antwort lautet", "die korrekte antwort ist",
                 "die korrekte antwort lautet", "die richtige option ist", "richtige antwort:"),
                ("option", "antwort"), ("oder", "und"), negations=("nicht",)),
            think_opening="Okay, ich denke jetzt Schritt für Schritt auf Deutsch darüber nach.",
            length_ratio=1.13,
        ),
        Language(
            "es", "Spanish", "Español", "Latn", ",", ".", None,
            "Por favor, razona paso a paso y escribe tu respuesta final dentro de \\boxed{}.",
            "Razona y responde únicamente en español.",
            ("la respuesta final es", "la respuesta es", "respuesta:"),
            choice=ChoiceTexts(
                "Por favor, razona paso a paso y escribe la letra de la opción correcta dentro de "
                "\\boxed{}.",
                "Opciones:",
                ("la respuesta correcta es", "la opción correcta es", "respuesta correcta:"),
                ("la opción", "opción", "la alternativa", "alternativa"), ("o", "u", "y"),
                negations=("no",)),
            think_opening="Bien, voy a pensar en esto paso a paso en español.",
            length_ratio=1.07,
        ),
        Language(
            "fr", "French", "Français", "Latn", ",", NNBSP, None,
            "Veuillez raisonner étape par étape et mettre votre réponse finale dans \\boxed{}.",
            "Raisonne et réponds uniquement en français.",
            ("la réponse finale est", "la réponse est", "réponse :", "réponse:"),
            choice=ChoiceTexts(
                "Veuillez raisonner étape par étape et mettre la lettre de la bonne option dans "
                "\\boxed{}.",
                "Options :",
                ("la bonne réponse est", "la réponse correcte est", "la bonne option est",
                 "bonne réponse :", "bonne réponse:"),
                ("l'option", "l’option", "option", "la proposition", "proposition"), ("ou", "et"),
                negations=("pas", "non")),
            think_opening="D'accord, je vais réfléchir à cela étape par étape en français.",
            length_ratio=1.12,
        ),
        Language(
            "ja", "Japanese", "日本語", "Jpan", ".", ",", None,
            "段階的に推論し、最終的な答えを \\boxed{} の中に入れてください。",
            "日本語だけで考え、日本語だけで答えてください。",
            ("最終的な答えは", "答えは", "答え：", "答え:", "解答："),
            choice=ChoiceTexts(
                "段階的に推論し、正しい選択肢の記号を \\boxed{} の中に入れてください。", "選択肢：",
                ("正解は", "正しい答えは", "正しい選択肢は", "正解：", "正解:"),
                ("選択肢",), ("または", "および", "か", "と")),
            uses_spaces=False, word_segmenter="janome", sentence_end="。！？!?",
            think_opening="では、日本語で一歩ずつ考えてみます。",
            length_ratio=0.48,
        ),
        Language(
            "ru", "Russian", "Русский", "Cyrl", ",", NBSP, None,
            "Пожалуйста, рассуждай шаг за шагом и запиши окончательный ответ в \\boxed{}.",
            "Рассуждай и отвечай только на русском языке.",
            ("окончательный ответ:", "ответ равен", "ответ —", "ответ -", "ответ:"),
            choice=ChoiceTexts(
                "Пожалуйста, рассуждай шаг за шагом и запиши букву правильного варианта в \\boxed{}.",
                "Варианты ответа:",
                ("правильный ответ", "правильный вариант", "верный ответ", "верный вариант"),
                ("вариант",), ("или", "и"), negations=("не",)),
            think_opening="Хорошо, я буду рассуждать шаг за шагом на русском языке.",
            length_ratio=1.02,
        ),
        Language(
            "th", "Thai", "ไทย", "Thai", ".", ",", "๐๑๒๓๔๕๖๗๘๙",
            "กรุณาให้เหตุผลทีละขั้นตอน และใส่คำตอบสุดท้ายไว้ใน \\boxed{}",
            "ให้คิดและตอบเป็นภาษาไทยเท่านั้น",
            ("คำตอบสุดท้ายคือ", "คำตอบคือ", "คำตอบ:"),
            choice=ChoiceTexts(
                "กรุณาให้เหตุผลทีละขั้นตอน และใส่ตัวอักษรของตัวเลือกที่ถูกต้องไว้ใน \\boxed{}",
                "ตัวเลือก:",
                ("คำตอบที่ถูกต้องคือ", "ตัวเลือกที่ถูกต้องคือ", "คำตอบที่ถูกต้อง:", "ตอบ:"),
                ("ตัวเลือก", "ข้อ"), ("หรือ", "และ"), native_letters="กขคงจฉชซฌญ"),
            uses_spaces=False, word_segmenter="newmm", sentence_end=" !?",  # a space ends a Thai sentence
            think_opening="ได้ ฉันจะคิดเรื่องนี้ทีละขั้นตอนเป็นภาษาไทย",
            length_ratio=0.89,
        ),
        Language(
            "sw", "Swahili", "Kiswahili", "Latn", ".", ",", None,
            "Tafadhali fikiri hatua kwa hatua, na uweke jibu lako la mwisho ndani ya \\boxed{}.",
            "Fikiri na ujibu kwa Kiswahili pekee.",
            ("jibu la mwisho ni", "jibu ni", "jibu:"),
            choice=ChoiceTexts(
                "Tafadhali fikiri hatua kwa hatua, na uweke herufi ya chaguo sahihi ndani ya "
                "\\boxed{}.",
                "Chaguo:",
                ("jibu sahihi ni", "jibu lililo sahihi ni", "chaguo sahihi ni", "jibu sahihi:"),
                ("chaguo",), ("au", "na"), negations=("si", "sio")),
            think_opening="Sawa, nitafikiri kuhusu hili hatua kwa hatua kwa Kiswahili.",
            length_ratio=1.11,
        ),
        Language(
            "bn", "Bengali", "বাংলা", "Beng", ".", ",", "০১২৩৪৫৬৭৮৯",
            "অনুগ্রহ করে ধাপে ধাপে যুক্তি দিন এবং আপনার চূড়ান্ত উত্তর \\boxed{} এর মধ্যে লিখুন।",
            "শুধুমাত্র বাংলায় চিন্তা করুন এবং উত্তর দিন।",
            ("চূড়ান্ত উত্তর হল", "উত্তর হলো", "উত্তর হল", "উত্তরঃ", "উত্তর:"),
            choice=ChoiceTexts(
                "অনুগ্রহ করে ধাপে ধাপে যুক্তি দিন এবং সঠিক বিকল্পের অক্ষরটি \\boxed{} এর মধ্যে লিখুন।",
                "বিকল্পগুলি:",
                ("সঠিক উত্তর হলো", "সঠিক উত্তর হল", "সঠিক উত্তরঃ", "সঠিক উত্তর:", "সঠিক উত্তর",
                 "সঠিক বিকল্প হল", "সঠিক বিকল্প"),
                ("বিকল্প",), ("অথবা", "বা", "এবং", "ও"), native_letters="কখগঘঙচছজঝঞ",
                spelled_letters=("এ", "বি", "সি", "ডি", "ই", "এফ", "জি", "এইচ", "আই", "জে"),
                negations=("নয়", "না")),
            indian_grouping=True, sentence_end="।.!?",
            think_opening="ঠিক আছে, আমি বাংলায় ধাপে ধাপে এটি নিয়ে চিন্তা করব।",
            length_ratio=1.00,
        ),
        Language(
            "te", "Telugu", "తెలుగు", "Telu", ".", ",", "౦౧౨౩౪౫౬౭౮౯",
            "దయచేసి దశలవారీగా ఆలోచించి, మీ తుది సమాధానాన్ని \\boxed{} లో ఉంచండి.",
            "తెలుగులో మాత్రమే ఆలోచించి సమాధానం ఇవ్వండి.",
            ("తుది సమాధానం", "సమాధానం:", "సమాధానం"),
            choice=ChoiceTexts(
                "దయచేసి దశలవారీగా ఆలోచించి, సరైన ఎంపిక యొక్క అక్షరాన్ని \\boxed{} లో ఉంచండి.",
                "ఎంపికలు:",
                ("సరైన సమాధానం", "సరైన ఎంపిక"),
                ("ఎంపిక",), ("లేదా", "మరియు")),
            indian_grouping=True,
            think_opening="సరే, నేను దీని గురించి తెలుగులో దశలవారీగా ఆలోచిస్తాను.",
            length_ratio=1.12,
        ),
    ]
}

PROMPT_STYLES: tuple[str, ...] = ("standard", "english", "consistency", "think-prefill")
"""standard: the instruction in the question's language; english: the English instruction for
every language; consistency: the standard instruction plus 'reason only in <language>' (study A,
and study B's instruction to reason in the question's language); think-prefill: the consistency
prompt, and the model's thinking block is opened for it with ``Language.think_opening`` (study
B's prefilled reasoning language; see ``evaluation.run``)."""

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

    ``choices`` (multiple choice, at most 10): the options follow the question under the
    language's heading as ``A. text`` lines, and the instruction asks, in that language (in
    English for style "english"), for the letter of the correct option in ``\\boxed{}``
    (``ChoiceTexts``). Without choices the prompt is the question and ``instruction``.

    >>> build_prompt("2+2?", "de").endswith("in \\\\boxed{} an.")
    True
    >>> print(build_prompt("2+2?", "de", choices=["3", "4"]))
    2+2?
    Optionen:
    A. 3
    B. 4
    Bitte denke Schritt für Schritt nach und gib den Buchstaben der richtigen Option in \\boxed{} an.
    """
    language = get_language(lang)
    instruction, english = language.instruction, ENGLISH_INSTRUCTION
    if choices:
        texts, english_texts = language.choice, LANGUAGES["en"].choice
        if texts is None or english_texts is None:
            raise XlingError(f"language {lang!r} has no multiple-choice texts (Language.choice)")
        if len(choices) > len(CHOICE_LETTERS):
            raise XlingError(f"{len(choices)} options; at most {len(CHOICE_LETTERS)} (A-J)")
        question = f"{question}\n{texts.options_label}\n" + "\n".join(
            f"{CHOICE_LETTERS[i]}. {text}" for i, text in enumerate(choices))
        instruction, english = texts.instruction, english_texts.instruction
    if style == "standard":
        return f"{question}\n{instruction}"
    if style == "english":
        return f"{question}\n{english}"
    if style in ("consistency", "think-prefill"):
        return f"{question}\n{instruction} {language.consistency}"
    raise XlingError(f"unknown prompt style {style!r}; known: {', '.join(PROMPT_STYLES)}")
