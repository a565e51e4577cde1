# Column alterations: widen hosts.hostname, make racks.location NOT NULL,
# rename interfaces.mac to interfaces.address, turn hosts.load_avg into a
# Numeric.  The downgrade undoes each alteration.
from sqlalchemy import Float
from sqlalchemy import MetaData
from sqlalchemy import Numeric
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import Unicode


def upgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    hosts = Table('hosts', meta, autoload=True)
    racks = Table('racks', meta, autoload=True)
    interfaces = Table('interfaces', meta, autoload=True)

    hosts.c.hostname.alter(type=String(512))
    racks.c.location.alter(nullable=False)
    interfaces.c.mac.alter(name='address')
    hosts.c.load_avg.alter(type=Numeric(6, 3))


def downgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    hosts = Table('hosts', meta, autoload=True)
    racks = Table('racks', meta, autoload=True)
    interfaces = Table('interfaces', meta, autoload=True)

    hosts.c.load_avg.alter(type=Float)
    interfaces.c.address.alter(name='mac')
    racks.c.location.alter(type=Unicode(128), nullable=True)
    hosts.c.hostname.alter(type=String(255))
