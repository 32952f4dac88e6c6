"""The scoring engine: indicator evaluation → verification → index scores → totals →
stars (veto, promotion, gates, proportions) → ranks and tiers; period close and lock."""
