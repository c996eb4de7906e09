"""``plebiscite station``: credentials for one station's officials (``docs/pages.md``).

``station credential --device D`` issues a credential scoped to station device ``D``: its
public part goes on the board (a ``station_credential`` event), the secret is printed once,
for the station's officials to sign in at ``/station/login``. ``station revoke PUBLIC``
revokes it on the board. Neither is the authority's token, and neither opens ``/officials``.
"""

from __future__ import annotations

import datetime as dt

import click

from plebiscite.interfaces.cli.options import db_option, open_existing


@click.group()
def station() -> None:
    """Station officials' credentials: issue one scoped to a station device, revoke one."""


@station.command()
@db_option
@click.option("--device", required=True, help="the station device the credential is for")
def credential(db: str, device: str) -> None:
    """Issue a credential for DEVICE's officials; print the secret (once) and its public part."""
    from plebiscite.services.voting.station_credentials import issue, public_part

    with open_existing(db) as board:
        secret, index = issue(board, device, dt.datetime.now(dt.UTC))
    click.echo(f"station credential for {device} (entry {index}); hand it to its officials:")
    click.echo(secret)
    click.echo(f"public part (on the board, to revoke it): {public_part(secret)}")


@station.command()
@db_option
@click.argument("public")
def revoke(db: str, public: str) -> None:
    """Revoke the station credential whose public part is PUBLIC."""
    from plebiscite.services.voting.station_credentials import revoke as revoke_credential

    with open_existing(db) as board:
        index = revoke_credential(board, public, dt.datetime.now(dt.UTC))
    click.echo(f"revoked (entry {index})")


__all__ = ["station"]
