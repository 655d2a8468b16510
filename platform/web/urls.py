"""Every page and API address of the site."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from web import accounts, api, courses, roadmap, staff, submissions


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
    path("assignments/<int:assignment_id>/files/<path:name>", courses.assignment_file_view, name="assignment_file"),
    path("assignments/<int:assignment_id>/leaderboard/", courses.leaderboard_view, name="assignment_leaderboard"),
    path("cohorts/<int:cohort_id>/leaderboard-name/", courses.leaderboard_name_view, name="cohort_leaderboard_name"),
    path("cohorts/<int:cohort_id>/gradebook/", staff.gradebook_view, name="gradebook"),
    path("cohorts/<int:cohort_id>/gradebook.csv", staff.gradebook_csv_view, name="gradebook_csv"),
    path("cohorts/<int:cohort_id>/enrol/", staff.enrol_view, name="cohort_enrol"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    *accounts.urlpatterns,  # password reset by email and password change
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
    path("api/v1/exercises/", api.ExerciseList.as_view(), name="api-exercises"),
    path("api/v1/submissions/", api.SubmissionListCreate.as_view(), name="api-submissions"),
    path("api/v1/submissions/<int:pk>/", api.SubmissionDetail.as_view(), name="api-submission"),
    path("api/v1/assignments/", api.AssignmentList.as_view(), name="api-assignments"),
    path("api/v1/assignments/<int:pk>/submissions/", api.AssignmentSubmissions.as_view(), name="api-assignment-submissions"),
    path("api/v1/assignments/<int:pk>/leaderboard/", api.AssignmentLeaderboard.as_view(), name="api-assignment-leaderboard"),
    path("api/v1/token/", obtain_auth_token, name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
