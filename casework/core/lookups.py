"""`field__any_of=[...]`: membership in a long list of values, sent as one parameter.

A team's access review asks for the log rows of its thousand cases. As `__in`, that is a
thousand placeholders, each resolved by the ORM and split out of the SQL by the driver:
more Python time than the query takes in the database (docs/benchmarks.md). On PostgreSQL
this lookup sends the values as one array (`= ANY(%s)`), which the planner answers with
the same index scans as the IN list (a subquery instead would have hidden the index behind
an OR: the whole log read). Elsewhere it is the IN list."""

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import models


@models.CharField.register_lookup
class AnyOf(models.Lookup):  # type: ignore[type-arg]
    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value: Any, connection: Any) -> tuple[str, list[Any]]:
        return "%s", [[str(item) for item in value]]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        values = [str(item) for item in self.rhs]
        if not values:
            raise EmptyResultSet
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs_sql} = ANY(%s)", [*lhs_params, values]
        return f"{lhs_sql} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]
