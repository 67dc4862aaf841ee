"""Settings split by concern (base, api, celery). `crm.settings.main` composes them for run and production;
`crm.settings.test` sets the test defaults first and then composes them the same way."""
