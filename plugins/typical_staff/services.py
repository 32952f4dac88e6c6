"""The campaign pipeline as plain functions: open a campaign, declare, review at unit and
group level, publish the notice, file and resolve objections, select, record publicity.

Every function takes the session, the acting user and (where dates matter) `today`; it
either changes everything it was asked to or raises StaffError having written nothing
(checks come before the first write). Every change is audited, and the branches and
units concerned are notified in the same transaction (notifications.py).

Decisions (README, "最美一线员工"):
- Quotas: a unit's 申报名额 caps its live declarations (submitted, returned, recommended,
  shortlisted, selected); its 推荐名额 caps what the unit committee forwards (recommended,
  shortlisted, selected); the campaign's group quota caps the shortlist. A unit without a
  quota row has none (0).
- Deadlines: declaring, correcting and adding files until the declaration deadline
  (inclusive); unit review until the unit review deadline; group review until the group
  review deadline. A return at either level sends the declaration back to its declarer,
  who corrects and resubmits it before the declaration deadline; it is then reviewed anew.
- A candidate appears once per campaign: a member by their record, a person entered by
  name by (unit, name) — the unique key `candidate_key` enforces it in the database too.
- The notice runs `notice_days` working days from the first working day on or after
  max(planned start, day of publication); objections are accepted on those days only;
  selection is possible from the next day on, and only with no open objection.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plugins.typical_staff import notifications, rights
from plugins.typical_staff._core import (
    sep,
    Branch, Member, UploadRefused, audit, branch_clause, check_upload, is_enabled, new_stored_name, notice_window,
    remove_file, utcnow, write_file)
from plugins.typical_staff.models import (
    CHANNELS, COUNTED_DECLARED, COUNTED_RECOMMENDED, COUNTED_SHORTLISTED, GENDERS, PLUGIN, Campaign, Declaration,
    DeclarationFile, DeedCategory, Objection, PublicityRecord, Review, StudyRecord, UnitQuota)

#: Photos: images only.
PHOTO_EXTENSIONS = ("jpg", "jpeg", "png")
#: Fields a declarer fills in (and corrects).
DECLARATION_FIELDS = ("name", "gender", "post", "frontline_years", "category_id", "deed", "recommenders")


class StaffError(ValueError):
    """A refused step of the campaign; the message is for the user."""


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise StaffError(message)


# ------------------------------------------------------------------ campaigns

def _check_campaign_values(v: dict) -> None:
    _require(bool((v.get("title") or "").strip()), _("请填写活动名称。"))
    _require(v["declaration_deadline"] <= v["unit_review_deadline"] <= v["group_review_deadline"] <= v["notice_start"],
             _("日期须依次为：申报截止 ≤ 单位审核截止 ≤ 集团审核截止 ≤ 公示开始。"))
    _require(1 <= v["notice_days"] <= 30, _("公示期须为 1–30 个工作日。"))
    _require(v["group_quota"] >= 1, _("集团评选名额至少为 1。"))


def _clean_categories(names) -> list[str]:
    out = []
    for n in names:
        n = n.strip()
        if n and n not in out:
            _require(len(n) <= 40, _("事迹类别“%(n)s”过长（最多 40 个字）。", n=n))
            out.append(n)
    _require(bool(out), _("至少需要一个事迹类别。"))
    return out


CAMPAIGN_FIELDS = ("title", "year", "criteria", "declaration_deadline", "unit_review_deadline",
                   "group_review_deadline", "notice_start", "notice_days", "group_quota")


def create_campaign(session: Session, actor, *, categories=None, **values) -> Campaign:
    """A new campaign in draft, with the five default categories unless told."""
    from plugins.typical_staff.models import DEFAULT_CATEGORIES

    _require(rights.is_organiser(actor), _("只有宣传部（集团管理员）可以发起评选活动。"))
    _check_campaign_values(values)
    names = _clean_categories(categories if categories is not None else DEFAULT_CATEGORIES)
    campaign = Campaign(**{k: values[k] for k in CAMPAIGN_FIELDS}, status="draft", created_by=actor.id,
                        categories=[DeedCategory(name=n, sort_order=i) for i, n in enumerate(names)])
    session.add(campaign)
    session.flush()
    audit(session, actor=actor, action="typical_staff.campaign.create", obj=campaign,
          new={k: values[k] for k in CAMPAIGN_FIELDS} | {"categories": names})
    return campaign


def update_campaign(session: Session, actor, campaign: Campaign, *, categories, **values) -> None:
    """Change a campaign before its notice: fields and categories (a used category stays)."""
    _require(rights.is_organiser(actor), _("只有宣传部（集团管理员）可以修改评选活动。"))
    _require(campaign.status in ("draft", "open"), _("公示开始后不能再修改活动。"))
    _check_campaign_values(values)
    names = _clean_categories(categories)
    used = set(session.scalars(select(DeedCategory.name).join(Declaration, Declaration.category_id == DeedCategory.id)
                               .where(DeedCategory.campaign_id == campaign.id)))
    dropped = sorted(used - set(names))
    _require(not dropped, _("事迹类别 %(names)s 已有申报使用，不能删除。", names=sep("list").join(dropped)))
    old = {k: getattr(campaign, k) for k in CAMPAIGN_FIELDS} | {"categories": [c.name for c in campaign.categories]}
    for k in CAMPAIGN_FIELDS:
        setattr(campaign, k, values[k])
    by_name = {c.name: c for c in campaign.categories}
    campaign.categories = [by_name.get(n) or DeedCategory(name=n) for n in names]
    for i, c in enumerate(campaign.categories):
        c.sort_order = i
    campaign.version += 1
    session.flush()
    audit(session, actor=actor, action="typical_staff.campaign.update", obj=campaign, old=old,
          new={k: values[k] for k in CAMPAIGN_FIELDS} | {"categories": names})


def open_campaign(session: Session, actor, campaign: Campaign) -> None:
    """draft → open: declarations are accepted."""
    _require(rights.is_organiser(actor), _("只有宣传部（集团管理员）可以启动申报。"))
    _require(campaign.status == "draft", _("活动已启动。"))
    campaign.status = "open"
    audit(session, actor=actor, action="typical_staff.campaign.open", obj=campaign,
          old={"status": "draft"}, new={"status": "open"})


def quotas_of(session: Session, campaign: Campaign) -> dict[int, UnitQuota]:
    return {q.unit_id: q for q in session.scalars(select(UnitQuota).where(UnitQuota.campaign_id == campaign.id))}


def set_quotas(session: Session, actor, campaign: Campaign, quotas: dict[int, tuple[int, int]]) -> None:
    """{unit_id: (申报名额, 推荐名额)} for units where the plugin is enabled."""
    _require(rights.is_organiser(actor), _("只有宣传部（集团管理员）可以分配名额。"))
    _require(campaign.status in ("draft", "open"), _("公示开始后不能再修改名额。"))
    for unit_id, (declare, recommend) in quotas.items():
        _require(is_enabled(session, unit_id, PLUGIN), _("该单位未启用最美一线员工插件。"))
        _require(declare >= 0 and recommend >= 0, _("名额不能为负数。"))
        _require(recommend <= declare, _("推荐名额不能多于申报名额。"))
    have = quotas_of(session, campaign)
    for unit_id, (declare, recommend) in quotas.items():
        q = have.get(unit_id)
        old = None if q is None else {"declare_quota": q.declare_quota, "recommend_quota": q.recommend_quota}
        if q is None:
            q = UnitQuota(campaign_id=campaign.id, unit_id=unit_id)
            session.add(q)
        q.declare_quota, q.recommend_quota = declare, recommend
        if old != {"declare_quota": declare, "recommend_quota": recommend}:
            audit(session, actor=actor, action="typical_staff.quota.set", object_type="ts_unit_quotas",
                  object_id=f"{campaign.id}:{unit_id}", old=old,
                  new={"declare_quota": declare, "recommend_quota": recommend}, unit_id=unit_id)
    session.flush()


def _count(session: Session, campaign_id: int, statuses, unit_id: int | None = None) -> int:
    stmt = select(func.count(Declaration.id)).where(Declaration.campaign_id == campaign_id,
                                                    Declaration.status.in_(statuses))
    if unit_id is not None:
        stmt = stmt.where(Declaration.unit_id == unit_id)
    return session.scalar(stmt)


# ------------------------------------------------------------------ declarations

def visible_declarations(user):
    """select() of the declarations `user` may see (core scoping: branch / unit / all)."""
    return select(Declaration).where(branch_clause(user, Declaration.branch_id, Declaration.unit_id))


def _check_open_for_declaring(campaign: Campaign, today: date) -> None:
    _require(campaign.status == "open", _("该活动当前不接受申报。"))
    _require(today <= campaign.declaration_deadline,
             _("申报已于 %(d)s 截止。", d=campaign.declaration_deadline.isoformat()))


def _check_fields(session: Session, campaign: Campaign, v: dict) -> dict:
    clean = {k: v.get(k) for k in DECLARATION_FIELDS}
    for k in ("name", "post", "deed", "recommenders"):
        clean[k] = (clean[k] or "").strip()
    _require(bool(clean["name"]), _("请填写候选人姓名。"))
    _require(len(clean["name"]) <= 60, _("姓名过长（最多 60 个字）。"))
    _require(clean["gender"] in GENDERS, _("请选择性别。"))
    _require(bool(clean["post"]), _("请填写岗位。"))
    _require(isinstance(clean["frontline_years"], int) and 0 <= clean["frontline_years"] <= 60,
             _("一线工作年限须为 0–60 的整数。"))
    _require(len(clean["deed"]) >= 20, _("主要事迹至少 20 个字。"))
    _require(bool(clean["recommenders"]), _("请填写推荐人。"))
    category = session.get(DeedCategory, clean["category_id"] or 0)
    _require(category is not None and category.campaign_id == campaign.id, _("请选择本活动的事迹类别。"))
    return clean


def _candidate_key(unit_id: int, member_id: int | None, name: str) -> str:
    return f"m:{member_id}" if member_id else f"p:{unit_id}:{name}"


def declare(session: Session, actor, campaign: Campaign, *, unit_id: int, branch_id: int | None,
            member_id: int | None, today: date, **fields) -> Declaration:
    """A new declaration (status submitted). Refused after the deadline, over the unit's
    declaration quota, for a candidate already declared, where the plugin is off."""
    branch = None
    if branch_id is not None:
        branch = session.get(Branch, branch_id)
        _require(branch is not None and branch.active, _("支部不存在。"))
        unit_id = branch.unit_id
    _require(rights.can_declare(actor, unit_id, branch_id) and actor.role != "viewer",
             _("您不能为该单位或支部申报。"))
    _require(is_enabled(session, unit_id, PLUGIN), _("该单位未启用最美一线员工插件。"))
    _check_open_for_declaring(campaign, today)
    clean = _check_fields(session, campaign, fields)
    if member_id:
        member = session.get(Member, member_id)
        _require(member is not None and member.active and branch is not None and member.branch_id == branch.id,
                 _("所选党员不属于申报支部。"))
        clean["name"] = member.name
    key = _candidate_key(unit_id, member_id, clean["name"])
    _require(session.scalar(select(Declaration.id).where(Declaration.campaign_id == campaign.id,
                                                         Declaration.candidate_key == key)) is None,
             _("%(name)s 已在本次活动中被申报，同一候选人不能重复申报。", name=clean["name"]))
    quota = quotas_of(session, campaign).get(unit_id)
    limit = quota.declare_quota if quota else 0
    _require(_count(session, campaign.id, COUNTED_DECLARED, unit_id) < limit,
             _("本单位申报名额已满（%(n)s 名）。", n=limit))
    decl = Declaration(campaign_id=campaign.id, unit_id=unit_id, branch_id=branch_id, member_id=member_id or None,
                       candidate_key=key, status="submitted", created_by=actor.id, **clean)
    session.add(decl)
    session.flush()
    audit(session, actor=actor, action="typical_staff.declaration.create", obj=decl,
          new=clean | {"branch_id": branch_id, "member_id": member_id})
    notifications.declaration_submitted(session, decl, actor)
    return decl


def correct(session: Session, actor, decl: Declaration, *, today: date, **fields) -> None:
    """Correct a returned declaration and submit it again (before the deadline)."""
    _require(rights.can_correct(actor, decl), _("您不能修改该申报。"))
    _require(decl.status == "returned", _("只有被退回的申报可以修改后重新提交。"))
    _check_open_for_declaring(decl.campaign, today)
    clean = _check_fields(session, decl.campaign, fields)
    if decl.member_id:
        clean["name"] = decl.name  # a member's name comes from the record
    key = _candidate_key(decl.unit_id, decl.member_id, clean["name"])
    _require(session.scalar(select(Declaration.id).where(
        Declaration.campaign_id == decl.campaign_id, Declaration.candidate_key == key,
        Declaration.id != decl.id)) is None,
        _("%(name)s 已在本次活动中被申报，同一候选人不能重复申报。", name=clean["name"]))
    old = {k: getattr(decl, k) for k in DECLARATION_FIELDS} | {"status": decl.status}
    for k, v in clean.items():
        setattr(decl, k, v)
    decl.candidate_key, decl.status, decl.submitted_at = key, "submitted", utcnow()
    decl.version += 1
    session.flush()
    audit(session, actor=actor, action="typical_staff.declaration.correct", obj=decl, old=old,
          new=clean | {"status": "submitted"})
    notifications.declaration_submitted(session, decl, actor)


def add_file(session: Session, actor, decl: Declaration, *, kind: str, filename: str, data: bytes, upload_dir,
             max_bytes: int, photo_max_bytes: int, extensions, today: date) -> DeclarationFile:
    """Attach a photo (images only; replaces the previous one) or an evidence file, with
    the ledger's upload checks (size, extension and content)."""
    _require(rights.can_correct(actor, decl), _("您不能修改该申报。"))
    _require(decl.status in ("submitted", "returned"), _("申报审核通过后不能再更改材料。"))
    _check_open_for_declaring(decl.campaign, today)
    _require(kind in ("photo", "evidence"), _("未知的材料类型。"))
    try:
        if kind == "photo":
            checked = check_upload(filename, data, max_bytes=photo_max_bytes, extensions=PHOTO_EXTENSIONS)
        else:
            checked = check_upload(filename, data, max_bytes=max_bytes, extensions=extensions)
    except UploadRefused as exc:
        raise StaffError(str(exc)) from None
    old_photo = decl.photo if kind == "photo" else None
    f = DeclarationFile(declaration_id=decl.id, kind=kind, original_name=checked.original_name,
                        stored_name=new_stored_name(checked.extension), content_type=checked.content_type,
                        size=checked.size, uploaded_by=actor.id)
    if old_photo is not None:
        decl.files.remove(old_photo)
    decl.files.append(f)
    session.flush()
    audit(session, actor=actor, action="typical_staff.file.add", obj=f, unit_id=decl.unit_id,
          old={"photo": old_photo.original_name} if old_photo else None,
          new={"declaration_id": decl.id, "kind": kind, "name": checked.original_name, "size": checked.size})
    write_file(upload_dir, f.stored_name, data)  # last: nothing is written if a check failed
    if old_photo is not None:
        remove_file(upload_dir, old_photo.stored_name)
    return f


