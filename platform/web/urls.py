"""Every page and API address of the site."""

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from web import (
    account_page,
    accounts,
    api,
    courses,
    email_verification,
    invitations,
    roadmap,
    signup,
    sso,
    staff,
    staff_assignments,
    submissions,
    token_pages,
    two_factor,
)


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("", roadmap.roadmap_view, name="roadmap"),
    path("leaderboard/", roadmap.roadmap_leaderboard_view, name="roadmap_leaderboard"),
    path("exercises/<path:slug>/starter/", roadmap.starter_view, name="starter"),
    # A slug is always "<group>/<name>", so a support file's own folders cannot be taken for the slug's.
    re_path(r"^exercises/(?P<slug>[^/]+/[^/]+)/files/(?P<name>.+)$", roadmap.support_file_view, name="exercise_file"),
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
    *two_factor.urlpatterns,  # sign-in (a second step for two-factor users) and enrolling a device
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    *accounts.urlpatterns,  # password reset by email and password change
    *account_page.urlpatterns,  # /account/: email, data export, closing the account
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
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's page and its start-up script as two responses (no inline script); the UI sets inline
    # styles from its own script, which this page alone allows.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]
