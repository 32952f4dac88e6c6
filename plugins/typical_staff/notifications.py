"""In-app notifications of the campaigns, through the core notification centre: the
branches concerned (their secretaries) and their units' reviewers (the unit committee's
staff) are told when something happens to their candidates; the organisers (admins)
when an objection is filed. Called by the services in the same transaction as the step.

Decided (README, "最美一线员工"):
- Who: a declaration's branch secretaries and its unit's reviewers — the users who see
  the declaration (rights.py). Nobody is told of their own step. Units where the plugin is
  off get nothing (their pages answer 404).
- When: a declaration submitted or resubmitted (the unit's reviewers, who review it);
  each review decision (unit level: the branch; group level: the branch and the unit);
  the notice published (each shortlisted candidate); an objection filed (the organisers,
  who investigate, and the candidate's side — never who filed it, never the reason) and
  its outcome; the selection.
- Once per event: each event has its own key (a review by its id, a submission by its
  number — 1 + the returns before it —, an objection by its id), and the core's `notify` skips a key a
  user already has.
- Titles are Chinese, like the core's reminders: stored text, written once for every
  reader.
"""
from __future__ import annotations

from plugins.typical_staff._core import (NotificationMessage, admin_ids, notify, reviewers_of, secretaries_of,
                                         units_with_plugin)
from plugins.typical_staff.models import PLUGIN, Campaign, Declaration, Objection, Review

#: The plugin's pages (the blueprint's url_prefix); links are paths inside the app.
PREFIX = "/typical-staff"
LEVELS = {"unit": "单位党委", "group": "集团"}
OUTCOMES = {
    ("unit", "approve"): "已通过单位党委审核，推荐至集团",
    ("unit", "return"): "被单位党委退回修改",
    ("unit", "reject"): "未获单位党委推荐",
    ("group", "approve"): "已通过集团审核，入围公示",
    ("group", "return"): "被集团退回修改",
    ("group", "reject"): "未通过集团审核",
}


def _day(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _declaration_url(decl: Declaration) -> str:
    return f"{PREFIX}/declarations/{decl.id}"


def _audience(session, decls, *, branch=True, unit=True, actor=None) -> dict[int, tuple[int, ...]]:
    """declaration id → who is told about it: its branch's secretaries and/or its unit's
    reviewers, where the plugin is on, the acting user left out."""
    enabled = units_with_plugin(session, PLUGIN)
    decls = [d for d in decls if d.unit_id in enabled]
    secretaries = secretaries_of(session, {d.branch_id for d in decls if d.branch_id}) if branch else {}
    reviewers = reviewers_of(session, {d.unit_id for d in decls}) if unit else {}
    me = getattr(actor, "id", None)
    out = {}
    for d in decls:
        users = secretaries.get(d.branch_id, []) + reviewers.get(d.unit_id, [])
        out[d.id] = tuple(u for u in users if u != me)
    return out


def _send(session, messages) -> int:
    return notify(session, [m for m in messages if m.user_ids])


def declaration_submitted(session, decl: Declaration, actor) -> int:
    """A new or corrected declaration awaits the unit committee's review."""
    who = _audience(session, [decl], branch=False, actor=actor)
    # The n-th submission: every return sent it back once (stable while it is reviewed).
    n = 1 + sum(1 for r in decl.reviews if r.decision == "return")
    again = "（修改后重新提交）" if n > 1 else ""
    return _send(session, [NotificationMessage(
        who.get(decl.id, ()), PLUGIN, f"{PLUGIN}:submitted:{decl.id}:{n}",
        f"{decl.campaign.title}：{decl.name}的申报待单位审核{again}", url=_declaration_url(decl))])


def reviewed(session, decl: Declaration, review: Review, actor) -> int:
    """A review decision: the branch is told at both levels, the unit of the group's."""
    who = _audience(session, [decl], unit=review.level == "group", actor=actor)
    body = f"{LEVELS[review.level]}审核意见：{review.comment}" if review.comment else ""
    return _send(session, [NotificationMessage(
        who.get(decl.id, ()), PLUGIN, f"{PLUGIN}:review:{review.id}",
        f"{decl.campaign.title}：{decl.name}{OUTCOMES[(review.level, review.decision)]}", body=body,
        url=_declaration_url(decl))])


def notice_published(session, campaign: Campaign, shortlisted: list[Declaration], actor) -> int:
    """Each shortlisted candidate's side: the notice runs, with its dates."""
    who = _audience(session, shortlisted, actor=actor)
    window = f"{_day(campaign.notice_first)}至{_day(campaign.notice_last)}"
    return _send(session, [NotificationMessage(
        who.get(d.id, ()), PLUGIN, f"{PLUGIN}:notice:{d.id}",
        f"{campaign.title}：{d.name}入围公示（{window}）", url=f"{PREFIX}/campaigns/{campaign.id}/notice")
        for d in shortlisted])


def objection_filed(session, objection: Objection, actor) -> int:
    """The organisers investigate; the candidate's side learns that an objection is
    under investigation — not who filed it nor what it says."""
    decl = objection.declaration
    title = decl.campaign.title
    organisers = tuple(u for u in admin_ids(session) if u != getattr(actor, "id", None))
    return _send(session, [
        NotificationMessage(organisers, PLUGIN, f"{PLUGIN}:objection:{objection.id}",
                            f"{title}：公示收到对{decl.name}的异议，请调查核实",
                            url=f"{PREFIX}/campaigns/{decl.campaign_id}/notice"),
        NotificationMessage(_audience(session, [decl], actor=actor).get(decl.id, ()), PLUGIN,
                            f"{PLUGIN}:objection:{objection.id}",
                            f"{title}：{decl.name}在公示期间收到异议，正在调查核实", url=_declaration_url(decl)),
    ])


def objection_resolved(session, objection: Objection, actor) -> int:
    decl = objection.declaration
    outcome = ("异议成立，已撤销入围资格" if objection.status == "upheld" else "异议不成立，继续公示")
    return _send(session, [NotificationMessage(
        _audience(session, [decl], actor=actor).get(decl.id, ()), PLUGIN, f"{PLUGIN}:objection_outcome:{objection.id}",
        f"{decl.campaign.title}：对{decl.name}的异议已处理——{outcome}", url=_declaration_url(decl))])


def selected(session, campaign: Campaign, winners: list[Declaration], actor) -> int:
    who = _audience(session, winners, actor=actor)
    return _send(session, [NotificationMessage(
        who.get(d.id, ()), PLUGIN, f"{PLUGIN}:selected:{d.id}", f"{d.name}当选“{campaign.title}”最美一线员工",
        url=_declaration_url(d)) for d in winners])