# ------------------------------------------------------------------ review

def review(session: Session, actor, decl: Declaration, *, decision: str, comment: str, today: date) -> Review:
    """The unit committee's decision on a submitted declaration, or the group's on a
    recommended one; quotas checked at each level. A return or a refusal needs a comment."""
    campaign = decl.campaign
    comment = (comment or "").strip()
    _require(decision in ("approve", "return", "reject"), _("请选择审核结论。"))
    _require(campaign.status == "open", _("该活动当前不在评审阶段。"))
    _require(decision == "approve" or bool(comment), _("退回或不通过时必须填写审核意见。"))
    if decl.status == "submitted":
        level = "unit"
        _require(rights.can_unit_review(actor, decl), _("只有本单位党委审核员可以审核该申报。"))
        _require(is_enabled(session, decl.unit_id, PLUGIN), _("该单位未启用最美一线员工插件。"))
        _require(today <= campaign.unit_review_deadline,
                 _("单位审核已于 %(d)s 截止。", d=campaign.unit_review_deadline.isoformat()))
        if decision == "approve":
            quota = quotas_of(session, campaign).get(decl.unit_id)
            limit = quota.recommend_quota if quota else 0
            _require(_count(session, campaign.id, COUNTED_RECOMMENDED, decl.unit_id) < limit,
                     _("本单位推荐名额已满（%(n)s 名）。", n=limit))
        new_status = {"approve": "recommended", "return": "returned", "reject": "unit_rejected"}[decision]
    elif decl.status == "recommended":
        level = "group"
        _require(rights.is_organiser(actor), _("只有宣传部（集团管理员）可以进行集团审核。"))
        _require(today <= campaign.group_review_deadline,
                 _("集团审核已于 %(d)s 截止。", d=campaign.group_review_deadline.isoformat()))
        if decision == "approve":
            _require(_count(session, campaign.id, COUNTED_SHORTLISTED) < campaign.group_quota,
                     _("集团评选名额已满（%(n)s 名）。", n=campaign.group_quota))
        new_status = {"approve": "shortlisted", "return": "returned", "reject": "group_rejected"}[decision]
    else:
        raise StaffError(_("该申报当前不待审核（%(s)s）。", s=_(decl.status_label)))
    r = Review(declaration_id=decl.id, level=level, decision=decision, comment=comment, reviewer_id=actor.id)
    decl.reviews.append(r)
    old = decl.status
    decl.status = new_status
    decl.version += 1
    session.flush()
    audit(session, actor=actor, action=f"typical_staff.review.{level}", obj=decl, old={"status": old},
          new={"status": new_status, "decision": decision}, reason=comment or None)
    notifications.reviewed(session, decl, r, actor)
    return r


