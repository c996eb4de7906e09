"""The independent verifier: checks an exported election record from its files alone.

It imports only ``crypto``, ``domain`` and ``record`` (an import-linter contract holds it)."""
