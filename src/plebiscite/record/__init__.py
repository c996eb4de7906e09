"""The bulletin board: event log, Merkle tree, signed heads, SQL backends, export."""
