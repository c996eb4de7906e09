"""The conditions of a legitimate referendum: id, tier, theme, title and the sources they cite
(``docs/legitimacy.md``, "The conditions").

Ids LB1-LB5, CX1-CX3, U1-U2, E1-E3, F1-F14, S1-S2, P1-P9, Q1-Q3, M1-M6 and D1-D3 are those of
the reference notes on referendum administration, section 2; TI1, OC1, SH1, FM1, DV1, RG1, NS1
and OM1 were added for the conditions those notes lacked. An id is never reused.

Tiers, from the gravest:

1. **void from the outset**: no procedure can cure it (territorial integrity and the consent of
   the state concerned, belligerent occupation, no constitutional basis, a vote contrary to
   international law);
2. **fundamental**: the vote was not free, equal, universal or secret, or its count cannot be
   trusted;
3. **procedural**: a rule of good practice was broken;
4. **advisory**: the source recommends rather than requires (quorums, "highly desirable").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from plebiscite.services.legitimacy.sources import (
    CODE_2007,
    CONSTITUTION_UA,
    COPENHAGEN,
    CRIMEA_OPINION,
    DISPLACEMENT_PRINCIPLES,
    FRIENDLY_RELATIONS,
    GA_68_262,
    GA_ES_11_4,
    GENERAL_COMMENT_25,
    GENEVA_IV,
    HAGUE_REGULATIONS,
    ICCPR,
    LISTS_DECLARATION,
    MARTIAL_LAW_UA,
    MONTENEGRO_OPINION,
    NOT_GIVEN,
    ODIHR_GUIDELINES,
    ODIHR_HANDBOOK,
    OSCE_STATEMENT_2022,
    REVISED_CODE,
    UN_CHARTER,
    Citation,
    Document,
)


class Tier(IntEnum):
    VOID = 1
    FUNDAMENTAL = 2
    PROCEDURAL = 3
    ADVISORY = 4

    @property
    def label(self) -> str:
        return _TIER_LABELS[self]


_TIER_LABELS = {
    Tier.VOID: "void from the outset",
    Tier.FUNDAMENTAL: "fundamental",
    Tier.PROCEDURAL: "procedural",
    Tier.ADVISORY: "advisory",
}

THEMES = {
    "TI": "Sovereignty, occupation and the state concerned",
    "LB": "Legal basis and stability",
    "CX": "Context: emergencies and armed forces",
    "US": "Universal, equal, free and secret suffrage",
    "P": "Procedural guarantees: observers, appeals, publication",
    "Q": "Quorum and effect",
    "MD": "Mobile boxes, multi-day voting and custody",
}


@dataclass(frozen=True)
class Spec:
    id: str
    tier: Tier
    theme: str
    title: str
    citations: tuple[Citation, ...]

    @property
    def source(self) -> str:
        return "; ".join(str(c) for c in self.citations)


def _rc(at: str) -> Citation:
    return Citation(REVISED_CODE, at)


def _c(document: Document, at: str = NOT_GIVEN) -> Citation:
    return Citation(document, at)


V, F, PR, A = Tier.VOID, Tier.FUNDAMENTAL, Tier.PROCEDURAL, Tier.ADVISORY
_ODIHR = _c(ODIHR_GUIDELINES)


def _spec(id_: str, tier: Tier, theme: str, title: str, *citations: Citation) -> Spec:
    return Spec(id_, tier, THEMES[theme], title, citations)


SPECS: tuple[Spec, ...] = (
    _spec(
        "TI1",
        V,
        "TI",
        "Territorial integrity: the state concerned calls the vote or consents to it",
        _c(UN_CHARTER, "art. 2(4)"),
        _c(FRIENDLY_RELATIONS, "annex, principle of refraining from the threat or use of force"),
        _c(GA_68_262, "para 5"),
        _c(CONSTITUTION_UA, "art. 73"),
    ),
    _spec(
        "OC1",
        V,
        "TI",
        "No vote organised by an occupying power on occupied territory",
        _c(HAGUE_REGULATIONS, "art. 43"),
        _c(GENEVA_IV, "art. 47"),
    ),
    _spec(
        "LB1",
        V,
        "LB",
        "Provided for by the constitution of the state concerned or a conforming statute",
        _rc("II.1"),
        _c(CRIMEA_OPINION, "paras 27-28"),
        _c(CONSTITUTION_UA, "arts 1, 2, 73 and 157"),
    ),
    _spec(
        "CX1",
        V,
        "CX",
        "A status referendum follows negotiations and is allowed by the constitution",
        _c(CRIMEA_OPINION, "paras 27-28"),
        _c(CONSTITUTION_UA, "art. 73"),
    ),
    _spec(
        "LB5",
        V,
        "LB",
        "Respects higher and international law",
        _rc("III.1"),
        _c(GA_ES_11_4, "para 3"),
    ),
    _spec(
        "CX2",
        F,
        "CX",
        "No referendum under martial law, a state of emergency or war",
        _c(MARTIAL_LAW_UA, "art. 19(1)"),
        _c(OSCE_STATEMENT_2022, "whole statement (no numbered paragraphs)"),
    ),
    _spec("CX3", F, "CX", "No massive presence of (para)military forces", _c(CRIMEA_OPINION)),
    _spec(
        "SH1",
        F,
        "US",
        "Home voting keeps the secret: no armed escort at the door",
        _rc("I.4"),
        _c(ICCPR, "art. 25(b)"),
        _c(GENERAL_COMMENT_25, "paras 19-20"),
    ),
    _spec("FM1", F, "US", "Freedom of expression and of the media", _rc("II.2")),
    _spec(
        "DV1",
        F,
        "US",
        "Displaced voters and voters abroad can vote, through the state concerned",
        _rc("I.1.1"),
        _c(DISPLACEMENT_PRINCIPLES, "principle 22(1)(d)"),
    ),
    _spec("RG1", F, "US", "No registration by the polling station on voting day", _rc("I.1.2.d")),
    _spec(
        "NS1",
        F,
        "US",
        "A 'No' side able to campaign and to observe",
        _rc("I.2.2"),
        _rc("I.3.2.a.x"),
    ),
    _spec("U1", F, "US", "Franchise no more onerous than for elections", _rc("I.1.1")),
    _spec("U2", F, "US", "A permanent, public register with correction procedures", _rc("I.1.2")),
    _spec("E1", F, "US", "One vote per voter per question", _rc("I.2.1")),
    _spec(
        "E2",
        F,
        "US",
        "Equal opportunity for supporters and opponents",
        _rc("I.2.2"),
        _rc("II.4.4"),
    ),
    _spec("E3", F, "US", "Neutral authorities; no public resources for campaigning", _rc("I.3.1")),
    _spec("LB4", F, "LB", "Unity of form, content and hierarchical level", _c(CODE_2007, "III.2")),
    _spec("F1", F, "US", "A clear question that does not suggest the answer", _rc("I.3.1.c")),
    _spec("F5", F, "US", "Voters can always vote in a polling station", _rc("I.3.2.a.ii")),
    _spec(
        "F9",
        F,
        "US",
        "Mobile boxes only under strict conditions, on application",
        _rc("I.3.2.a.vi"),
        _ODIHR,
    ),
    _spec("F10", F, "US", "Votes cast match the slips in the box", _rc("I.3.2.a.vii")),
    _spec(
        "S1",
        F,
        "US",
        "Secret vote; a booth on every voting day; no open or family voting",
        _rc("I.4"),
        _c(ICCPR, "art. 25(b)"),
    ),
    _spec("P1", F, "P", "Organised and supervised by an impartial body", _rc("II.4.1")),
    _spec(
        "P2", F, "P", "Widest opportunity for national and international observers", _rc("II.4.2")
    ),
    _spec("P5", F, "P", "Effective appeal that can annul one station's result", _rc("II.4.3")),
    _spec("LB2", PR, "LB", "Rules of statute rank, not adopted ad hoc", _rc("II.3.a")),
    _spec(
        "LB3",
        PR,
        "LB",
        "Fundamental rules not changed within the year before the vote",
        _rc("II.3.b"),
        _c(CODE_2007, "II.2.b"),
    ),
    _spec("F2", PR, "US", "An impartial body scrutinises the question beforehand", _rc("I.3.1.d")),
    _spec("F3", PR, "US", "Balanced official information sent in good time", _rc("I.3.1.e")),
    _spec("F4", PR, "US", "Voting procedures readily understandable", _rc("I.3.2.a.i")),
    _spec("F6", PR, "US", "Postal voting only where the post is safe", _rc("I.3.2.a.iii")),
    _spec("F7", PR, "US", "E-voting secure, verifiable, transparent", _rc("I.3.2.a.iv")),
    _spec("F8", PR, "US", "Proxy voting under very strict rules", _rc("I.3.2.a.v")),
    _spec("F11", PR, "US", "Slips not tampered with or marked by officials", _rc("I.3.2.a.viii")),
    _spec("F12", PR, "US", "Unused and invalid slips never leave the station", _rc("I.3.2.a.ix")),
    _spec(
        "F13",
        PR,
        "US",
        "Observers appointed by both sides present at voting and counting",
        _rc("I.3.2.a.x"),
    ),
    _spec("F14", PR, "US", "Military personnel vote where they live", _rc("I.3.2.a.xi")),
    _spec("S2", PR, "US", "Lists of who voted are not published", _c(LISTS_DECLARATION)),
    _spec("P3", PR, "P", "Observers may go wherever operations take place", _rc("II.4.2.c")),
    _spec("P4", PR, "P", "Observation covers the authorities' neutrality", _rc("II.4.2.d")),
    _spec("P6", PR, "P", "Transparent funding, equal between sides", _rc("II.4.4")),
    _spec(
        "P8", PR, "P", "Votes counted and reported honestly; results public", _c(COPENHAGEN, "7.4")
    ),
    _spec("P9", PR, "P", "Foreign and domestic observers welcome", _c(COPENHAGEN, "8")),
    _spec(
        "OM1",
        PR,
        "Q",
        "Options offered and the majority required settled in advance",
        _c(MONTENEGRO_OPINION),
    ),
    _spec("Q3", PR, "Q", "Effects set by the constitution or by law", _c(CODE_2007, "III.8.a")),
    _spec("M1", PR, "MD", "Home voting only on individual application", _ODIHR),
    _spec(
        "M2",
        PR,
        "MD",
        "Mobile team of at least two officials; observers may accompany",
        _c(ODIHR_HANDBOOK),
        _ODIHR,
    ),
    _spec("M3", PR, "MD", "Ballots taken = issued + spoiled + returned", _ODIHR),
    _spec(
        "M4", PR, "MD", "Mobile box sealed and numbered, seals recorded", _rc("I.3.2.a.vi"), _ODIHR
    ),
    _spec(
        "M5",
        PR,
        "MD",
        "Ballots in a mobile box <= applications, or the box is void",
        _rc("I.3.2.a.vi"),
        _rc("I.3.2.a.vii"),
    ),
    _spec("M6", PR, "MD", "Mobile voters recorded in every protocol", _ODIHR),
    _spec(
        "D1",
        PR,
        "MD",
        "A daily official record, carried into the final protocol",
        _rc("I.3.2.a.vii"),
    ),
    _spec(
        "D2",
        PR,
        "MD",
        "Overnight storage in numbered packets under signed acts",
        _rc("I.3.2.a.vii"),
    ),
    _spec(
        "D3",
        PR,
        "MD",
        "Registration and secrecy controls on every channel and day",
        _rc("I.1.2"),
        _rc("I.4"),
    ),
    _spec("Q1", A, "Q", "No turnout quorum", _c(CODE_2007, "III.7")),
    _spec("Q2", A, "Q", "No approval quorum, or not a high one", _c(CODE_2007, "III.7")),
    _spec(
        "P7",
        A,
        "P",
        "Results published per polling station (good practice)",
        _c(COPENHAGEN, "7.4"),
    ),
)

SPEC_BY_ID = {spec.id: spec for spec in SPECS}

__all__ = ["SPECS", "SPEC_BY_ID", "THEMES", "Spec", "Tier"]
