"""Analytics reads across the pillars; it owns no tables yet."""
