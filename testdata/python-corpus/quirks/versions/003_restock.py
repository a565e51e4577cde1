# Two data-migration mistakes, both fatal:
#  * an executemany whose rows do not all have the same keys: SQLAlchemy
#    compiles the INSERT from the first row and then wants every column of it
#    in every row ("A value is required for bind parameter 'fragile', in
#    parameter group 1"), on every database;
#  * (not reached) updating rows while a SELECT over the same table is still
#    being read, which SQLite refuses ("database is locked").
from sqlalchemy import MetaData
from sqlalchemy import select
from sqlalchemy import Table


def upgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    gadgets = Table('gadgets', meta, autoload=True)
    gadgets.insert().execute([
        {'name': 'doohickey', 'qty': 5, 'fragile': True},
        {'name': 'thingamajig', 'qty': 7},
    ])
    for row in migrate_engine.execute(select([gadgets.c.id, gadgets.c.qty])):
        gadgets.update().where(gadgets.c.id == row.id).values(
            qty=row.qty + 1).execute()


def downgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    gadgets = Table('gadgets', meta, autoload=True)
    gadgets.delete().where(
        gadgets.c.name.in_(['doohickey', 'thingamajig'])).execute()
