"""``dipsim import``: turn a published actor table (CSV) into a scenario file.

The expected-utility literature publishes its data as one table per issue:
every actor's capability, position and salience (Bueno de Mesquita 1994 and
its replications), and KAPSARC's KTAB reads several issues side by side from
one CSV. Typing such a table into YAML by hand invites slips, so this module
reads the table, checks every cell (errors name the file, line and column),
converts it to our schema's conventions, writes the YAML with an emitter we
control (every number round-trips exactly), and then loads the result
through the real scenario loader: an import that does not validate, or that
loads back to different numbers, is reported instead of written.

docs/import.md describes the formats, options, conversions and messages.
"""

from sim.importer.errors import ImportBugError, TableError
from sim.importer.export import export_table
from sim.importer.load_back import import_table
from sim.importer.options import Options

__all__ = ["ImportBugError", "Options", "TableError", "export_table", "import_table"]
