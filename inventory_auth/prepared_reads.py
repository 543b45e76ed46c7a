"""A SELECT that requests run all the time (the token check, introspection), at the least cost.

`PreparedRead(name, statement).first(**values)` runs the statement on the pool's own DBAPI
connection, in autocommit on PostgreSQL (`database.raw_read_connection`), and converts the row
with the columns' own result processors: SQLAlchemy's execution layer (execution context, result
metadata, row objects) would cost more than the rest of the read. On PostgreSQL each connection
prepares the statement once, under `name`, on its first use, and runs it by name from then on:
the server then parses and plans it once per connection instead of once per request
(docs/benchmarks.md). `DATABASE_PREPARED_STATEMENTS=false` turns that off for a pooler that may
hand each transaction another server connection.

While something listens to the engine's events (tracing, tests counting statements), the read
goes through a SQLAlchemy `Connection` instead, which calls the listeners. A failed statement is
handed to SQLAlchemy's error handling either way: a lost server is a 503 (web/errors.py) and the
pool recovers.
"""

from __future__ import annotations

import weakref

from sqlalchemy import Connection

from .config import settings
from .database import raw_read_connection, read_connection
from .extensions import db

# What PostgreSQL answers when a connection no longer holds a statement it prepared: not there (a
# `DEALLOCATE ALL`, a pooler handing out another server connection), or prepared against columns
# a migration has since changed (then deallocated, to be prepared again).
_MISSING, _STALE = "26000", "0A000"


class PreparedRead:
    def __init__(self, name: str, statement):
        self.name = name
        self.statement = statement
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per engine

    def first(self, **values) -> tuple | None:
        """The first row for `values` (every bound parameter, by name), converted; None if none."""
        engine = db.engine
        if engine._has_events or Connection._has_events:
            with read_connection() as connection:
                return connection.execute(self.statement, values).first()
        compiled = self._compiled.get(engine)
        if compiled is None:
            compiled = self._compiled[engine] = self.compile(
                engine.dialect, settings().DATABASE_PREPARED_STATEMENTS
            )
        sql, parameters = compiled.sql, compiled.parameters(values)
        with raw_read_connection(engine) as pooled:
            cursor = pooled.dbapi_connection.cursor()
            try:
                if compiled.execute is None:
                    cursor.execute(sql, parameters)
                else:
                    sql = self._execute_prepared(pooled, cursor, compiled, parameters)
                row = cursor.fetchone()
            except Exception as error:
                Connection(engine, connection=pooled)._handle_dbapi_exception(
                    error, sql, parameters, cursor, None
                )
            finally:
                cursor.close()
        return None if row is None else compiled.convert(row)

    def compile(self, dialect, prepared: bool) -> CompiledRead:
        return CompiledRead(self.name, self.statement, dialect, prepared)

    def _execute_prepared(self, pooled, cursor, compiled: CompiledRead, parameters) -> str:
        """Run the prepared statement, preparing it on the connection's first use (`pooled.info`
        lives as long as the connection); the plain statement when the connection no longer holds
        it. Returns the statement that ran. In autocommit a failed statement leaves nothing to
        roll back."""
        if self.name not in pooled.info:
            cursor.execute(compiled.prepare)
            pooled.info[self.name] = True
        try:
            cursor.execute(compiled.execute, parameters)
            return compiled.execute
        except pooled.dbapi_connection.DatabaseError as error:
            gone = getattr(error, "pgcode", None)
            if gone not in (_MISSING, _STALE):
                raise
        del pooled.info[self.name]  # prepared again on the connection's next use
        if gone == _STALE:
            cursor.execute(f"DEALLOCATE {self.name}")
        cursor.execute(compiled.sql, parameters)
        return compiled.sql


class CompiledRead:
    """A PreparedRead for one dialect: its SQL, how its values are bound, how a row is converted
    and, on PostgreSQL when `prepared`, the statements that prepare it and run it by name."""

    def __init__(self, name: str, statement, dialect, prepared: bool):
        compiled = statement.compile(dialect=dialect)
        for bind in compiled.binds.values():  # every value comes from the caller, by name
            if bind.value is not None or bind.callable is not None:
                raise ValueError(f"{name}: parameter {bind.key} has a value of its own")
        self.sql = compiled.string
        processors = {
            key: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for key, bind in compiled.binds.items()
        }
        self.order = compiled.positiontup if compiled.positional else None
        self.processors = processors
        self.row_processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        ]
        self.prepare = self.execute = None
        if prepared and dialect.name == "postgresql" and not compiled.positional:
            numbered = statement.compile(dialect=type(dialect)(paramstyle="numeric_dollar"))
            self.prepare = f"PREPARE {name} AS {numbered.string}"
            arguments = ", ".join(f"%({key})s" for key in numbered.positiontup)
            self.execute = f"EXECUTE {name}({arguments})"

    def parameters(self, values: dict):
        bound = {}
        for key, value in values.items():
            process = self.processors[key]
            bound[key] = value if process is None or value is None else process(value)
        if self.order is None:
            return bound
        return tuple(bound[key] for key in self.order)

    def convert(self, row) -> tuple:
        return tuple(
            value if process is None or value is None else process(value)
            for process, value in zip(self.row_processors, row, strict=False)
        )
