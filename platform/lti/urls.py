"""The tool's addresses, under /lti/ (web/urls.py includes them). Register these with the LMS (docs/lti.md)."""

from django.urls import path

from lti import views

urlpatterns = [
    path("jwks/", views.jwks_view, name="lti_jwks"),
    path("login/", views.login_view, name="lti_login"),
    path("login/<uuid:registration_uuid>/", views.login_view, name="lti_login_for"),
    path("launch/", views.launch_view, name="lti_launch"),
    path("choose/", views.choose_view, name="lti_choose"),
    path("cohorts/<int:cohort_id>/", views.cohort_view, name="lti_cohort"),
]
