"""The key ceremony: trustees' steps, their secrets, and the transcript on the board."""
