# stack.disable_rollback and stack.notes, with MySQL's own types on MySQL
# (TINYINT(1), LONGTEXT) and generic ones elsewhere; an index on the stack
# name that each database spells its own way (raw SQL through text()).
import sqlalchemy
from sqlalchemy.dialects.mysql import LONGTEXT
from sqlalchemy.dialects.mysql import TINYINT
from sqlalchemy.sql import expression


def upgrade(migrate_engine):
    meta = sqlalchemy.MetaData(bind=migrate_engine)
    stack = sqlalchemy.Table('stack', meta, autoload=True)

    if migrate_engine.name == 'mysql':
        disable_rollback = sqlalchemy.Column('disable_rollback', TINYINT(1),
                                             nullable=False,
                                             server_default='0')
        notes = sqlalchemy.Column('notes', LONGTEXT)
    else:
        disable_rollback = sqlalchemy.Column('disable_rollback',
                                             sqlalchemy.Boolean(
                                                 create_constraint=False),
                                             nullable=False,
                                             server_default=expression.false())
        notes = sqlalchemy.Column('notes', sqlalchemy.Text)
    disable_rollback.create(stack)
    notes.create(stack)

    if migrate_engine.name == 'mysql':
        sql = 'CREATE INDEX ix_stack_name_prefix ON stack (name(16))'
    else:
        sql = 'CREATE INDEX ix_stack_lower_name ON stack (lower(name))'
    migrate_engine.execute(sqlalchemy.text(sql))


def downgrade(migrate_engine):
    if migrate_engine.name == 'mysql':
        migrate_engine.execute(sqlalchemy.text(
            'DROP INDEX ix_stack_name_prefix ON stack'))
    else:
        migrate_engine.execute(sqlalchemy.text(
            'DROP INDEX ix_stack_lower_name'))

    meta = sqlalchemy.MetaData(bind=migrate_engine)
    stack = sqlalchemy.Table('stack', meta, autoload=True)
    if migrate_engine.name == 'sqlite':
        # A reflected BOOLEAN is a Boolean, which puts a CHECK constraint on
        # the Table object.  sqlalchemy-migrate drops a SQLite column by
        # re-creating the table from that object, CHECK (disable_rollback
        # IN (0, 1)) included, which fails once the column is gone (see the
        # tutorial repository, version 2).  Forget the constraint first.
        for constraint in list(stack.constraints):
            if (isinstance(constraint, sqlalchemy.CheckConstraint) and
                    'disable_rollback' in str(constraint.sqltext)):
                stack.constraints.remove(constraint)
    stack.c.notes.drop()
    stack.c.disable_rollback.drop()
