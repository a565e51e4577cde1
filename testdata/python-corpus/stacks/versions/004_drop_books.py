# The library feature is gone: drop its table.  The downgrade re-creates it
# empty, with the definition 001 used (mysql dialect types included).
from sqlalchemy import Column
from sqlalchemy import DateTime
from sqlalchemy import MetaData
from sqlalchemy import Table
from sqlalchemy.dialects import mysql


def upgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    books = Table('books', meta, autoload=True)
    books.drop()


def downgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    books = Table(
        'books', meta,
        Column('id', mysql.BIGINT(unsigned=True), primary_key=True),
        Column('title', mysql.TEXT, nullable=False),
        Column('author', mysql.VARCHAR(64), nullable=False),
        Column('isbn', mysql.BIGINT(13)),
        Column('created_at', DateTime),
        Column('updated_at', DateTime))
    books.create()
