# Accounts and their invoices, with some sample rows (the data migrations in
# 002-004 work on them).
import datetime

import sqlalchemy as sa


def _tables(meta):
    accounts = sa.Table(
        'accounts', meta,
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('name', sa.String(64), nullable=False, unique=True),
        sa.Column('email', sa.String(255)),
        sa.Column('tier', sa.String(16), nullable=False,
                  server_default='basic'),
        sa.Column('balance', sa.Numeric(12, 2), default=0),
        sa.Column('active', sa.Boolean, default=True),
        sa.Column('created_at', sa.DateTime),
        mysql_engine='InnoDB',
        mysql_charset='utf8')
    invoices = sa.Table(
        'invoices', meta,
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('account_id', sa.Integer, nullable=False),
        sa.Column('amount', sa.Numeric(12, 2)),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('issued_on', sa.Date, nullable=False),
        sa.Column('paid_at', sa.DateTime),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id']),
        mysql_engine='InnoDB',
        mysql_charset='utf8')
    return accounts, invoices


def _invoice(account_id, amount, state, day, paid=None):
    row = {'account_id': account_id, 'amount': amount, 'state': state,
           'issued_on': datetime.date(2014, 12, 1) + datetime.timedelta(days=day),
           'paid_at': None}
    if paid is not None:
        row['paid_at'] = datetime.datetime(2015, 2, 1, 9, 30) + \
            datetime.timedelta(days=paid)
    return row


def upgrade(migrate_engine):
    meta = sa.MetaData(bind=migrate_engine)
    accounts, invoices = _tables(meta)
    accounts.create()
    invoices.create()

    names = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay']
    created = datetime.datetime(2014, 11, 30, 8, 0, 0)
    accounts.insert().execute([
        {'name': name, 'email': None if i == 3 else 'billing@%s.example' % name.lower(),
         'created_at': created + datetime.timedelta(days=i)}
        for i, name in enumerate(names)])

    invoices.insert().execute([
        _invoice(1, '120.00', 'PAID', 0, paid=0),
        _invoice(1, '80.50', 'open', 31),
        _invoice(2, '0.00', 'open', 3),
        _invoice(2, '999.99', 'paid ', 10, paid=5),
        _invoice(3, None, 'open', 45),
        _invoice(3, '15.25', 'Open', 40),
        _invoice(4, '42.00', 'void', 12),
        _invoice(5, '7.00', 'open', 20),
        _invoice(5, '19.90', 'open', 60),
    ])


def downgrade(migrate_engine):
    meta = sa.MetaData(bind=migrate_engine)
    accounts, invoices = _tables(meta)
    invoices.drop()
    accounts.drop()
