"""The election's definition on the board: setup, manifest, roll, key, witnesses."""
