"""Importers: Otter-Grader and nbgrader assignments converted into an exercise and its hidden grader.

Pure functions from the tool's files to a :class:`~catalog.importers.common.Conversion` (the student's
starter notebook, the reference notebook, the statement, the questions with their tests as text, and what
could not be converted), and one writer that lays a conversion out as ``exercises/<slug>/`` and
``graders/<slug>/`` (exercises/README.md, "Importing from Otter-Grader and nbgrader"). The management
commands ``import_otter`` and ``import_nbgrader`` are thin wrappers.

The input is untrusted data: nothing from it is executed on the host or unpickled (Otter's ``.OTTER_LOG``
is never read), notebooks and zips are read with capped sizes, zip member names are checked as strings and
nothing is extracted to disk. The tests' text lands only in the grader folder, which only the grader box
reads; the student box gets the starter's shape of the notebook, never a test.
"""

from catalog.importers.common import Conversion, ImportedQuestion, ImportedTest, ImporterError, StaffItem
from catalog.importers.nbgrader import convert_nbgrader, convert_nbgrader_folder
from catalog.importers.otter import convert_otter
from catalog.importers.writer import WrittenExercise, write_exercise

__all__ = [
    "Conversion",
    "ImportedQuestion",
    "ImportedTest",
    "ImporterError",
    "StaffItem",
    "WrittenExercise",
    "convert_nbgrader",
    "convert_nbgrader_folder",
    "convert_otter",
    "write_exercise",
]
