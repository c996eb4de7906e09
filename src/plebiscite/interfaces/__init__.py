"""Interfaces: the command line, the HTTP API and the web pages. Nothing imports these."""
