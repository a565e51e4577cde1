# Not from the tutorial: one more step in its style.  A Boolean column with a
# Python-side default (back-filled into the existing row by Column.create),
# and a first book.  On SQLite the downgrade fails: the column is dropped by
# re-creating the table from the reflected Table, whose reflected Boolean
# brought a CHECK (in_stock IN (0, 1)) that names the dropped column.
import datetime

from sqlalchemy import *
from migrate import *


def upgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    table = Table('books', meta, autoload=True)
    # id given: on SQLite a BIGINT primary key is not an alias of the rowid,
    # so nothing would number the row (NOT NULL constraint failed: books.id).
    table.insert().execute(id=1, title='Migrations by hand', author='Someone',
                           isbn=9780000000099,
                           created_at=datetime.datetime(2019, 12, 19, 14, 9))
    in_stock = Column('in_stock', Boolean, default=True)
    in_stock.create(table)


def downgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    table = Table('books', meta, autoload=True)
    table.c.in_stock.drop()
    table.delete().where(table.c.author == 'Someone').execute()
