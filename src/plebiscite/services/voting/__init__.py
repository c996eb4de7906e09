"""Voting: devices, check-ins, casting, receipts and offline teams."""
