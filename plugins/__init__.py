"""starbranch plugins: category- and campaign-specific features, enabled per subsidiary unit."""
