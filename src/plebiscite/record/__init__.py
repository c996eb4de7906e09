"""The bulletin board: event log, Merkle tree, signed heads, SQL backends, export.

``docs/board.md`` is the reference. Modules: ``events``/``codec`` (the canonical event
envelope), ``merkle`` (RFC 9162 hashing, proofs, ``verify_inclusion``/``verify_consistency``),
``heads`` (signed tree heads), ``board`` (the ``Board`` port), ``memory`` and ``sql`` (its
implementations; ``schema`` and ``migrations`` for the SQL tables), ``export`` (record
directories: export, check, import).
"""
