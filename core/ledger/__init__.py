"""The electronic ledger (电子台账): activity records, attendance, attachments,
democratic appraisal results, and bonus/deduction/veto records."""
