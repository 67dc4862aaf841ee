# The CRM image used by docker-compose.yml for web (gunicorn), worker and beat.
FROM node:20-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && mkdir -p /vendor/htmx /vendor/echarts \
 && cp node_modules/htmx.org/dist/htmx.min.js /vendor/htmx/ \
 && cp node_modules/echarts/dist/echarts.min.js /vendor/echarts/

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 CRM_ENV=production DJANGO_SETTINGS_MODULE=crm.settings.main
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client \
 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
COPY --from=assets /vendor /app/var/vendor
# collectstatic needs settings to load; these throwaway values exist only for this build step.
RUN SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 REDIS_URL=redis://localhost:6379/0 \
    ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
 && mkdir -p /app/var/models /app/var/media /app/var/outbox \
 && useradd --system --home /app crm && chown -R crm /app/var
USER crm
EXPOSE 8000
CMD ["gunicorn", "crm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
