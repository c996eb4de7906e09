"""The one error tree of plebiscite.

Every error the project raises on purpose is a :class:`PlebisciteError`. Each class carries
the process exit code and the HTTP status it maps to; the CLI and the HTTP API translate
errors in one place each (``interfaces/cli`` and ``interfaces/app``) from these attributes.

::

    PlebisciteError                      exit 1   HTTP 500
    +-- SetupError                       exit 3   HTTP 500   missing system library, bad config
    +-- InputError                       exit 2   HTTP 422   bad user input (names what is wrong)
    |   +-- NotFoundError                HTTP 404           no such ballot, device or entry
    |   +-- ManifestError                                   a manifest that does not load
    |   +-- RollError                                       a roll file or roll addition
    |   +-- DataFormatError                                 a results table (forensics readers)
    +-- CryptoError                      exit 4   HTTP 422   malformed or invalid cryptographic data
    |   +-- EncodingError                                   bytes that are not a valid point/scalar
    |   +-- ProofError                                      a zero-knowledge proof that fails
    |   +-- SignatureError                                  a signature that does not verify
    |   +-- ThresholdError                                  key ceremony, threshold decryption
    +-- RuleError                        exit 5   HTTP 409   a protocol rule refuses the action
    |   +-- ScheduleError                                   location closed at that time
    |   |   +-- VotingClosedError                           after the authority closed voting
    |   +-- EligibilityError                                voter not on the roll of that region
    |   +-- DuplicateBallotError                            second ballot of the same kind
    |   +-- UnknownDeviceError           HTTP 403           device not enrolled
    |   |   +-- RevokedDeviceError                          device revoked
    |   +-- DeviceExistsError, WrongElectionError, ChainError, ReplayError, NotReadyError
    +-- BoardError                       exit 6   HTTP 503   the bulletin board store
    |   +-- SchemaVersionError                              a database of another schema version
    |   +-- NotABoardError                                  a database that is not a board
    +-- RecordError                      exit 7   HTTP 422   an exported record that is corrupt
    +-- VerificationError                exit 8   HTTP 422   a verifier check failed (with its id)
"""

from __future__ import annotations


class PlebisciteError(Exception):
    """Base of every error plebiscite raises on purpose."""

    exit_code: int = 1
    http_status: int = 500
    title: str = "plebiscite error"


class SetupError(PlebisciteError):
    exit_code = 3
    title = "set-up error"


class InputError(PlebisciteError):
    exit_code = 2
    http_status = 422
    title = "invalid input"


class ManifestError(InputError):
    title = "invalid manifest"


class RollError(InputError):
    title = "invalid roll"


class DataFormatError(InputError):
    title = "unreadable results data"


class CryptoError(PlebisciteError):
    exit_code = 4
    http_status = 422
    title = "invalid cryptographic data"


class EncodingError(CryptoError):
    title = "invalid encoding"


class ProofError(CryptoError):
    title = "proof does not verify"


class SignatureError(CryptoError):
    title = "signature does not verify"


class ThresholdError(CryptoError):
    title = "threshold protocol error"


class RuleError(PlebisciteError):
    exit_code = 5
    http_status = 409
    title = "refused by a protocol rule"


class ScheduleError(RuleError):
    title = "location closed"


class EligibilityError(RuleError):
    title = "voter not eligible"


class DuplicateBallotError(RuleError):
    title = "ballot already cast"


class BoardError(PlebisciteError):
    exit_code = 6
    http_status = 503
    title = "bulletin board unavailable"


class SchemaVersionError(BoardError):
    title = "board schema version mismatch"


class NotABoardError(BoardError):
    title = "not a plebiscite board"


class RecordError(PlebisciteError):
    exit_code = 7
    http_status = 422
    title = "corrupt election record"


class VerificationError(PlebisciteError):
    """A verifier check failed; ``check_id`` names it (e.g. ``V7``)."""

    exit_code = 8
    http_status = 422
    title = "verification failed"

    def __init__(self, check_id: str, message: str) -> None:
        super().__init__(f"{check_id}: {message}")
        self.check_id = check_id
        self.detail = message


# --- voting day (the casting service) ------------------------------------------------------


class UnknownDeviceError(RuleError):
    http_status = 403
    title = "unknown device"


class RevokedDeviceError(UnknownDeviceError):
    title = "device revoked"


class DeviceExistsError(RuleError):
    title = "device already enrolled"


class WrongElectionError(RuleError):
    title = "ballot for another election"


class ChainError(RuleError):
    title = "tracking-code chain broken"


class ReplayError(RuleError):
    title = "ballot replayed"


class VotingClosedError(ScheduleError):
    title = "voting closed"


class NotReadyError(RuleError):
    title = "election not ready"


class NotFoundError(InputError):
    http_status = 404
    title = "not found"