# ------------------------------------------------------------------ public notice

def publish_notice(session: Session, actor, campaign: Campaign, *, today: date) -> tuple[date, date]:
    """open → notice: fix the window of `notice_days` working days; returns (first, last).
    Refused while a declaration awaits review or when nobody is shortlisted."""
    _require(rights.is_organiser(actor), _("只有宣传部（集团管理员）可以发布公示。"))
    _require(campaign.status == "open", _("该活动当前不能发布公示。"))
    pending = _count(session, campaign.id, ("submitted", "recommended"))
    _require(pending == 0, _("还有 %(n)s 份申报待审核，审核完毕后才能公示。", n=pending))
    _require(_count(session, campaign.id, ("shortlisted",)) > 0, _("没有入围的候选人，不能公示。"))
    first, last = notice_window(session, max(campaign.notice_start, today), campaign.notice_days)
    campaign.status, campaign.notice_first, campaign.notice_last = "notice", first, last
    session.flush()
    audit(session, actor=actor, action="typical_staff.notice.publish", obj=campaign, old={"status": "open"},
          new={"status": "notice", "notice_first": first, "notice_last": last})
    notifications.notice_published(session, campaign, list(session.scalars(
        select(Declaration).where(Declaration.campaign_id == campaign.id, Declaration.status == "shortlisted")
        .order_by(Declaration.id))), actor)
    return first, last


