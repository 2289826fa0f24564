"""Speed-ups and patches that touch library internals (the one marked place for them)."""
