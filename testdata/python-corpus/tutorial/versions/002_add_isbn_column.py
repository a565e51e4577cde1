from sqlalchemy import *
from migrate import *
from sqlalchemy.dialects.mysql import BIGINT


def upgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    table = Table('books', meta, autoload=True)
    isbn = Column('isbn', BIGINT(13),  nullable=False)
    isbn.create(table)


def downgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    table = Table('books', meta, autoload=True)
    table.c.isbn.drop()
