# Constraints added after the fact with migrate.changeset.constraint:
#  * a named unique constraint on hosts (rack_id, hostname),
#  * a named foreign key host_tags.host_id -> hosts.id,
#  * a primary key on host_tags (created without one in 001),
#  * a CHECK on racks.power_kw (not on SQLite: it cannot ALTER TABLE ADD
#    CONSTRAINT, so the script skips it there, as OpenStack scripts did).
# It also replaces the unnamed foreign key hosts.rack_id -> racks.id, whose
# name the database chose, by a named one.
from migrate.changeset.constraint import CheckConstraint
from migrate.changeset.constraint import ForeignKeyConstraint
from migrate.changeset.constraint import PrimaryKeyConstraint
from migrate.changeset.constraint import UniqueConstraint
from sqlalchemy import MetaData
from sqlalchemy import Table


def _rack_fkey_name(hosts):
    fkeys = list(hosts.c.rack_id.foreign_keys)
    return fkeys[0].constraint.name if fkeys else None


def upgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    hosts = Table('hosts', meta, autoload=True)
    racks = Table('racks', meta, autoload=True)
    host_tags = Table('host_tags', meta, autoload=True)

    UniqueConstraint('rack_id', 'hostname', table=hosts,
                     name='uniq_hosts0rack_id0hostname').create()

    ForeignKeyConstraint(columns=[host_tags.c.host_id],
                         refcolumns=[hosts.c.id],
                         name='fk_host_tags_hosts').create()

    PrimaryKeyConstraint('host_id', 'tag', table=host_tags,
                         name='host_tags_pkey').create()

    if migrate_engine.name != 'sqlite':
        CheckConstraint('power_kw > 0', table=racks,
                        name='ck_racks_power_kw').create()

        ForeignKeyConstraint(columns=[hosts.c.rack_id],
                             refcolumns=[racks.c.id],
                             name=_rack_fkey_name(hosts)).drop()
        ForeignKeyConstraint(columns=[hosts.c.rack_id],
                             refcolumns=[racks.c.id],
                             name='fk_hosts_racks').create()


def downgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    hosts = Table('hosts', meta, autoload=True)
    racks = Table('racks', meta, autoload=True)
    host_tags = Table('host_tags', meta, autoload=True)

    if migrate_engine.name != 'sqlite':
        ForeignKeyConstraint(columns=[hosts.c.rack_id],
                             refcolumns=[racks.c.id],
                             name='fk_hosts_racks').drop()
        # Let the database name it again, as 001 did.
        default_name = {'mysql': 'hosts_ibfk_1',
                        'postgresql': 'hosts_rack_id_fkey'}
        ForeignKeyConstraint(columns=[hosts.c.rack_id],
                             refcolumns=[racks.c.id],
                             name=default_name[migrate_engine.name]).create()
        if migrate_engine.name == 'mysql':
            # MariaDB cannot drop a CHECK through sqlalchemy-migrate.
            migrate_engine.execute(
                'ALTER TABLE racks DROP CONSTRAINT ck_racks_power_kw')
        else:
            CheckConstraint('power_kw > 0', table=racks,
                            name='ck_racks_power_kw').drop()

    ForeignKeyConstraint(columns=[host_tags.c.host_id],
                         refcolumns=[hosts.c.id],
                         name='fk_host_tags_hosts').drop()

    # After the foreign key: on SQLite the primary key is the unique index
    # host_tags_pkey, and dropping the foreign key rebuilds host_tags from
    # this (reflected) Table, dropping and re-creating its indexes first.
    # Dropped before, the index would be gone from the database but not from
    # host_tags.indexes, and the rebuild's DROP INDEX would fail.
    PrimaryKeyConstraint('host_id', 'tag', table=host_tags,
                         name='host_tags_pkey').drop()

    UniqueConstraint('rack_id', 'hostname', table=hosts,
                     name='uniq_hosts0rack_id0hostname').drop()
