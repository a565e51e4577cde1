# accounts.invoice_count (Python-side default 0, back-filled by
# Column.create, then computed) and accounts.code, unique, made from the id.
from migrate.changeset.constraint import UniqueConstraint
from sqlalchemy import Column
from sqlalchemy import func
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import select
from sqlalchemy import String
from sqlalchemy import Table


def account_code(account_id, tier):
    return 'ACC-%05d-%s' % (account_id, tier[:1].upper())


def upgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    accounts = Table('accounts', meta, autoload=True)
    invoices = Table('invoices', meta, autoload=True)

    Column('invoice_count', Integer, default=0).create(accounts)
    Column('code', String(16)).create(accounts)

    counts = dict(migrate_engine.execute(
        select([invoices.c.account_id, func.count(invoices.c.id)]).group_by(
            invoices.c.account_id)).fetchall())
    # fetchall(): on SQLite an UPDATE cannot commit while another
    # connection still reads a result (database is locked)
    rows = migrate_engine.execute(
        select([accounts.c.id, accounts.c.tier]).order_by(
            accounts.c.id)).fetchall()
    for account_id, tier in rows:
        migrate_engine.execute(
            accounts.update().where(accounts.c.id == account_id).values(
                code=account_code(account_id, tier),
                invoice_count=counts.get(account_id, 0)))

    UniqueConstraint('code', table=accounts,
                     name='uniq_accounts0code').create()


def downgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    accounts = Table('accounts', meta, autoload=True)
    UniqueConstraint('code', table=accounts,
                     name='uniq_accounts0code').drop()
    accounts.c.code.drop()
    accounts.c.invoice_count.drop()