def notice_running(campaign: Campaign, today: date) -> bool:
    return (campaign.status == "notice" and campaign.notice_first is not None
            and campaign.notice_first <= today <= campaign.notice_last)


def file_objection(session: Session, actor, decl: Declaration, *, reason: str, today: date) -> Objection:
    """Any logged-in user objects to a shortlisted candidate during the notice, with a reason."""
    reason = (reason or "").strip()
    _require(bool(reason), _("请填写异议的事实和理由。"))
    _require(len(reason) <= 2000, _("异议理由过长（最多 2000 字）。"))
    _require(notice_running(decl.campaign, today), _("不在公示期内，不能提出异议。"))
    _require(decl.status == "shortlisted", _("该候选人不在公示名单中。"))
    o = Objection(declaration_id=decl.id, campaign_id=decl.campaign_id, filed_by=actor.id, reason=reason)
    session.add(o)
    session.flush()
    audit(session, actor=actor, action="typical_staff.objection.file", obj=o, unit_id=decl.unit_id,
          new={"declaration_id": decl.id, "reason": reason})
    notifications.objection_filed(session, o, actor)
    return o


def resolve_objection(session: Session, actor, objection: Objection, *, upheld: bool, resolution: str) -> None:
    """Record the investigation: upheld withdraws the candidate, dismissed keeps them."""
    resolution = (resolution or "").strip()
    _require(rights.is_organiser(actor), _("只有宣传部（集团管理员）可以处理异议。"))
    _require(objection.status == "open", _("该异议已处理。"))
    _require(bool(resolution), _("请填写调查核实情况。"))
    decl = objection.declaration
    objection.status = "upheld" if upheld else "dismissed"
    objection.resolution, objection.resolved_by, objection.resolved_at = resolution, actor.id, utcnow()
    if upheld and decl.status == "shortlisted":
        decl.status = "withdrawn"
        decl.version += 1
        audit(session, actor=actor, action="typical_staff.declaration.withdraw", obj=decl,
              old={"status": "shortlisted"}, new={"status": "withdrawn"}, reason=resolution)
    session.flush()
    audit(session, actor=actor, action="typical_staff.objection.resolve", obj=objection, unit_id=decl.unit_id,
          old={"status": "open"}, new={"status": objection.status}, reason=resolution)
    notifications.objection_resolved(session, objection, actor)


