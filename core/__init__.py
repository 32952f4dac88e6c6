"""starbranch core: the organisation, the five fortress indices, the ledger, the scoring
engine and the tier ladder of the "5521" Party branch star rating (党支部星级评定)."""
