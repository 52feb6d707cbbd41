# One image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY abl ./abl
COPY covenants ./covenants
COPY reporting ./reporting
RUN pip install .
COPY . .
RUN useradd --create-home abl && mkdir -p /app/media /app/staticfiles /app/var && chown -R abl /app/media /app/staticfiles /app/var
USER abl
# collectstatic needs settings but no secrets or database; DEBUG=0 chooses the
# manifest storage the application serves from (tests/test_production_pages.py
# runs this very line).
RUN SECRET_KEY=build-only DEBUG=0 python manage.py collectstatic --no-input -v0

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
