"""Writes of the analytical CRM: the job runner (``jobs``) and the model registry (``registry``)."""
