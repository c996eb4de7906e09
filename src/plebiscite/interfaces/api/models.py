"""Wire shapes of the HTTP API (pydantic, for validation at the edge and for the OpenAPI).

The domain keeps its own frozen dataclasses; these only describe JSON. ``docs/voting.md``
lists the same shapes.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

Hex = Annotated[str, Field(pattern=r"^[0-9a-f]*$", max_length=256)]
Id = Annotated[str, Field(min_length=1, max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RangeProofModel(_Strict):
    range: Annotated[list[int], Field(min_length=2, max_length=2)]
    c: Annotated[list[Hex], Field(max_length=64)]
    v: Annotated[list[Hex], Field(max_length=64)]
    a: Annotated[list[Hex], Field(max_length=64)]
    b: Annotated[list[Hex], Field(max_length=64)]


class AnswerModel(_Strict):
    question: Id
    selections: Annotated[
        list[Annotated[list[Hex], Field(min_length=2, max_length=2)]],
        Field(min_length=1, max_length=64),
    ]
    selection_proofs: Annotated[list[RangeProofModel], Field(min_length=1, max_length=64)]
    sum_proof: RangeProofModel


class SchnorrModel(_Strict):
    c: Hex
    v: Hex


class TagModel(_Strict):
    """The voter's tag encrypted under the election key, with its proof (protocol 12.1)."""

    ciphertext: Annotated[list[Hex], Field(min_length=2, max_length=2)]
    proof: SchnorrModel


class BallotModel(_Strict):
    """The signed content of a ballot (``plebiscite.domain.ballot.Ballot``)."""

    election: Hex
    device: Id
    location: Id
    checkin: Hex
    previous_code: Hex
    tag: TagModel
    answers: Annotated[list[AnswerModel], Field(min_length=1, max_length=32)]


class CastRequest(_Strict):
    ballot: BallotModel
    signature: Hex
    #: An offline device's upload (``docs/devices.md``): when it was cast, device-signed.
    cast_at: Annotated[str, Field(max_length=40)] | None = None
    cast_at_signature: Hex | None = None
    #: The randomness of the ballot's tag (a cast ballot needs it; the service checks the tag
    #: against the checked-in voter and does not keep it).
    tag_opening: Hex | None = None


class OpeningModel(_Strict):
    nonce_seed: Hex
    choices: Annotated[
        list[Annotated[list[Annotated[int, Field(ge=0, le=1)]], Field(max_length=64)]],
        Field(max_length=32),
    ]


class ChallengeRequest(CastRequest):
    opening: OpeningModel


class CheckInRequest(_Strict):
    voter: Hex
    #: The check-in's opaque id (16 random bytes, hex): what the board shows and the ballot
    #: repeats; the voter never reaches the board.
    checkin: Hex
    signature: Hex
    #: An offline device's upload (``docs/devices.md``): when it checked the voter in,
    #: device-signed (tag ``check-in-at``).
    checked_at: Annotated[str, Field(max_length=40)] | None = None
    checked_at_signature: Hex | None = None


class ChainEndRequest(_Strict):
    """Where a device's chain ends, signed by the device (``docs/voting.md``, chain ends)."""

    count: Annotated[int, Field(ge=0)]
    last_code: Hex
    signature: Hex


class LeavesModel(BaseModel):
    leaf_indices: list[int]


class CosignatureRequest(_Strict):
    """A witness's cosignature of a board head (``docs/board.md`` section 8)."""

    witness: Annotated[int, Field(ge=1)]
    tree_size: Annotated[int, Field(ge=1)]
    root_hash: Hex
    cosigned_at: Annotated[int, Field(ge=0)]
    signature: Hex


class EnrolRequest(_Strict):
    device: Id
    location: Id
    public_key: Hex


class RevokeRequest(_Strict):
    reason: Annotated[str, Field(min_length=1, max_length=1000)]


class ClockRequest(_Strict):
    now: Annotated[str, Field(description="ISO-8601 time with a UTC offset", max_length=64)]


class HeadModel(BaseModel):
    key: str
    root_hash: str
    signature: str
    timestamp: int
    tree_size: int
    version: int


class InclusionProofModel(BaseModel):
    leaf_index: int
    tree_size: int
    path: list[str]


class ConsistencyProofModel(BaseModel):
    first_size: int
    second_size: int
    path: list[str]


class ReceiptModel(BaseModel):
    tracking_code: str
    kind: Annotated[str, Field(description="cast or challenged")]
    leaf_index: int
    leaf_hash: str
    received_at: str
    head: HeadModel
    inclusion_proof: InclusionProofModel


class LeafModel(BaseModel):
    leaf_index: int


class EntryModel(BaseModel):
    index: int
    leaf_hash: str
    event: dict[str, Any]


class EntriesModel(BaseModel):
    size: int
    entries: list[EntryModel]


class ElectionModel(BaseModel):
    manifest_hash: str | None
    election_key: str | None
    threshold: int
    board_key: str
    board_size: int
    closed_at: str | None
    demo_clock: bool


class ManifestModel(BaseModel):
    hash: str
    manifest: dict[str, Any]


class RollModel(BaseModel):
    commitments: dict[str, str]
    voters: dict[str, int]


class VoterModel(BaseModel):
    voter: str
    region: str
    precinct: str
    home_voting: bool


class VotersModel(BaseModel):
    total: int
    voters: list[VoterModel]


class DeviceModel(BaseModel):
    device: str
    location: str
    public_key: str
    enrolled_at: str
    revoked: bool
    chain_head: str


class ClockModel(BaseModel):
    now: str
    demo: bool


class ProblemModel(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
