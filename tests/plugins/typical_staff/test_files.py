"""Photos and evidence files of a declaration: the ledger's upload checks; a photo must
be an image and not too large; a refused file leaves no row and no file."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from plugins.typical_staff import services
from plugins.typical_staff.models import DeclarationFile
from plugins.typical_staff.services import StaffError
from tests.plugins.typical_staff.conftest import PDF, PNG, TODAY


@pytest.fixture
def decl(db, world, make_campaign, declare):
    return declare(make_campaign(), world.secretary_a, world.branch_a)


def add(db, actor, d, tmp_path, kind, name, data, today=TODAY, photo_max=1024):
    return services.add_file(db, actor, d, kind=kind, filename=name, data=data, upload_dir=tmp_path / "ts",
                             max_bytes=4096, photo_max_bytes=photo_max, extensions=["pdf", "jpg", "png", "docx"],
                             today=today)


def stored(tmp_path):
    folder = tmp_path / "ts"
    return sorted(os.listdir(folder)) if folder.exists() else []


@pytest.mark.parametrize("name, data, message", [
    ("deed.pdf", PDF, "不允许上传"),                 # a PDF is no photo
    ("photo.png", b"not a png at all", "不符"),     # disguised
    ("photo.png", PNG + b"\x00" * 2000, "文件过大"),  # over the photo limit (1 KB here)
    ("photo.gif", b"GIF89a....", "不允许上传"),
])
def test_bad_photos_are_refused_and_nothing_is_written(db, world, decl, tmp_path, name, data, message):
    with pytest.raises(StaffError, match=message):
        add(db, world.secretary_a, decl, tmp_path, "photo", name, data)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(DeclarationFile)) == 0
    assert stored(tmp_path) == []


def test_photo_replaces_the_previous_one_and_evidence_accumulates(db, world, decl, tmp_path):
    first = add(db, world.secretary_a, decl, tmp_path, "photo", "a.png", PNG)
    db.commit()
    add(db, world.secretary_a, decl, tmp_path, "photo", "b.png", PNG)
    add(db, world.secretary_a, decl, tmp_path, "evidence", "证明.pdf", PDF)
    db.commit()
    assert decl.photo.original_name == "b.png"
    assert sorted(f.kind for f in decl.files) == ["evidence", "photo"]
    assert first.stored_name not in stored(tmp_path) and len(stored(tmp_path)) == 2


def test_evidence_follows_the_ledger_limits(db, world, decl, tmp_path):
    with pytest.raises(StaffError, match="文件过大"):
        add(db, world.secretary_a, decl, tmp_path, "evidence", "big.pdf", PDF + b"x" * 5000)
    db.rollback()
    with pytest.raises(StaffError, match="不允许上传"):
        add(db, world.secretary_a, decl, tmp_path, "evidence", "run.exe", b"MZ")
    db.rollback()
    assert stored(tmp_path) == []


def test_files_are_frozen_after_review_and_after_the_deadline(db, world, decl, tmp_path):
    with pytest.raises(StaffError, match="截止"):
        add(db, world.secretary_a, decl, tmp_path, "evidence", "late.pdf", PDF,
            today=decl.campaign.declaration_deadline + timedelta(days=1))
    db.rollback()
    services.review(db, world.reviewer_a, decl, decision="approve", comment="", today=TODAY)
    db.commit()
    with pytest.raises(StaffError, match="审核通过后"):
        add(db, world.secretary_a, decl, tmp_path, "evidence", "x.pdf", PDF)
    db.rollback()
    with pytest.raises(StaffError, match="不能修改"):
        add(db, world.secretary_b, decl, tmp_path, "evidence", "x.pdf", PDF)
