"""Honours register (荣誉): awards a branch received, with level, issuer, date and evidence."""
