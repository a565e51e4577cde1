"""Times SQLAlchemy reflecting a whole database: MetaData.reflect(), the same catalog read
migrate's Dialect::reflect does. Prints the median seconds of RUNS runs.

Usage: python sqlalchemy_reflect.py URL [RUNS]   (needs sqlalchemy, psycopg2-binary, pymysql in a
throwaway virtualenv: never a dependency of the project).
"""
import sys
import time

from sqlalchemy import MetaData, create_engine

url = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
engine = create_engine(url)
times = []
for _ in range(runs):
    start = time.perf_counter()
    meta = MetaData()
    # resolve_fks=False: read each table once, as migrate does, instead of following the
    # 2,000-deep chain of foreign keys recursively (which exceeds Python's recursion limit).
    meta.reflect(bind=engine, resolve_fks=False)
    times.append(time.perf_counter() - start)
times.sort()
print(times[len(times) // 2])