def open_objections(session: Session, campaign: Campaign) -> int:
    return session.scalar(select(func.count(Objection.id)).where(Objection.campaign_id == campaign.id,
                                                                 Objection.status == "open"))


def select_winners(session: Session, actor, campaign: Campaign, *, today: date) -> list[Declaration]:
    """notice → selected: every shortlisted candidate is selected. Only after the window
    has closed and with no open objection."""
    _require(rights.is_organiser(actor), _("只有宣传部（集团管理员）可以确定评选结果。"))
    _require(campaign.status == "notice", _("该活动不在公示阶段。"))
    _require(today > campaign.notice_last,
             _("公示期至 %(d)s 结束，期满后才能确定评选结果。", d=campaign.notice_last.isoformat()))
    n_open = open_objections(session, campaign)
    _require(n_open == 0, _("还有 %(n)s 条异议未处理，不能确定评选结果。", n=n_open))
    winners = list(session.scalars(select(Declaration).where(Declaration.campaign_id == campaign.id,
                                                             Declaration.status == "shortlisted")
                                   .order_by(Declaration.id)))
    for d in winners:
        d.status = "selected"
        d.version += 1
    campaign.status, campaign.selected_at = "selected", utcnow()
    session.flush()
    audit(session, actor=actor, action="typical_staff.select", obj=campaign, old={"status": "notice"},
          new={"status": "selected", "selected": [d.name for d in winners]})
    notifications.selected(session, campaign, winners, actor)
    return winners


