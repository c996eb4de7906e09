"""The legitimacy report's words in Ukrainian, Russian and English (``docs/legitimacy.md``,
"Languages"); merged into the pages' catalog by :mod:`.i18n`.

The verdict, tiers, statuses and headings are translated here, and each condition's title
(``c_<ID>``). The evidence is generated text and stays in English, marked ``lang="en"``.
"""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str, str]] = {
    # key: (uk, ru, en)
    "verdict": ("Висновок", "Вывод", "Verdict"),
    "verdict_1": (
        "Недійсний за будь-якої процедури: не виконано умову першого рівня.",
        "Недействителен при любой процедуре: не выполнено условие первого уровня.",
        "Invalid whatever the procedure: a condition of the first tier fails.",
    ),
    "verdict_2": (
        "Принципові вади: голосування не було вільним, рівним, загальним чи таємним, або "
        "підрахунку не можна довіряти.",
        "Принципиальные пороки: голосование не было свободным, равным, всеобщим или тайным, "
        "либо подсчёту нельзя доверять.",
        "Fundamentally flawed: the vote was not free, equal, universal or secret, or its count "
        "cannot be trusted.",
    ),
    "verdict_3": (
        "Процедурні порушення: порушено правила належної практики.",
        "Процедурные нарушения: нарушены правила надлежащей практики.",
        "Procedural defects: rules of good practice were broken.",
    ),
    "verdict_4": (
        "Не виконано лише рекомендації.",
        "Не выполнены лишь рекомендации.",
        "Only advisory points fail.",
    ),
    "verdict_open": (
        "Не встановлено: жодну умову не порушено, але важливіші умови невідомі.",
        "Не установлено: ни одно условие не нарушено, но более важные условия неизвестны.",
        "Not established: no condition fails, but graver ones are unknown.",
    ),
    "verdict_none": (
        "У маніфесті та записах порушень не виявлено.",
        "В манифесте и записях нарушений не выявлено.",
        "No defect found in what the manifest and record show.",
    ),
    "verdict_ids": ("Умови", "Условия", "Conditions"),
    "tier": ("Рівень", "Уровень", "Tier"),
    "tier_1": ("Недійсність від початку", "Ничтожность изначально", "Void from the outset"),
    "tier_2": ("Принципові умови", "Принципиальные условия", "Fundamental"),
    "tier_3": ("Процедурні умови", "Процедурные условия", "Procedural"),
    "tier_4": ("Рекомендації", "Рекомендации", "Advisory"),
    "s_not_applicable": ("не застосовується", "не применимо", "not applicable"),
    "repeats": (
        "той самий факт, що й {id}; не враховано вдруге",
        "тот же факт, что и {id}; не учтено повторно",
        "same fact as {id}; not counted again",
    ),
    "counted": ("враховано порушень", "учтено нарушений", "failures counted"),
    "details": ("Підстава і джерела", "Основание и источники", "Evidence and sources"),
    "shown_by": ("Де це видно", "Где это видно", "Shown by"),
    "provenance": ("Походження факту", "Происхождение факта", "Where the fact comes from"),
    "sources": ("Джерела правила", "Источники правила", "Sources of the rule"),
    "legit_tiers_intro": (
        "Умови згруповано за рівнями, від найважчого. Кожен факт враховано один раз: умова, "
        "що спирається лише на вже врахований факт, позначена, але не рахується вдруге. "
        "«Невідомо» означає, що маніфест і записи не містять потрібного; це ніколи не "
        "«виконано». Підстави згенеровано англійською.",
        "Условия сгруппированы по уровням, от самого тяжёлого. Каждый факт учтён один раз: "
        "условие, которое опирается лишь на уже учтённый факт, отмечено, но не считается "
        "повторно. «Неизвестно» означает, что манифест и записи не содержат нужного; это "
        "никогда не «выполнено». Основания сгенерированы на английском.",
        "Conditions are grouped by tier, gravest first. Each fact counts once: a condition "
        "that rests only on a fact already counted is marked and not counted again. Unknown "
        "means the manifest and record do not hold what the condition needs; it is never a "
        "pass.",
    ),
}

__all__ = ["TEXTS"]
