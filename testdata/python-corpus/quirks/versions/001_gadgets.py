# A plain table with a few rows; works everywhere.  The next versions are
# there to keep what the real tool does with constructs that fail on some
# database on record (see ../README.md).
from sqlalchemy import Boolean
from sqlalchemy import Column
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy import Table


def upgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    gadgets = Table('gadgets', meta,
                    Column('id', Integer, primary_key=True),
                    Column('name', String(32), nullable=False),
                    Column('qty', Integer, nullable=False, default=0),
                    Column('fragile', Boolean, default=False),
                    mysql_engine='InnoDB', mysql_charset='utf8')
    gadgets.create()
    for i, name in enumerate(['sprocket', 'widget', 'gizmo']):
        gadgets.insert().values(name=name, qty=i * 10).execute()


def downgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    Table('gadgets', meta, autoload=True).drop()
