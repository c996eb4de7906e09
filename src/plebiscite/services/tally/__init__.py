"""The count after the close: shuffle, filter, tally, decryption, results and publication."""
