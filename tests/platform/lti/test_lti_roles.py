"""The LMS-role mapping of docs/lti.md, one row per case (no database)."""

from __future__ import annotations

import pytest

from courses.models import Role
from lti.roles import map_roles

M = "http://purl.imsglobal.org/vocab/lis/v2/membership"


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([f"{M}#Instructor"], Role.INSTRUCTOR),
        ([f"{M}#Administrator"], Role.INSTRUCTOR),
        ([f"{M}#Instructor", f"{M}/Instructor#TeachingAssistant"], Role.TA),
        ([f"{M}/Instructor#TeachingAssistant"], Role.TA),  # the sub-role alone (some LMSs)
        ([f"{M}#Instructor", f"{M}/Instructor#Grader"], Role.TA),
        ([f"{M}#Instructor", f"{M}/Instructor#TeachingAssistant", f"{M}/Instructor#PrimaryInstructor"], Role.INSTRUCTOR),
        ([f"{M}#TeachingAssistant"], Role.TA),
        ([f"{M}#ContentDeveloper"], Role.TA),
        ([f"{M}#Learner"], Role.STUDENT),
        ([f"{M}/Learner#NonCreditLearner"], Role.STUDENT),
        ([f"{M}#Learner", f"{M}#Instructor"], Role.INSTRUCTOR),  # the highest counts
        (["Instructor"], Role.INSTRUCTOR),  # LTI 1.1 short names
        (["Learner"], Role.STUDENT),
        (["urn:lti:role:ims/lis/TeachingAssistant"], Role.TA),
        ([f"{M}#Mentor"], ""),
        (["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"], ""),  # no course rights
        (["http://purl.imsglobal.org/vocab/lis/v2/system/person#SysAdmin", f"{M}#Learner"], Role.STUDENT),
        ([], ""),
    ],
)
def test_lms_roles_map_to_ours(roles: list[str], expected: str) -> None:
    assert map_roles(roles) == expected
