"""The five fortress indices and the indicator catalogue ("5+N"), versioned per year."""
