from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, JsonResponse
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from catalog import views as catalog_views
from grading import api
from grading import views as grading_views


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("", catalog_views.roadmap_view, name="roadmap"),
    path("exercises/<path:slug>/starter/", catalog_views.starter_view, name="starter"),
    path("exercises/<path:slug>/submit/", grading_views.submit_view, name="submit"),
    path("exercises/<path:slug>/", catalog_views.exercise_view, name="exercise"),
    path("submissions/<int:submission_id>/", grading_views.submission_view, name="submission"),
    path("submissions/<int:submission_id>/result/", grading_views.submission_result_view, name="submission_result"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
    path("api/v1/exercises/", api.ExerciseList.as_view(), name="api-exercises"),
    path("api/v1/submissions/", api.SubmissionListCreate.as_view(), name="api-submissions"),
    path("api/v1/submissions/<int:pk>/", api.SubmissionDetail.as_view(), name="api-submission"),
    path("api/v1/token/", obtain_auth_token, name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
