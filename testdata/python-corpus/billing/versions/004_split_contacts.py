# E-mail addresses move from accounts to a new contacts table (one row per
# account, kind 'billing'); accounts.email is dropped.  The downgrade copies
# them back.
from sqlalchemy import Column
from sqlalchemy import Enum
from sqlalchemy import ForeignKeyConstraint
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import select
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy.orm import sessionmaker


def upgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    accounts = Table('accounts', meta, autoload=True)
    contacts = Table(
        'contacts', meta,
        Column('id', Integer, primary_key=True),
        Column('account_id', Integer, nullable=False),
        Column('kind', Enum('billing', 'technical', name='contact_kind'),
               nullable=False),
        Column('email', String(255), nullable=False),
        ForeignKeyConstraint(['account_id'], ['accounts.id'],
                             name='fk_contacts_accounts'),
        mysql_engine='InnoDB',
        mysql_charset='utf8')
    contacts.create()

    session = sessionmaker(bind=migrate_engine)()
    query = select([accounts.c.id, accounts.c.email]).where(
        accounts.c.email != None).order_by(accounts.c.id)  # noqa: E711
    new_rows = [{'account_id': r.id, 'kind': 'billing', 'email': r.email}
                for r in session.execute(query)]
    if new_rows:
        session.execute(contacts.insert(), new_rows)
    session.commit()
    session.close()

    accounts.c.email.drop()


def downgrade(migrate_engine):
    meta = MetaData(bind=migrate_engine)
    accounts = Table('accounts', meta, autoload=True)
    contacts = Table('contacts', meta, autoload=True)

    Column('email', String(255)).create(accounts)
    billing = select([contacts.c.account_id, contacts.c.email]).where(
        contacts.c.kind == 'billing')
    for account_id, email in migrate_engine.execute(billing).fetchall():
        accounts.update().where(accounts.c.id == account_id).values(
            email=email).execute()

    contacts.drop()
