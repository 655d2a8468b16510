"""Shared vocabulary below every app: imports nothing from catalog, courses, grading or web."""
