"""A witness's view of a board served over HTTP (``plebiscite witness``; ``docs/board.md`` 8).

It implements :class:`plebiscite.services.election.witness.BoardView` with the public board routes:
the first entry (the manifest event, which anchors the board key), the latest signed head,
consistency proofs, and ``POST /board/cosignatures``.
"""

from __future__ import annotations

from typing import Any

import httpx

from plebiscite.errors import BoardError
from plebiscite.interfaces.api.client import HttpVotingServer
from plebiscite.record.heads import SignedHead
from plebiscite.record.merkle import ConsistencyProof


class HttpBoardView(HttpVotingServer):
    def __init__(self, server: str | httpx.Client, *, timeout: float = 60.0) -> None:
        super().__init__(server, None, connections=2, timeout=timeout)

    def manifest_event(self) -> dict[str, Any]:
        page = self._get("/board/entries", start=0, stop=1)
        try:
            payload: dict[str, Any] = page["entries"][0]["event"]["payload"]
        except (KeyError, IndexError, TypeError) as exc:
            raise BoardError("the board has no first entry to read its key from") from exc
        return payload

    def latest_head(self) -> SignedHead:
        return SignedHead.from_json(self._get("/board/heads/latest"), where="the board's head")

    def consistency_proof(self, first: int, second: int) -> ConsistencyProof:
        data = self._get("/board/proofs/consistency", first=first, second=second)
        return ConsistencyProof.from_json(data)

    def post_cosignature(self, body: dict[str, Any]) -> int:
        return int(self._send("POST", "/board/cosignatures", body)["leaf_index"])


__all__ = ["HttpBoardView"]
