"""Reading import files into validated domain records. Pure: no database, no Django.

Reading never stops at the first problem: every problem is collected with the
file, line, column and a reason, so a user can fix a whole file in one pass.
"""

from civharm.ingest.problems import Origin, Problem
from civharm.ingest.reader import ParsedFile, parse_file
from civharm.ingest.tabular import KINDS

__all__ = ["KINDS", "Origin", "ParsedFile", "Problem", "parse_file"]
