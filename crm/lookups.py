"""Query lookups the ORM lacks."""

from __future__ import annotations

from django.db.models import Lookup
from django.db.models.lookups import In


class AnyOf(Lookup):
    """``field = ANY(%s)``: membership in a list passed as one array parameter on PostgreSQL.

    ``__in`` binds one placeholder per value: a usage batch's 40,000 service numbers made a statement of 40,000
    parameters that took longer to send, parse and plan than to answer. Used as an expression:
    ``Product.objects.filter(AnyOf(F("service_number"), numbers))``. Other databases get ``IN``.
    """

    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        field = self.lhs.output_field
        return "%s", [[field.get_db_prep_value(v, connection, prepared=False) for v in value]]

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            return In(self.lhs, list(self.rhs)).as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]
