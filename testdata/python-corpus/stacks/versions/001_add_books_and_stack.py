# The tutorial's books table (see the tutorial repository) plus Heat's stack
# table with the application's own column types.  MySQL dialect types that
# compile on every database (BIGINT, VARCHAR, TEXT); DATETIME does not compile
# on PostgreSQL, so the dates are generic DateTime here.
from sqlalchemy import *
from migrate import *
from sqlalchemy.dialects.mysql import BIGINT, VARCHAR, TEXT

from app.db import types as app_types

meta = MetaData()

books = Table(
    'books', meta,
    Column('id', BIGINT(unsigned=True), primary_key=True),
    Column('title', TEXT, nullable=False),
    Column('author', VARCHAR(64), nullable=False),
    Column('isbn', BIGINT(13)),
    Column('created_at', DateTime),
    Column('updated_at', DateTime))

stack = Table(
    'stack', meta,
    Column('id', String(36), primary_key=True),
    Column('name', VARCHAR(255), nullable=False),
    Column('raw_template', app_types.LongText),
    Column('parameters', app_types.Json),
    Column('tags', app_types.List),
    Column('owner_id', Integer),
    Column('created_at', DateTime, nullable=False),
    mysql_engine='InnoDB',
    mysql_charset='utf8')


def upgrade(migrate_engine):
    meta.bind = migrate_engine
    books.create()
    stack.create()


def downgrade(migrate_engine):
    meta.bind = migrate_engine
    stack.drop()
    books.drop()
