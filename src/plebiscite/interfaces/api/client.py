"""An HTTP client of the board service (httpx), for ``simulate``, the booth CLI and the bench.

It implements :class:`plebiscite.services.simulation.simulate.VotingServer`; a
problem-details answer raises :class:`~plebiscite.services.simulation.simulate.RefusedError`
with its stable type. A 503 (load shed, or the board restarting) is not an answer: the
client waits as ``Retry-After`` says, with jitter, and sends the same request again.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

import httpx

from plebiscite.errors import BoardError
from plebiscite.services.simulation.simulate import RefusedError


class HttpVotingServer:
    def __init__(
        self,
        server: str | httpx.Client,
        admin_token: str | None = None,
        *,
        connections: int = 16,
        timeout: float = 60.0,
        patience_s: float = 120.0,
    ) -> None:
        if isinstance(server, httpx.Client):
            self.http = server
        else:
            limits = httpx.Limits(
                max_connections=connections, max_keepalive_connections=connections
            )
            self.http = httpx.Client(base_url=server, timeout=timeout, limits=limits)
        self._auth = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
        #: Seconds to keep resending a request the server sheds (503), and how often it did.
        self.patience_s = patience_s
        self.backoffs = 0

    def close_client(self) -> None:
        self.http.close()

    def _answer(self, response: httpx.Response) -> Any:
        if response.is_success:
            return response.json()
        try:
            problem = response.json()
            kind = str(problem["type"])
            detail = str(problem.get("detail", ""))
        except (ValueError, KeyError, TypeError):
            raise BoardError(
                f"HTTP {response.status_code} from {response.request.url}: {response.text[:200]}"
            ) from None
        raise RefusedError(kind, response.status_code, detail)

    def _request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """Send; on 503 (the server shedding load, or its board restarting) wait as its
        Retry-After says and send the same request again (every write is idempotent)."""
        deadline = time.monotonic() + self.patience_s
        while True:
            try:
                response = self.http.request(method, path, **kw)
            except httpx.TransportError as exc:
                raise BoardError(f"cannot reach the board service: {exc}") from exc
            if response.status_code != 503 or time.monotonic() > deadline:
                return response
            self.backoffs += 1
            after = response.headers.get("retry-after", "")
            wait = float(after) if after.isdigit() else 1.0
            time.sleep(min(5.0, wait) * (0.5 + random.random()))

    def _get(self, path: str, **params: Any) -> Any:
        return self._answer(self._request("GET", path, params=params or None))

    def _send(self, method: str, path: str, body: Any, auth: bool = False) -> Any:
        headers = self._auth if auth else {}
        return self._answer(self._request(method, path, json=body, headers=headers))

    def election(self) -> dict[str, Any]:
        answer: dict[str, Any] = self._get("/election")
        return answer

    def manifest(self) -> dict[str, Any]:
        answer: dict[str, Any] = self._get("/manifest")
        return answer

    def voters(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            page = self._get("/roll/voters", offset=len(out), limit=10_000)
            out.extend(page["voters"])
            if len(out) >= page["total"] or not page["voters"]:
                return out

    def set_clock(self, t: dt.datetime) -> None:
        self._send("PUT", "/authority/clock", {"now": t.isoformat()}, auth=True)

    def enrol(self, body: dict[str, Any]) -> int:
        return int(self._send("POST", "/authority/devices", body, auth=True)["leaf_index"])

    def revoke(self, device_id: str, reason: str) -> int:
        path = f"/authority/devices/{device_id}/revoke"
        return int(self._send("POST", path, {"reason": reason}, auth=True)["leaf_index"])

    def check_in(self, device_id: str, body: dict[str, Any]) -> int:
        return int(self._send("POST", f"/devices/{device_id}/check-ins", body)["leaf_index"])

    def cast(self, body: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = self._send("POST", "/ballots", body)
        return answer

    def challenge(self, body: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = self._send("POST", "/challenges", body)
        return answer

    def chain_end(self, device_id: str, body: dict[str, Any]) -> int:
        return int(self._send("POST", f"/devices/{device_id}/chain-end", body)["leaf_index"])

    def close(self) -> int:
        return int(self._send("POST", "/authority/close", None, auth=True)["leaf_index"])

    def receipt(self, tracking_code: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._get(f"/receipts/{tracking_code}")
        return answer


__all__ = ["HttpVotingServer"]
