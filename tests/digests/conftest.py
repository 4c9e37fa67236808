from tests.store_fixtures import postgres_database, store, store_target  # noqa: F401  (fixtures)
