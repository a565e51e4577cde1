from sqlalchemy import *
from migrate import *
from sqlalchemy.dialects.mysql import BIGINT, VARCHAR, DATETIME, TEXT

meta = MetaData()
table = Table(
    'books', meta,
    Column('id', BIGINT(unsigned=True), primary_key=True),
    Column('title', TEXT, nullable=False),
    Column('author', VARCHAR(64), nullable=False),
    Column('created_at', DATETIME),
    Column('updated_at', DATETIME))


def upgrade(migrate_engine):
    meta.bind = migrate_engine
    table.create()


def downgrade(migrate_engine):
    meta.bind = migrate_engine
    table.drop()
