"""Pandera input contracts, one module per input (Appendix 1, 2, 4 and the acts)."""
