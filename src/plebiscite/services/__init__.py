"""Use cases over a Board: ceremony, casting, tally, verify, forensics, legitimacy, simulate."""
