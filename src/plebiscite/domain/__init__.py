"""The referendum's definition and its pure rules (no I/O, no clock)."""
