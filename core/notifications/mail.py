"""The daily e-mail digest (邮件摘要): one mail per user with her notifications not yet
mailed — never one mail per event. Off unless SMTP is configured
(STARBRANCH_SMTP_HOST …); a user without an address or who opted out gets none."""
from __future__ import annotations

import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.notifications.models import MailPreference, Notification

#: Notifications older than this are not mailed any more (the bell still shows them).
DIGEST_WINDOW = timedelta(days=7)


def smtp_configured(config) -> bool:
    return bool(config.get("SMTP_HOST"))


def _digest(email: str, sender: str, notes: list[Notification], base_url: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"星级党支部管理平台：您有 {len(notes)} 条新提醒"
    msg["From"] = sender
    msg["To"] = email
    lines = [f"您有 {len(notes)} 条新提醒：", ""]
    for n in notes:
        lines.append(f"· {n.title}" + (f"  {base_url}{n.url}" if n.url else ""))
    lines += ["", "不想收到邮件摘要？请在平台的“消息提醒”页面关闭。"]
    msg.set_content("\n".join(lines))
    return msg


def send_digests(session: Session, config, now: datetime | None = None) -> int:
    """Mail each opted-in user her unmailed notifications; returns the number of mails.
    A notification is marked mailed only after its mail was accepted by the server."""
    if not smtp_configured(config):
        return 0
    now = now or utcnow()
    prefs = {p.user_id: p.email for p in session.scalars(select(MailPreference).where(
        MailPreference.digest.is_(True), MailPreference.email.is_not(None)))}
    if not prefs:
        return 0
    pending = session.scalars(select(Notification).where(
        Notification.user_id.in_(sorted(prefs)), Notification.emailed_at.is_(None), Notification.read_at.is_(None),
        Notification.created_at >= now - DIGEST_WINDOW).order_by(Notification.user_id, Notification.id)).all()
    by_user: dict[int, list[Notification]] = {}
    for n in pending:
        by_user.setdefault(n.user_id, []).append(n)
    if not by_user:
        return 0
    sent = 0
    with smtplib.SMTP(config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25), timeout=30) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
        for user_id, notes in by_user.items():
            smtp.send_message(_digest(prefs[user_id], config.get("SMTP_FROM") or "starbranch@localhost", notes,
                                      config.get("PUBLIC_URL") or ""))
            for n in notes:
                n.emailed_at = now
            session.commit()  # mailed is mailed: a later failure must not resend these
            sent += 1
    return sent
