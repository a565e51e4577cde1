# Column types of the "stacks" application, imported by its migration
# scripts (as Heat's heat/db/sqlalchemy/types.py was by Heat's migrations).
# The migrations find this package through PYTHONPATH.
import json

from sqlalchemy.dialects import mysql
from sqlalchemy import types


class LongText(types.TypeDecorator):
    """Text everywhere, LONGTEXT on MySQL/MariaDB."""

    impl = types.Text

    def load_dialect_impl(self, dialect):
        if dialect.name == 'mysql':
            return dialect.type_descriptor(mysql.LONGTEXT())
        else:
            return self.impl


class Json(LongText):
    """A dict or list stored as its JSON text."""

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return json.dumps(value, sort_keys=True)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return json.loads(value)


class List(types.TypeDecorator):
    """A list of strings stored as one comma-separated string."""

    impl = types.String(255)

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return ','.join(value)

    def process_result_value(self, value, dialect):
        if not value:
            return []
        return value.split(',')
