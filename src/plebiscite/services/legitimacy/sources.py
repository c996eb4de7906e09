"""The documents the legitimacy conditions rest on, and how a condition cites them.

Every :class:`Citation` names a :class:`Document` by its number or symbol (a Venice Commission
``CDL-AD`` number, a UN symbol, or a treaty's name and year) and a place in it: a paragraph,
article, section or principle. Where the place could not be checked, the citation says so with
:data:`NOT_GIVEN` instead of guessing a paragraph; ``tests/services/test_legitimacy_sources.py``
keeps the list of those short and explicit.

Only standards are cited here: international instruments, the Venice Commission's codes and
opinions, OSCE commitments and ODIHR guidance, and the law of the state concerned. The law of
an occupying state is not a standard for a vote held on occupied territory (Hague Regulations
art. 43: the occupant respects the laws in force there); facts (who reported what, when) are
the manifest's ``[[provenance]]``, not citations.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Said in place of a paragraph that could not be checked.
NOT_GIVEN = "paragraph not given"


@dataclass(frozen=True)
class Document:
    symbol: str  # the document's number or symbol
    title: str
    date: str  # ISO date, or the year

    def __str__(self) -> str:
        return f"{self.symbol} ({self.title}, {self.date})"


@dataclass(frozen=True)
class Citation:
    document: Document
    at: str  # paragraph, article, section or principle; NOT_GIVEN when not checked

    def __str__(self) -> str:
        return f"{self.document.symbol} {self.at}"


# --- Venice Commission --------------------------------------------------------------------------

CODE_2007 = Document(
    "CDL-AD(2007)008rev", "Venice Commission, Code of Good Practice on Referendums", "2007"
)
REVISED_CODE = Document(
    "CDL-AD(2022)015", "Venice Commission, Revised Code of Good Practice on Referendums", "2022"
)
CRIMEA_OPINION = Document(
    "CDL-AD(2014)002",
    "Venice Commission, opinion on the referendum called by the Supreme Council of the "
    "Autonomous Republic of Crimea",
    "2014",
)
MONTENEGRO_OPINION = Document(
    "CDL-AD(2005)041",
    "Venice Commission, opinion on the referendum legislation of Montenegro",
    "2005",
)
LISTS_DECLARATION = Document(
    "CDL-AD(2016)028",
    "Venice Commission, interpretative declaration on the publication of lists of voters who "
    "took part in elections",
    "2016",
)

# --- United Nations -----------------------------------------------------------------------------

UN_CHARTER = Document("UN Charter", "Charter of the United Nations", "1945-06-26")
FRIENDLY_RELATIONS = Document(
    "A/RES/2625 (XXV)",
    "UN General Assembly, Declaration on Principles of International Law concerning Friendly "
    "Relations and Co-operation among States",
    "1970-10-24",
)
GA_68_262 = Document(
    "A/RES/68/262", "UN General Assembly, Territorial integrity of Ukraine", "2014-03-27"
)
GA_ES_11_4 = Document(
    "A/RES/ES-11/4",
    "UN General Assembly, Territorial integrity of Ukraine: defending the principles of the "
    "Charter of the United Nations",
    "2022-10-12",
)
ICCPR = Document("ICCPR", "International Covenant on Civil and Political Rights", "1966-12-16")
GENERAL_COMMENT_25 = Document(
    "CCPR/C/21/Rev.1/Add.7",
    "UN Human Rights Committee, General Comment No. 25 (article 25 ICCPR)",
    "1996",
)
DISPLACEMENT_PRINCIPLES = Document(
    "E/CN.4/1998/53/Add.2", "Guiding Principles on Internal Displacement", "1998"
)

# --- law of armed conflict ----------------------------------------------------------------------

HAGUE_REGULATIONS = Document(
    "Hague Regulations 1907",
    "Regulations respecting the Laws and Customs of War on Land, annexed to Hague Convention (IV)",
    "1907-10-18",
)
GENEVA_IV = Document(
    "Fourth Geneva Convention",
    "Geneva Convention relative to the Protection of Civilian Persons in Time of War",
    "1949-08-12",
)

# --- OSCE ---------------------------------------------------------------------------------------

COPENHAGEN = Document(
    "CSCE Copenhagen Document",
    "Document of the Copenhagen Meeting of the Conference on the Human Dimension of the CSCE",
    "1990-06-29",
)
OSCE_STATEMENT_2022 = Document(
    "OSCE joint statement of 21 September 2022",
    "the OSCE Chairman-in-Office, Secretary General, Parliamentary Assembly President and ODIHR "
    "Director on the planned votes in Ukraine's occupied territories",
    "2022-09-21",
)
ODIHR_GUIDELINES = Document(
    "ODIHR Guidelines for Reviewing a Legal Framework for Elections",
    "OSCE/ODIHR, section on mobile voting",
    "edition not given",
)
ODIHR_HANDBOOK = Document(
    "ODIHR Election Observation Handbook, 6th edition",
    "OSCE/ODIHR Election Observation Handbook",
    "2010",
)

# --- the state concerned ------------------------------------------------------------------------

CONSTITUTION_UA = Document("Constitution of Ukraine", "Constitution of Ukraine", "1996-06-28")
MARTIAL_LAW_UA = Document(
    "Law of Ukraine No. 389-VIII",
    "Law of Ukraine 'On the Legal Regime of Martial Law'",
    "2015-05-12",
)


def cite(document: Document, at: str) -> Citation:
    return Citation(document, at)


__all__ = ["NOT_GIVEN", "Citation", "Document", "cite"]
