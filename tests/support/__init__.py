"""Harness code shared by the test suites (imported as ``tests.support.<module>``; the repository root is on
pytest's pythonpath). The conftest files only define fixtures on top of these:

- ``paths``: the repository root and the folder of test artifacts (worker logs, service logs);
- ``solutions``: the word-frequencies exercise's reference solution, a slow variant, and its full marks;
- ``processes``: polling (``wait_for``), process groups and free ports;
- ``workers``: real Celery worker processes on the test database, and the group a fault test reaps;
- ``services``: private PostgreSQL and Redis instances that a fault test may restart;
- ``docker_engine``: a private Docker engine (or the shared one where none can run);
- ``stack``: Gradient on those private services (``PrivateStack``);
- ``redteam``: grading (hostile) submissions in the real sandbox, checking that nothing is left behind;
- ``outcomes``: made-up sandbox outcomes for a run's declared tests;
- ``factories``: factory_boy factories for the models tests create;
- ``layers``: the platform's import rules, read from its source (tests/platform/test_layers.py).
"""
