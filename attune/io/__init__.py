"""Reading texts from files and writing scored rows.

Readers stream one row dict per input record, in order, whatever the format
(:func:`read_rows`); writers stage output in a temporary file that is renamed when the job
finishes, and can continue an interrupted job (:class:`RowWriter`). The scoring job that joins
them is :func:`attune.batch.score_file`.
"""

from .documents import eml_to_text
from .readers import READABLE, read_rows
from .rows import output_columns, result_row
from .writers import WRITABLE, RowWriter, write_rows

__all__ = ["READABLE", "WRITABLE", "read_rows", "eml_to_text", "result_row", "output_columns",
           "RowWriter", "write_rows"]
