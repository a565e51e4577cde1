# interfaces becomes host_interfaces; hosts.load_avg is dropped (it is
# collected elsewhere now).  The downgrade renames back and re-adds the
# column, empty.
from sqlalchemy import Column
from sqlalchemy import Float
from sqlalchemy import MetaData
from sqlalchemy import Table


def upgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    interfaces = Table('interfaces', meta, autoload=True)
    interfaces.rename('host_interfaces')

    hosts = Table('hosts', meta, autoload=True)
    hosts.c.load_avg.drop()


def downgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    hosts = Table('hosts', meta, autoload=True)
    load_avg = Column('load_avg', Float)
    load_avg.create(hosts)

    host_interfaces = Table('host_interfaces', meta, autoload=True)
    host_interfaces.rename('interfaces')
