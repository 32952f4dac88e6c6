"""Analysis: dashboards, rankings, the tier ladder, the annual star report, SVG charts
and the read-only JSON API of scores."""
