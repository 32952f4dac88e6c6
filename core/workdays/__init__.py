"""The working-day calendar (工作日历): Chinese public holidays and adjusted working days
(调休上班), for deadlines counted in working days (public notices, annual-grade notices)."""
