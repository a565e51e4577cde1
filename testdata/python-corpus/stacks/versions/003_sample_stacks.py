# Data: a few books and stacks, then a pass through an ORM session that
# gives every stack without an owner the owner of its template's author.
# Written when the code base still had to run on Python 2, hence six.
import datetime

import six
from six.moves import range
import sqlalchemy
from sqlalchemy import orm

from app.db import types as app_types

BOOKS = {
    1: (u'Database Migrations', 'A. Author', 9780000000001),
    2: (u'Schema Evolution', 'B. Writer', 9780000000002),
    3: (u'Rolling Upgrades', 'A. Author', 9780000000003),
}

CREATED = datetime.datetime(2015, 6, 1, 12, 0, 0)


def _stack_id(n):
    return '%08d-0000-0000-0000-000000000000' % n


def upgrade(migrate_engine):
    meta = sqlalchemy.MetaData(bind=migrate_engine)
    books = sqlalchemy.Table('books', meta, autoload=True)
    stack = sqlalchemy.Table(
        'stack', meta,
        sqlalchemy.Column('parameters', app_types.Json),
        sqlalchemy.Column('tags', app_types.List),
        autoload=True)

    for book_id, (title, author, isbn) in sorted(six.iteritems(BOOKS)):
        books.insert().execute(id=book_id, title=six.text_type(title),
                               author=author, isbn=isbn,
                               created_at=CREATED)

    for n in range(1, 5):
        stack.insert().execute(
            id=_stack_id(n), name='stack-%d' % n,
            raw_template='{"heat_template_version": "2013-05-23"}',
            parameters={'size': n, 'flavor': 'm1.small'},
            tags=['demo', 'n%d' % n],
            owner_id=(n if n % 2 else None),
            created_at=CREATED + datetime.timedelta(hours=n))

    session = orm.sessionmaker(bind=migrate_engine)()
    try:
        orphans = session.query(stack).filter(
            stack.c.owner_id == sqlalchemy.null()).order_by(stack.c.id).all()
        for row in orphans:
            params = dict(row.parameters)
            params['adopted'] = True
            session.execute(stack.update().where(stack.c.id == row.id).values(
                owner_id=100 + params['size'], parameters=params,
                tags=row.tags + ['adopted']))
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


def downgrade(migrate_engine):
    meta = sqlalchemy.MetaData(bind=migrate_engine)
    books = sqlalchemy.Table('books', meta, autoload=True)
    stack = sqlalchemy.Table('stack', meta, autoload=True)
    stack.delete().where(
        stack.c.id.in_([_stack_id(n) for n in range(1, 5)])).execute()
    books.delete().where(books.c.id.in_(list(six.iterkeys(BOOKS)))).execute()
