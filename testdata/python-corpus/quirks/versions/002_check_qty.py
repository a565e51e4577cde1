# A named CHECK constraint through migrate.changeset.constraint, without a
# dialect guard.
#  * SQLite: the upgrade fails (sqlalchemy-migrate sends ALTER TABLE ... ADD
#    CONSTRAINT, which SQLite does not have).
#  * MariaDB: the upgrade works; the downgrade fails, sqlalchemy-migrate
#    refuses to drop a CHECK on MySQL (NotSupportedError).
#  * PostgreSQL: both work.
from migrate.changeset.constraint import CheckConstraint
from sqlalchemy import MetaData
from sqlalchemy import Table


def upgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    gadgets = Table('gadgets', meta, autoload=True)
    CheckConstraint('qty >= 0', table=gadgets, name='ck_gadgets_qty').create()


def downgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    gadgets = Table('gadgets', meta, autoload=True)
    CheckConstraint('qty >= 0', table=gadgets, name='ck_gadgets_qty').drop()
