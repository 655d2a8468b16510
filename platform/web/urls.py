"""Every page and API address of the site."""

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from grading.metrics import metrics_view
from web import (
    account_page,
    accounts,
    api,
    at_risk,
    courses,
    email_verification,
    grace_days,
    invitations,
    marking_pages,
    notice_pages,
    roadmap,
    signup,
    similarity_pages,
    sso,
    staff,
    staff_api,
    staff_assignments,
    staff_regrades,
    staff_review,
    submissions,
    token_pages,
    two_factor,
)


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("", roadmap.roadmap_view, name="roadmap"),
    path("metrics", metrics_view, name="metrics"),  # Prometheus, with METRICS_TOKEN (docs/operations.md)
    path("leaderboard/", roadmap.roadmap_leaderboard_view, name="roadmap_leaderboard"),
    path("exercises/<path:slug>/starter/", roadmap.starter_view, name="starter"),
    # A slug is always "<group>/<name>", so a support file's own folders cannot be taken for the slug's.
    re_path(r"^exercises/(?P<slug>[^/]+/[^/]+)/files/(?P<name>.+)$", roadmap.support_file_view, name="exercise_file"),
    *staff_regrades.urlpatterns,  # regrades from the browser; before exercises/<path:slug>/ (docs/roles.md)
    path("exercises/<path:slug>/submit/", submissions.submit_view, name="submit"),
    path("exercises/<path:slug>/", roadmap.exercise_view, name="exercise"),
    path("submissions/<int:submission_id>/", submissions.submission_view, name="submission"),
    path("submissions/<int:submission_id>/result/", submissions.submission_result_view, name="submission_result"),
    path("courses/", courses.courses_view, name="courses"),
    path("assignments/<int:assignment_id>/", courses.assignment_view, name="assignment"),
    path("assignments/<int:assignment_id>/submit/", submissions.assignment_submit_view, name="assignment_submit"),
    path("assignments/<int:assignment_id>/starter/", courses.assignment_starter_view, name="assignment_starter"),
    path("assignments/<int:assignment_id>/files/<path:name>", courses.assignment_file_view, name="assignment_file"),
    path("assignments/<int:assignment_id>/leaderboard/", courses.leaderboard_view, name="assignment_leaderboard"),
    path("cohorts/<int:cohort_id>/leaderboard-name/", courses.leaderboard_name_view, name="cohort_leaderboard_name"),
    path("cohorts/<int:cohort_id>/gradebook/", staff.gradebook_view, name="gradebook"),
    path("cohorts/<int:cohort_id>/gradebook.csv", staff.gradebook_csv_view, name="gradebook_csv"),
    path("cohorts/<int:cohort_id>/enrol/", staff.enrol_view, name="cohort_enrol"),
    path("cohorts/<int:cohort_id>/assignments/", staff_assignments.cohort_assignments_view, name="cohort_assignments"),
    path("cohorts/<int:cohort_id>/assignments/new/", staff_assignments.assignment_create_view, name="assignment_create"),
    path("assignments/<int:assignment_id>/edit/", staff_assignments.assignment_edit_view, name="assignment_edit"),
    path("assignments/<int:assignment_id>/extensions/", staff_assignments.extensions_view, name="assignment_extensions"),
    path("cohorts/<int:cohort_id>/audit/", staff_assignments.audit_log_view, name="cohort_audit"),
    # Similarity reports of an assignment's submissions (docs/similarity.md): staff of the cohort only.
    path("assignments/<int:assignment_id>/similarity/", similarity_pages.reports_view, name="similarity_reports"),
    path("similarity/<int:report_id>/", similarity_pages.report_view, name="similarity_report"),
    path("similarity/<int:report_id>/pairs/<int:pair_id>/", similarity_pages.pair_view, name="similarity_pair"),
    path("cohorts/<int:cohort_id>/grace-days/", grace_days.grace_days_view, name="cohort_grace_days"),
    path("cohorts/<int:cohort_id>/at-risk/", at_risk.at_risk_view, name="cohort_at_risk"),
    path("cohorts/<int:cohort_id>/at-risk.csv", at_risk.at_risk_csv_view, name="cohort_at_risk_csv"),
    path(
        "cohorts/<int:cohort_id>/students/<int:user_id>/submissions/",
        at_risk.student_submissions_view,
        name="cohort_student_submissions",
    ),
    path("submissions/<int:submission_id>/review/", staff_review.submission_review_view, name="submission_review"),
    path("assignments/<int:assignment_id>/submissions/", staff_review.assignment_submissions_view, name="assignment_submissions"),
    path(
        "assignments/<int:assignment_id>/submissions.zip",
        staff_review.assignment_submissions_zip_view,
        name="assignment_submissions_zip",
    ),
    path("assignments/<int:assignment_id>/rubric/", marking_pages.rubric_view, name="assignment_rubric"),
    path("assignments/<int:assignment_id>/grading/", marking_pages.grading_queue_view, name="assignment_grading"),
    path("submissions/<int:submission_id>/grade/", marking_pages.grade_view, name="submission_grade"),
    path("submissions/<int:submission_id>/comments/", marking_pages.comment_view, name="submission_comment"),
    path("comments/<int:comment_id>/delete/", marking_pages.comment_delete_view, name="submission_comment_delete"),
    *two_factor.urlpatterns,  # sign-in (a second step for two-factor users) and enrolling a device
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    *accounts.urlpatterns,  # password reset by email and password change
    *account_page.urlpatterns,  # /account/: email, data export, closing the account
    *notice_pages.urlpatterns,  # /notices/ and /account/notifications/ (docs/notifications.md)
    *email_verification.urlpatterns,
    *signup.urlpatterns,  # sign-up: site-wide (SIGNUP_OPEN), through an invitation, or a course's open sign-up
    *invitations.urlpatterns,  # join links and codes, and the staff's "Invite students" page
    *sso.urlpatterns,  # single sign-on with OpenID Connect: /oidc/authenticate/, /oidc/callback/
    path("account/tokens/", token_pages.tokens_view, name="account_tokens"),
    path("account/tokens/<int:token_id>/revoke/", token_pages.revoke_view, name="account_token_revoke"),
    path("account/tokens/revoke-all/", token_pages.revoke_all_view, name="account_tokens_revoke_all"),
    path("admin/", admin.site.urls),
    path("lti/", include("lti.urls")),  # LTI 1.3 tool: JWKS, login, launch (docs/lti.md)
    path("healthz", health, name="health"),
    path("api/v1/exercises/", api.ExerciseList.as_view(), name="api-exercises"),
    path("api/v1/submissions/", api.SubmissionListCreate.as_view(), name="api-submissions"),
    path("api/v1/submissions/<int:pk>/", api.SubmissionDetail.as_view(), name="api-submission"),
    path("api/v1/assignments/", api.AssignmentList.as_view(), name="api-assignments"),
    path("api/v1/assignments/<int:pk>/submissions/", api.AssignmentSubmissions.as_view(), name="api-assignment-submissions"),
    path("api/v1/assignments/<int:pk>/leaderboard/", api.AssignmentLeaderboard.as_view(), name="api-assignment-leaderboard"),
    path("api/v1/token/", api.TokenObtain.as_view(), name="api-token"),
    path("api/v1/token/logout/", api.TokenLogout.as_view(), name="api-token-logout"),
    path("api/v1/token/logout-all/", api.TokenLogoutAll.as_view(), name="api-token-logout-all"),
    path("api/v1/tokens/", api.TokenList.as_view(), name="api-tokens"),
    path("api/v1/tokens/<int:pk>/", api.TokenDetail.as_view(), name="api-token-detail"),
    # The staff API (web/staff_api.py): the staff pages' work, for the cohort's staff only.
    path("api/v1/staff/cohorts/", staff_api.CohortList.as_view(), name="api-staff-cohorts"),
    path("api/v1/staff/cohorts/<int:pk>/assignments/", staff_api.CohortAssignments.as_view(), name="api-staff-assignments"),
    path("api/v1/staff/cohorts/<int:pk>/gradebook/", staff_api.CohortGradebook.as_view(), name="api-staff-gradebook"),
    path("api/v1/staff/cohorts/<int:pk>/gradebook.csv", staff_api.CohortGradebookCsv.as_view(), name="api-staff-gradebook-csv"),
    path("api/v1/staff/assignments/<int:pk>/", staff_api.AssignmentDetail.as_view(), name="api-staff-assignment"),
    path("api/v1/staff/assignments/<int:pk>/extensions/", staff_api.AssignmentExtensions.as_view(), name="api-staff-extensions"),
    path(
        "api/v1/staff/assignments/<int:pk>/extensions/<int:student_id>/",
        staff_api.AssignmentExtension.as_view(),
        name="api-staff-extension",
    ),
    path("api/v1/staff/assignments/<int:pk>/submissions/", staff_api.AssignmentSubmissionList.as_view(), name="api-staff-submissions"),
    path("api/v1/staff/submissions/<int:pk>/", staff_api.SubmissionDetail.as_view(), name="api-staff-submission"),
    path("api/v1/staff/assignments/<int:pk>/rubric/", staff_api.AssignmentRubric.as_view(), name="api-staff-rubric"),
    path("api/v1/staff/assignments/<int:pk>/release/", staff_api.AssignmentRelease.as_view(), name="api-staff-release"),
    path("api/v1/staff/rubric-items/<int:pk>/", staff_api.RubricItemDetail.as_view(), name="api-staff-rubric-item"),
    path("api/v1/staff/submissions/<int:pk>/grade/", staff_api.SubmissionGrade.as_view(), name="api-staff-grade"),
    path("api/v1/staff/submissions/<int:pk>/comments/", staff_api.SubmissionComments.as_view(), name="api-staff-comments"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's page and its start-up script as two responses (no inline script); the UI sets inline
    # styles from its own script, which this page alone allows.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]
