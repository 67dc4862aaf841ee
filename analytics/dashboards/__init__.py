"""Manager dashboards (管理驾驶舱): each reads aggregate tables (``analytics.models.marts``) refreshed by the ``marts``
job, never raw usage on a page view; each exports its tables (Excel/CSV) and can be subscribed to as a periodic report.

A dashboard module defines a ``Dashboard`` subclass (``build(user, filters) -> DashboardData``) and registers it with
``register_dashboard``; a mart module registers ``MartSpec`` refreshers with ``register_mart``. ``catalog`` imports
them all."""
