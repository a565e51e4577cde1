# Add hosts.region (Python-side default, back-filled into the existing rows by
# Column.create), hosts.serial (nullable, indexed through index_name=) and
# racks.power_kw (NOT NULL with a server default), plus a composite index.
from sqlalchemy import Column
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy import Table


def upgrade(migrate_engine):
    meta = MetaData()
    meta.bind = migrate_engine

    hosts = Table('hosts', meta, autoload=True)
    racks = Table('racks', meta, autoload=True)

    region = Column('region', String(32), default='regionOne')
    region.create(hosts)

    serial = Column('serial', String(64), nullable=True)
    serial.create(hosts, index_name='ix_hosts_serial')

    power = Column('power_kw', Integer, nullable=False, server_default='12')
    power.create(racks)

    Index('ix_hosts_region_status', hosts.c.region, hosts.c.status).create()


def downgrade(migrate_engine):
    meta = MetaData()
    meta.bind = migrate_engine

    hosts = Table('hosts', meta, autoload=True)
    for index in list(hosts.indexes):
        if index.name in ('ix_hosts_region_status', 'ix_hosts_serial'):
            index.drop()

    # Reflect again: on SQLite each column drop rebuilds the table from the
    # Table object, first dropping every index it lists, and the two indexes
    # dropped above would still be listed in the first reflection.
    meta = MetaData(bind=migrate_engine)
    hosts = Table('hosts', meta, autoload=True)
    racks = Table('racks', meta, autoload=True)
    hosts.c.serial.drop()
    hosts.c.region.drop()
    racks.c.power_kw.drop()