# ------------------------------------------------------------------ publicity and follow-up

def add_publicity(session: Session, actor, campaign: Campaign, *, channel: str, published_on: date,
                  reference: str, title: str = "", declaration_id: int | None = None) -> PublicityRecord:
    _require(rights.is_organiser(actor), _("只有宣传部（集团管理员）可以登记宣传报道。"))
    _require(campaign.status == "selected", _("评选结果确定后才能登记宣传报道。"))
    _require(channel in CHANNELS, _("请选择宣传渠道。"))
    reference = (reference or "").strip()
    _require(bool(reference), _("请填写链接或刊发信息。"))
    if declaration_id:
        d = session.get(Declaration, declaration_id)
        _require(d is not None and d.campaign_id == campaign.id and d.status == "selected",
                 _("只能为本活动的当选者登记宣传报道。"))
    rec = PublicityRecord(campaign_id=campaign.id, declaration_id=declaration_id or None, channel=channel,
                          published_on=published_on, reference=reference, title=(title or "").strip(),
                          created_by=actor.id)
    session.add(rec)
    session.flush()
    audit(session, actor=actor, action="typical_staff.publicity.add", obj=rec,
          new={"channel": channel, "published_on": published_on, "reference": reference})
    return rec


def add_study(session: Session, actor, campaign: Campaign, *, unit_id: int, held_on: date, title: str,
              summary: str, participants: int) -> StudyRecord:
    """A unit's 学习宣传 activity, by its reviewers or the organisers."""
    _require(rights.is_organiser(actor) or (actor.role == "reviewer" and unit_id in actor.unit_ids),
             _("只有本单位党委审核员或宣传部可以登记学习宣传活动。"))
    _require(is_enabled(session, unit_id, PLUGIN), _("该单位未启用最美一线员工插件。"))
    _require(campaign.status == "selected", _("评选结果确定后才能登记学习宣传活动。"))
    title = (title or "").strip()
    _require(bool(title), _("请填写活动名称。"))
    _require(participants >= 0, _("参加人数不能为负数。"))
    rec = StudyRecord(campaign_id=campaign.id, unit_id=unit_id, held_on=held_on, title=title,
                      summary=(summary or "").strip(), participants=participants, created_by=actor.id)
    session.add(rec)
    session.flush()
    audit(session, actor=actor, action="typical_staff.study.add", obj=rec,
          new={"held_on": held_on, "title": title, "participants": participants})
    return rec
