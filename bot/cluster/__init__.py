"""Scale-out: newsdigest as many processes on many machines sharing one PostgreSQL.

Roles (``newsdigest run --role ...``): ``scheduler`` (one leader, standbys), ``ingest`` and
``deliver`` workers (any number), ``bots`` (chat adapters). Jobs go through procrastinate,
a PostgreSQL task queue (``pip install 'newsdigest[scale]'``). Nothing here is imported by
the single-process mode (``--role all``), and procrastinate is imported lazily, so that mode
runs without it.

Modules: ``engine`` (the procrastinate App, schema), ``tasks`` (the jobs), ``leader`` (the
scheduler role), ``politeness`` (per-host limits across workers), ``budget`` (shared
platform rate limits), ``roles`` (process entry points).
"""

__all__ = ["ROLES"]

ROLES = ("all", "scheduler", "ingest", "deliver", "bots")
