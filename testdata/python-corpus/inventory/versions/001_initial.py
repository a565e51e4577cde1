# Initial inventory schema: racks, hosts, interfaces, host_tags.
#
# Written in the style of the OpenStack "NNN_initial" scripts: every table is
# declared against one MetaData bound to the engine, created in dependency
# order, and dropped in reverse order by the downgrade.
import datetime

from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import Column
from sqlalchemy import Date
from sqlalchemy import DateTime
from sqlalchemy import Enum
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import ForeignKeyConstraint
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import LargeBinary
from sqlalchemy import MetaData
from sqlalchemy import Numeric
from sqlalchemy import PickleType
from sqlalchemy import SmallInteger
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import Text
from sqlalchemy import Time
from sqlalchemy import Unicode
from sqlalchemy import UnicodeText
from sqlalchemy.sql import expression


def define_tables(meta):
    racks = Table(
        'racks', meta,
        Column('id', Integer, primary_key=True, autoincrement=True),
        Column('name', String(64), nullable=False, unique=True),
        Column('location', Unicode(128)),
        Column('notes', UnicodeText),
        Column('created_at', DateTime, nullable=False),
        Column('commissioned_on', Date),
        Column('maintenance_window', Time),
        Column('deleted', Boolean(create_constraint=True), default=False),
        mysql_engine='InnoDB',
        mysql_charset='utf8'
    )

    hosts = Table(
        'hosts', meta,
        Column('id', Integer, primary_key=True, nullable=False),
        Column('uuid', String(36), nullable=False, unique=True),
        Column('rack_id', Integer, ForeignKey('racks.id'), index=True),
        Column('hostname', String(255), nullable=False),
        Column('description', Text),
        Column('memory_bytes', BigInteger),
        Column('cpu_count', SmallInteger, nullable=False, server_default='1'),
        Column('load_avg', Float),
        Column('hourly_price', Numeric(10, 2)),
        Column('status', Enum('active', 'maintenance', 'retired',
                              name='host_status'),
               nullable=False, default='active'),
        Column('enabled', Boolean(create_constraint=False),
               server_default=expression.true()),
        Column('firmware', LargeBinary),
        Column('facts', PickleType),
        mysql_engine='InnoDB',
        mysql_charset='utf8'
    )
    Index('hosts_description_idx', hosts.c.description, mysql_length=64)

    interfaces = Table(
        'interfaces', meta,
        Column('id', Integer, primary_key=True),
        Column('host_id', Integer, nullable=False),
        Column('mac', String(17), nullable=False),
        Column('mtu', Integer, default=1500),
        ForeignKeyConstraint(['host_id'], ['hosts.id'],
                             name='fk_interfaces_hosts'),
        mysql_engine='InnoDB',
        mysql_charset='utf8'
    )

    # No primary key on purpose: 005 adds one with PrimaryKeyConstraint.
    host_tags = Table(
        'host_tags', meta,
        Column('host_id', Integer, nullable=False),
        Column('tag', String(64), nullable=False),
        mysql_engine='InnoDB',
        mysql_charset='utf8'
    )

    return [racks, hosts, interfaces, host_tags]


def upgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    tables = define_tables(meta)
    for table in tables:
        table.create()

    racks, hosts, interfaces, host_tags = tables
    created = datetime.datetime(2014, 1, 2, 3, 4, 5)
    rack_rows = [
        {'name': 'r1', 'location': u'Hall A', 'created_at': created,
         'commissioned_on': datetime.date(2013, 12, 1),
         'maintenance_window': datetime.time(2, 30)},
        {'name': 'r2', 'location': u'Hall B', 'created_at': created},
    ]
    for row in rack_rows:
        racks.insert().values(row).execute()

    host_rows = [
        {'uuid': '11111111-1111-1111-1111-111111111111', 'rack_id': 1,
         'hostname': 'node1.example.org', 'description': 'first node',
         'memory_bytes': 68719476736, 'load_avg': 0.5,
         'hourly_price': '0.25', 'firmware': b'\x00\x01\xff',
         'facts': {'arch': 'x86_64', 'cores': 8}},
        {'uuid': '22222222-2222-2222-2222-222222222222', 'rack_id': 1,
         'hostname': 'node2.example.org', 'status': 'maintenance',
         'memory_bytes': 34359738368, 'cpu_count': 4},
        {'uuid': '33333333-3333-3333-3333-333333333333', 'rack_id': 2,
         'hostname': 'node3.example.org', 'status': 'retired'},
    ]
    for row in host_rows:
        migrate_engine.execute(hosts.insert(), row)

    # executemany: every row must have the same keys
    interfaces.insert().execute([
        {'host_id': 1, 'mac': '52:54:00:00:00:01', 'mtu': 1500},
        {'host_id': 1, 'mac': '52:54:00:00:00:02', 'mtu': 9000},
        {'host_id': 2, 'mac': '52:54:00:00:00:03', 'mtu': 1500},
    ])
    host_tags.insert().execute([
        {'host_id': 1, 'tag': 'gpu'},
        {'host_id': 2, 'tag': 'spare'},
    ])


def downgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    for table in reversed(define_tables(meta)):
        table.drop()
