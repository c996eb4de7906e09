"""plebiscite: verifiable referendums, and forensics of anyone's referendum results."""

__version__ = "0.1.0"
