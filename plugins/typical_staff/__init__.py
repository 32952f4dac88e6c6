"""Plugin `typical_staff`: the "most beautiful frontline employee" (最美一线员工)
campaigns — declaration, review, public notice, selection, publicity, certificates."""
MANIFEST = {
    "name": "typical_staff",
    "label": "最美一线员工",
    "version": "0.1.0",
    "depends": [],
    "summary": "最美一线员工推举宣传：申报、审核、公示、评选、宣传、表彰证书。",
}
