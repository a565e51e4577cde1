import json
import datetime

LOG_FORMAT = '%s-%05d'


class Base(object):
    impl = None

    def __init__(self, n):
        self.n = n

    def twice(self):
        return [self.n * 2 for _ in range(2)]


def helper(a, b=2, *rest, **kw):
    try:
        return a / b
    except ZeroDivisionError as e:
        raise ValueError(str(e))
    finally:
        pass


def upgrade(migrate_engine):
    values = {k: v for k, v in enumerate('abc')}
    total = sum(x for x in range(10) if x % 2)
    text = LOG_FORMAT % ('x', total) + '{0}'.format(json.dumps(values, sort_keys=True))
    when = datetime.datetime(2015, 1, 1) + datetime.timedelta(days=1)
    items = sorted(values.items(), key=lambda kv: -kv[0])[::-1]
    while total > 0:
        total -= 7
    return Base(helper(4)).twice(), text, when, items


def downgrade(migrate_engine):
    pass
