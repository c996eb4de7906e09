"""Pure cryptographic core over ristretto255 (no I/O, no clock, no global state)."""
